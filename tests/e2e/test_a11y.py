"""Accessibility (WCAG 2.1 AA, as lag 2018:1937 asks of Swedish public-sector services): axe-core in Chromium.

axe-core (the npm package, installed by test.sh into tests/e2e/.axe/) is injected into every page of the
dashboard (and the presenter mode) after it has rendered; no violation of impact "serious" or "critical"
may remain. The rules run are those tagged WCAG 2.0/2.1 A and AA. Also: the <html lang> attribute follows
the page's language, every chart has a table alternative, and the controls are reachable by keyboard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from servicekartan.i18n import t
from tests.e2e import harness
from tests.e2e.conftest import REQUIRE, open_page, wait_idle

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHART_DATA = t("a11y.chart_data", "sv")
PATHS = {
    "overview": "/",
    **{p: f"/{p}" for p in harness.PAGE_PATHS if p != "overview"},
    "presenter": "/?present=1",
}


def axe_violations(page: Any) -> list[dict]:
    """axe-core's WCAG A/AA violations on the rendered page (each: id, impact, help, nodes' targets)."""
    if not AXE.exists():
        msg = f"{AXE} missing: run `npm install --prefix tests/e2e/.axe axe-core@4` (test.sh does it)"
        if REQUIRE:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
           }""",
        TAGS,
    )
    return list(result)


def serious(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("name", list(PATHS))
def test_no_serious_axe_violation(page: Any, base_url: str, name: str):
    open_page(page, base_url, PATHS[name], charts=name in (*harness.CHART_PAGES, "presenter"))
    page.wait_for_timeout(500)
    found = serious(axe_violations(page))
    assert not found, f"axe-core on {name}:\n  " + "\n  ".join(found)


def test_english_pages_are_marked_english(page: Any, base_url: str):
    open_page(page, base_url, "/villages?lang=en")
    assert serious(axe_violations(page)) == []
    page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=10_000)


def test_swedish_pages_are_marked_swedish(page: Any, base_url: str):
    open_page(page, base_url, "/")
    page.wait_for_function("() => document.documentElement.lang === 'sv'", timeout=10_000)


def test_every_chart_has_a_table_alternative(page: Any, base_url: str):
    """Each plotly chart is followed by an expander holding its data as a table (WCAG 1.1.1 text alternative)."""
    for path in ("/", "/villages?area=0861", "/access?area=0861"):
        open_page(page, base_url, path)
        n_charts = page.locator('[data-testid="stPlotlyChart"]').count()
        alternatives = page.locator('[data-testid="stExpander"] summary').filter(has_text=CHART_DATA).count()
        assert n_charts >= 1 and alternatives >= n_charts, f"{path}: {n_charts} charts, {alternatives} tables"


def test_language_switch_works_by_keyboard(page: Any, base_url: str):
    """Tab from the top of the page reaches the language radio; an arrow key switches the page to English."""
    open_page(page, base_url, "/")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.type === 'radio'"):
            break
    else:
        pytest.fail("the language radio is not reachable with Tab")
    page.keyboard.press("ArrowRight")  # Svenska -> English
    wait_idle(page)
    page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=20_000)
    assert page.locator(harness.TITLE).inner_text() == "Overview"
