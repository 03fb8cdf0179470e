from certify.core.markdown import render_markdown


def test_markdown_is_rendered_and_sanitised():
    html = str(render_markdown("# Title\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))\n\n"
                               "| a | b |\n|---|---|\n| 1 | 2 |\n\n<img src=x onerror=alert(1)>"))
    assert "<h1" in html and "<strong>bold</strong>" in html and "<table tabindex=\"0\">" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_headings_can_start_below_the_page_title():
    html = str(render_markdown("# Module\n\n## Part", baselevel=2))
    assert "<h2" in html and "<h3" in html and "<h1" not in html


def test_tables_can_be_scrolled_with_the_keyboard():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert '<table tabindex="0">' in html
