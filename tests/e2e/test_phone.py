"""Phone layout (390×844, a common phone viewport): no page wider than the screen, the main figures above the
fold, no plotly toolbar over a chart title, presenter controls in one compact block above the slide."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import harness
from tests.e2e.conftest import open_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PATHS = {
    "overview": "/",
    **{p: f"/{p}" for p in harness.PAGE_PATHS if p != "overview"},
    "presenter": "/?present=1",
}

# The widest element of the document and of Streamlit's scrolling main container (which hides overflow from
# document.scrollWidth), with the elements sticking out past the right edge.
_WIDTH_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const out = Array.from(document.querySelectorAll('[data-testid="stMain"] *'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.getClientRects().length)
    .filter(e => {  // content scrolled or clipped inside a box that itself fits does not widen the page
      for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        if (ox !== 'visible' && a.getBoundingClientRect().right <= window.innerWidth + 1) return false;
      }
      return true;
    })
    .slice(0, 5).map(e => `${e.tagName}.${e.getAttribute('data-testid') || e.className}`.slice(0, 90));
  return {doc: document.documentElement.scrollWidth, main: main ? main.scrollWidth : 0, out};
}
"""


def phone(new_page: Any) -> Any:
    return new_page(viewport=dict(PHONE), is_mobile=True, has_touch=True)


@pytest.mark.parametrize("name", list(PATHS))
def test_no_page_is_wider_than_a_phone(new_page: Any, base_url: str, name: str):
    page = phone(new_page)
    open_page(page, base_url, PATHS[name], charts=name in (*harness.CHART_PAGES, "presenter"))
    page.wait_for_timeout(500)
    w = page.evaluate(_WIDTH_JS)
    assert w["doc"] <= PHONE["width"] and w["main"] <= PHONE["width"], f"{name}: {w}"
    assert not w["out"], f"{name}: elements past the right edge: {w['out']}"


def test_overview_shows_the_main_figures_above_the_fold(new_page: Any, base_url: str):
    page = phone(new_page)
    open_page(page, base_url, "/")
    first = page.locator('[data-testid="stMetric"]').first
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    assert "10 587 710" in first.inner_text().replace("\xa0", " ")  # Sverige's population 2024, the headline figure


def test_no_toolbar_over_chart_titles_on_a_phone(new_page: Any, base_url: str):
    page = phone(new_page)
    open_page(page, base_url, "/")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.tap()  # a tap is a hover on a phone: the toolbar used to appear over the title
    page.wait_for_timeout(300)
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll('.modebar-container'))
                 .filter(e => getComputedStyle(e).display !== 'none' && e.getClientRects().length).length"""
    )
    assert shown == 0


def test_presenter_controls_fit_above_the_slide_on_a_phone(new_page: Any, base_url: str):
    page = phone(new_page)
    open_page(page, base_url, "/?present=1")
    buttons = page.locator('[data-testid="stMain"] [data-testid="stButton"] button')
    boxes = [buttons.nth(i).bounding_box() for i in range(buttons.count())]
    assert len(boxes) >= 3 and all(b and b["x"] + b["width"] <= PHONE["width"] for b in boxes), boxes
    rows = {round(b["y"] / 10) for b in boxes}
    assert len(rows) <= 2, boxes  # previous / next / exit in one or two rows, not stacked one per line
    chart = page.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
    assert chart is not None and chart["y"] < PHONE["height"], chart  # the slide starts on the first screen
