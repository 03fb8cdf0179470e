"""Server-side SVG charts: well-formed, self-contained, and carrying the data they show."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from flask_babel import force_locale

from certify.extensions import db
from certify.reports import charts
from certify.reports.progress import certified_progress
from certify.reports.scope import make_scope
from certify.reports.targets import set_milestone, set_target
from tests.reports.conftest import TODAY

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("viewBox")
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text")]


@pytest.fixture
def progress(known):
    target = set_target(known.programme, certified=100, starts_on=date(2026, 1, 1),
                        due_on=date(2027, 12, 31), actor=None)
    set_milestone(target, year=2026, certified=40)
    db.session.commit()
    return certified_progress(make_scope(programme_id=known.programme.id), today=TODAY)


def test_the_cumulative_chart_draws_the_line_and_the_target_path(app, progress):
    with app.test_request_context(), force_locale("en"):
        root = parse(charts.cumulative_chart(progress))
    assert root.find(f"{SVG}title").text == "Certified agents against the target path"
    assert "2 agents certified by Dec 31, 2026" in root.find(f"{SVG}desc").text
    assert "the target path expects 40 today" in root.find(f"{SVG}desc").text
    lines = {line.get("class"): line for line in root.iter(f"{SVG}polyline")}
    certified = lines["series-certified"].get("points").split()
    target = lines["series-target"].get("points").split()
    assert len(certified) == 12 and len(target) == 24  # months so far; the whole path
    assert lines["series-target"].get("stroke-dasharray")  # tells the lines apart in print
    assert {"Today", "100", "Jan 2026", "Target path"} <= set(texts(root))
    assert not any("http" in (element.get("href") or "") for element in root.iter())


def test_a_bar_chart_has_a_bar_per_value_and_a_dash_for_none(app):
    with app.test_request_context(), force_locale("en"):
        markup = charts.bar_chart(
            "Shares <&>", "Women & men", [("Women", [60.0, 58.0]), ("Men", [None, 42.0])],
            [charts.Series("Certified", "solid"), charts.Series("Workforce", "outline")],
            unit="%", maximum=100, chart_id="test")
    root = parse(markup)
    assert root.find(f"{SVG}title").text == "Shares <&>"  # escaped, then read back
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]
    assert len(bars) == 3
    assert {"Women", "Men", "60%", "58%", "42%", "—", "Certified", "Workforce"} <= set(texts(root))
    pattern = root.find(f".//{SVG}pattern")
    assert pattern.get("id") == "test-hatch"  # ids unique per chart on one page


def test_charts_are_on_the_dashboard_pages_with_their_tables(client, login_as, known):
    login_as(known.manager)
    for url in ("/reports?lang=en", "/reports/funnel?lang=en", "/reports/equity?lang=en",
                "/reports/attendance?lang=en", "/reports/places?lang=en"):
        page = client.get(url).text
        assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') >= 1, url
        assert "<table" in page, url
        # Charts are SVG drawn on the server: no script but the one every page shares.
        assert "cdn" not in page.lower(), url
        assert [re.sub(r"\?v=\w+", "", tag) for tag in re.findall(r"<script[^>]*>", page)] == [
            '<script src="/static/js/certify.js" defer>'], url


def test_single_series_charts_have_a_phone_drawing(client, login_as, known):
    """The funnel, places and attendance charts come with a 400 px drawing that a phone shows
    whole instead of scrolling the wide one sideways."""
    login_as(known.manager)
    for url, chart_id in (("/reports/funnel", "funnel"), ("/reports/places", "places"),
                          ("/reports/attendance", "attendance")):
        page = client.get(url).text
        phone = re.search(rf'<svg [^>]*class="chart chart-phone"[^>]*{chart_id}-phone-title', page)
        assert phone and 'viewBox="0 0 400 ' in phone.group(0), url
