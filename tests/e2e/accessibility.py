"""axe-core in the browser tests: every page a role's day visits is checked against WCAG 2.2
A/AA, and none may have a serious or critical violation.

axe-core is the npm package, fetched at a pinned version by ``make axe`` (part of
``make test``) into ``tests/e2e/.axe-core``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

AXE_DIR = Path(__file__).parent / ".axe-core"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}


def _axe_source() -> str:
    scripts = sorted(AXE_DIR.glob("axe-*.min.js"))
    if not scripts:
        pytest.fail("axe-core is missing: run `make axe` (part of `make test`)")
    return scripts[-1].read_text(encoding="utf-8")


def serious_violations(page) -> list[dict]:
    """axe's serious and critical WCAG violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the pages' Content-Security-Policy, which
        # refuses inline scripts, does not apply to it.
        page.evaluate(_axe_source() + "\n;true")
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", WCAG_TAGS)
    return [{"id": violation["id"], "impact": violation["impact"], "help": violation["help"],
             "targets": [node["target"] for node in violation["nodes"][:5]],
             # What axe measured (colours and ratio, the attribute refused...) on the first node.
             "why": (violation["nodes"][0].get("failureSummary") or "")[:300]}
            for violation in results["violations"] if violation["impact"] in BLOCKING]


def assert_accessible(page) -> None:
    """No serious or critical violation on the page, and nothing scrolls sideways."""
    violations = serious_violations(page)
    assert not violations, (page.url, violations)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
