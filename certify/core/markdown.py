"""Markdown from course_content rendered to sanitised HTML."""

from __future__ import annotations

import markdown as md
import nh3
from markupsafe import Markup

_ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
    "abbr", "dl", "dt", "dd",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"},
                       "h2": {"id"}, "h3": {"id"}}


def render_markdown(text: str, baselevel: int = 1) -> Markup:
    """HTML for ``text``: tables and lists allowed; scripts, styles and raw HTML removed.

    ``baselevel=2`` turns ``#`` into ``<h2>`` and so on, for text shown under a page title.
    """
    html = md.markdown(text or "", extensions=["tables", "sane_lists", "toc"],
                       extension_configs={"toc": {"baselevel": baselevel}}, output_format="html")
    # A wide table scrolls sideways inside the text on a phone; focusable, it scrolls with the
    # keyboard too (WCAG 2.1.1).
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer",
                      set_tag_attribute_values={"table": {"tabindex": "0"}})
    return Markup(clean)  # noqa: S704 - sanitised just above
