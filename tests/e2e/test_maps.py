"""Maps in Chromium: framed to the whole area (Sverige with Norrbotten, Kalmar län, Mönsterås), drawn offline.

The outline's every vertex (from the app's own boundary file) is projected with the drawn map's own projection
(plotly geo subplot) and must fall inside the map's plot box, with a margin; every area of the choropleth must
be drawn as a path (the boundaries came from the app, not from a CDN: the page fixture fails on any
off-machine request)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from servicekartan import paths
from tests.e2e.conftest import open_page

pytestmark = pytest.mark.browser

# Per geo map on the page: its plot box (px, layout coordinates), the projected outline's bounding box and
# the number of choropleth areas drawn.
_FRAMES_JS = """
(pts) => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')).flatMap(gd => {
  const fl = gd._fullLayout, g = fl && fl.geo;
  if (!g || !g._subplot) return [];
  const s = fl._size, d = g.domain, proj = g._subplot.projection;
  const box = [s.l + s.w * d.x[0], s.t + s.h * (1 - d.y[1]), s.l + s.w * d.x[1], s.t + s.h * (1 - d.y[0])];
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of pts) {
    const [x, y] = proj(p);
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  const t = fl.title && fl.title.text || '';
  return [{box, outline: [x0, y0, x1, y1], areas: gd.querySelectorAll('path.choroplethlocation').length,
           title: t.replace(/<[^>]+>/g, ' ')}];
})
"""


def outline_points(codes_prefix: str) -> list[list[float]]:
    """Every outer-ring vertex of the kommuner whose code starts with the prefix ('' = all of Sverige)."""
    with open(paths.seed_dir() / "scb_kommuner_wgs84.geojson", encoding="utf-8") as f:
        gj = json.load(f)
    pts: list[list[float]] = []
    for feat in gj["features"]:
        if not feat["properties"]["code"].startswith(codes_prefix):
            continue
        g = feat["geometry"]
        for poly in g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]:
            pts += poly[0]
    return pts


def frames(page: Any, pts: list[list[float]]) -> list[dict]:
    return list(page.evaluate(_FRAMES_JS, pts))


def assert_contains(frame: dict, margin_px: float = 4.0) -> None:
    bx0, by0, bx1, by1 = frame["box"]
    ox0, oy0, ox1, oy1 = frame["outline"]
    assert ox0 >= bx0 + margin_px and ox1 <= bx1 - margin_px, f"outline cut left/right: {frame}"
    assert oy0 >= by0 + margin_px and oy1 <= by1 - margin_px, f"outline cut top/bottom: {frame}"
    # and the area is not drawn as a speck: it spans most of the box in one direction
    share = max((ox1 - ox0) / (bx1 - bx0), (oy1 - oy0) / (by1 - by0))
    assert share > 0.6, f"the area fills only {share:.0%} of the map: {frame}"


@pytest.mark.parametrize(
    ("query", "prefix", "n_areas"),
    [("", "", 290), ("?area=08", "08", 12), ("?area=0861", "08", 12)],
    ids=["Sverige", "Kalmar län", "Mönsterås in its län"],
)
def test_overview_kommun_map_holds_the_whole_area(page: Any, base_url: str, query: str, prefix: str, n_areas: int):
    open_page(page, base_url, "/" + query)
    maps = frames(page, outline_points(prefix))
    assert len(maps) == 1, maps
    assert maps[0]["areas"] >= n_areas  # every kommun drawn (+ the highlight outline for a kommun)
    assert_contains(maps[0])


def test_sweden_map_includes_norrbotten(page: Any, base_url: str):
    open_page(page, base_url, "/")
    [frame] = frames(page, outline_points("25"))  # Norrbotten's kommuner alone
    bx0, by0, bx1, by1 = frame["box"]
    ox0, oy0, ox1, oy1 = frame["outline"]
    assert by0 < oy0 and ox1 < bx1, f"Norrbotten is cut: {frame}"


def test_village_map_holds_the_kommun(page: Any, base_url: str):
    open_page(page, base_url, "/villages?area=0861")
    maps = frames(page, outline_points("0861"))
    assert len(maps) == 1, maps
    assert maps[0]["areas"] == 1  # Mönsterås' outline under the dots
    assert_contains(maps[0])
    names = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .geo text'))
               .map(t => t.textContent)"""
    )
    assert {"Mönsterås", "Fliseryd", "Oknö"} <= set(names), names  # place labels drawn as SVG text, offline
