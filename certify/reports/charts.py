"""Charts drawn on the server as SVG: no JavaScript, no external files, crisp when printed.

Series differ by line style or fill pattern as well as colour, so a chart still reads on a
black-and-white printout; text is real text (selectable, translatable). Each chart has a
``<title>`` and ``<desc>`` for screen readers, and the pages show the table behind it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

from certify.reports.progress import Progress

INK = "#1d2433"
BRAND = "#0b5cab"
GRID = "#d9dee7"
MUTED = "#5b6577"
FONT = 'font-family="DejaVu Sans, Liberation Sans, sans-serif"'


def _number(value: float | int | Decimal) -> str:
    return format_decimal(value, format="#,##0.#")


def nice_maximum(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _svg(width: int, height: int, title: str, description: str, body: list[str],
         chart_id: str, css_class: str = "chart") -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMidYMid meet" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12,
          weight: str = "normal", fill: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'font-weight="{weight}" fill="{fill}" {FONT}>{escape(text)}</text>')


# --- the cumulative line against the target path -----------------------------------------------

def cumulative_chart(progress: Progress, *, chart_id: str = "cumulative", width: int = 720,
                     date_labels: int = 8, css_class: str = "chart") -> Markup:
    """Certified agents since the start (solid line) against the target path (dashed), month
    by month, with today marked. A phone gets a narrower drawing with fewer dates, so the
    whole path to the due date fits its width at a readable size."""
    height = 340
    left, right, top, bottom = 64, 20, 48, 56
    legend = [(_("Certified, cumulative"), BRAND, None, 3), (_("Target path"), INK, "7 5", 2)]
    stacked = _legend_width(legend) > width - left - right  # a phone: one entry per line
    if stacked:
        top += LEGEND_LINE * (len(legend) - 1)
        height += LEGEND_LINE * (len(legend) - 1)
    months = progress.months
    plot_width, plot_height = width - left - right, height - top - bottom
    values = [p.cumulative for p in months if p.cumulative is not None]
    values += [p.target for p in months if p.target is not None]
    top_value = nice_maximum(max(values, default=0))

    def x(index: int) -> float:
        if len(months) == 1:
            return left + plot_width / 2
        return left + plot_width * index / (len(months) - 1)

    def y(value: float) -> float:
        return top + plot_height - plot_height * value / top_value

    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>']
    for tick in range(5):
        value = top_value * tick / 4
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
                    f'y2="{y(value):.1f}" stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(left - 8, y(value) + 4, _number(value), anchor="end", size=11,
                          fill=MUTED))
    step = max(1, math.ceil(len(months) / date_labels))
    for index in range(0, len(months), step):
        body.append(_text(x(index), height - bottom + 18,
                          format_date(months[index].month, "MMM yyyy"), anchor="middle",
                          size=11, fill=MUTED))
    today_index = next((i for i, p in enumerate(months) if p.month > progress.today), len(months))
    if 0 < today_index <= len(months):
        tx = x(today_index - 1)
        body.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{top + plot_height}" '
                    f'stroke="{MUTED}" stroke-width="1" stroke-dasharray="2 3"/>')
        body.append(_text(tx, top - 6, _("Today"), anchor="middle", size=11, fill=MUTED))
    target_points = [(x(i), y(p.target)) for i, p in enumerate(months) if p.target is not None]
    if target_points:
        body.append(_polyline(target_points, stroke=INK, width=2, dash="7 5", name="target"))
    certified_points = [(x(i), y(p.cumulative)) for i, p in enumerate(months)
                        if p.cumulative is not None]
    if certified_points:
        body.append(_polyline(certified_points, stroke=BRAND, width=3, name="certified"))
        last_x, last_y = certified_points[-1]
        body.append(f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="4" fill="{BRAND}"/>')
    body += _legend(left, 18, legend, stacked=stacked)
    description = _("%(certified)s agents certified by %(today)s.",
                    certified=_number(progress.certified), today=format_date(progress.today))
    if progress.target is not None:
        description += " " + _("Target: %(target)s by %(due)s; the target path expects "
                               "%(expected)s today.", target=_number(progress.target.certified),
                               due=format_date(progress.target.due_on),
                               expected=_number(progress.pace.expected or 0))
    return _svg(width, height, _("Certified agents against the target path"), description,
                body, chart_id, css_class)


def _polyline(points: list[tuple[float, float]], *, stroke: str, width: int, name: str,
              dash: str | None = None) -> str:
    coordinates = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline class="series-{name}" points="{coordinates}" fill="none" '
            f'stroke="{stroke}" stroke-width="{width}" stroke-linejoin="round"{dashes}/>')


LEGEND_LINE = 18  # px between stacked legend entries


def _legend_entry_width(label: str) -> float:
    return 44 + 7.2 * len(label)  # the line sample, a gap and the text at about 7 px a letter


def _legend_width(entries) -> float:
    return sum(_legend_entry_width(label) for label, *_rest in entries)


def _legend(x: float, y: float, entries: list[tuple[str, str, str | None, int]], *,
            stacked: bool = False) -> list[str]:
    """The entries side by side, or one per line (``stacked``) where they would not fit."""
    body = []
    for label, stroke, dash, width in entries:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(f'<line x1="{x:.1f}" x2="{x + 28:.1f}" y1="{y - 4:.1f}" y2="{y - 4:.1f}" '
                    f'stroke="{stroke}" stroke-width="{width}"{dashes}/>')
        body.append(_text(x + 34, y, label))
        if stacked:
            y += LEGEND_LINE
        else:
            x += _legend_entry_width(label)
    return body


# --- horizontal bars ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Series:
    """One kind of bar: its name in the legend and how it is drawn."""

    name: str
    style: str  # "solid", "light" or "outline": distinct in colour and in black and white


def _fill(style: str, chart_id: str) -> str:
    return {
        "solid": f'fill="{BRAND}"',
        "light": f'fill="url(#{chart_id}-hatch)" stroke="#4a6f96" stroke-width="1"',
        "outline": f'fill="#fff" stroke="{INK}" stroke-width="1.5" stroke-dasharray="3 2"',
    }[style]


def _hatch(chart_id: str) -> str:
    return (f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
            'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<rect width="6" height="6" fill="#dce8f5"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#4a6f96" stroke-width="2"/>'
            '</pattern></defs>')


def bar_chart(title: str, description: str, groups: Sequence[tuple[str, Sequence[float | None]]],
              series: Sequence[Series], *, unit: str = "", maximum: float | None = None,
              chart_id: str = "bars", width: int = 720, css_class: str = "chart") -> Markup:
    """Horizontal bars: one group per row (its label, then one value per series).

    ``maximum`` fixes the scale (e.g. 100 for percentages); missing values draw no bar
    and read "—". A phone drawing is narrower (``width``; class "chart chart-phone"): the
    labels take at most half of it, so the bars stay long enough to compare.
    """
    label_width = min(220, width // 2,
                      24 + 7 * max((len(label) for label, _v in groups), default=4))
    right, top = 70, 30 if len(series) > 1 else 10
    bar, gap = 16, 12
    group_height = bar * len(series) + gap
    height = top + group_height * max(1, len(groups)) + 10
    values = [v for _label, row in groups for v in row if v is not None]
    scale = float(maximum or nice_maximum(float(max(values, default=0))))
    plot = width - label_width - right
    body = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>', _hatch(chart_id)]
    if len(series) > 1:
        x = label_width
        for entry in series:
            body.append(f'<rect x="{x:.1f}" y="8" width="14" height="12" '
                        f'{_fill(entry.style, chart_id)}/>')
            body.append(_text(x + 20, 18, entry.name))
            x += 36 + 7.2 * len(entry.name)
    for index, (label, row) in enumerate(groups):
        y0 = top + index * group_height
        body.append(_text(label_width - 8, y0 + bar * len(series) / 2 + 4, label, anchor="end"))
        for position, (entry, value) in enumerate(zip(series, row, strict=True)):
            y = y0 + position * bar
            if value is None:
                body.append(_text(label_width + 4, y + bar - 4, "—", size=11, fill=MUTED))
                continue
            length = plot * min(float(value), scale) / scale if scale else 0
            body.append(f'<rect class="bar" x="{label_width}" y="{y + 1}" width="{length:.1f}" '
                        f'height="{bar - 2}" {_fill(entry.style, chart_id)}/>')
            body.append(_text(label_width + length + 4, y + bar - 4,
                              f"{_number(value)}{unit}", size=11))
    body.append(f'<line x1="{label_width}" x2="{label_width}" y1="{top - 2}" '
                f'y2="{height - 8}" stroke="{INK}" stroke-width="1"/>')
    return _svg(width, height, title, description, body, chart_id, css_class)


def month_label(month: date) -> str:
    return format_date(month, "MMMM yyyy")


PHONE_WIDTH = 400


def bar_chart_with_phone_drawing(*args, chart_id: str, **kwargs) -> Markup:
    """:func:`bar_chart` and its narrow drawing for phones (one series: no legend to fit);
    the stylesheet shows one or the other, so a phone reads the chart whole, unscrolled."""
    return (bar_chart(*args, chart_id=chart_id, **kwargs)
            + bar_chart(*args, chart_id=f"{chart_id}-phone", width=PHONE_WIDTH,
                        css_class="chart chart-phone", **kwargs))
