"""The grid map in a real browser (issue 13): drawn for Sverige, Kalmar län (08) and Mönsterås (0861), and the
closure of Fliseryd's store with its affected squares outlined; element screenshots in screenshots/grid_map_*.png."""

from __future__ import annotations

import pytest

from tests.e2e import harness
from tests.e2e.conftest import no_exception, open_page

pytestmark = pytest.mark.browser

GRID_TITLE = ("Avstånd till närmaste dagligvarubutik per bebodd", "Distance to the nearest grocery store per inhabited")


def _grid_chart(page, title_start: str):
    """The plotly chart whose title starts with `title_start`, scrolled into view, and its summary."""
    charts = page.locator('[data-testid="stPlotlyChart"]')
    summaries = harness.chart_summaries(page)
    i = next(k for k, s in enumerate(summaries) if s["title"].startswith(title_start))
    el = charts.nth(i)
    el.scroll_into_view_if_needed()
    harness.SCREENSHOTS.mkdir(exist_ok=True)
    page.wait_for_timeout(600)
    return el, summaries[i]


@pytest.mark.parametrize(
    ("area", "name"),
    [("00", "sverige"), ("08", "kalmar_lan"), ("0861", "monsteras")],
)
def test_grid_map_is_drawn_for_the_area(page, base_url, area, name):
    open_page(page, base_url, f"/access?area={area}&svc=grocery")
    no_exception(page)
    el, summary = _grid_chart(page, GRID_TITLE[0])
    assert summary["points"] > 0
    assert summary["traces"] <= 14  # one raster, outlines and the legend entries
    png = el.screenshot(path=str(harness.SCREENSHOTS / f"grid_map_{name}.png"))
    assert harness.drawn_pixels(png) > 2_000  # squares drawn, not a blank plot


def test_grid_map_of_a_closure_outlines_the_affected_squares(page, base_url):
    open_page(page, base_url, "/access?area=0861&svc=grocery&close=model:grocery:0861TB103&lang=en")
    no_exception(page)
    el, summary = _grid_chart(page, "Squares affected")
    assert summary["traces"] <= 16
    png = el.screenshot(path=str(harness.SCREENSHOTS / "grid_map_closure.png"))
    assert harness.drawn_pixels(png) > 2_000
    assert "1,302" in page.locator('[data-testid="stMain"]').inner_text()  # people who travel further
