"""Map helpers on real cases: Oknö kept in Mönsterås, equal-count classes with honest ranges, clockwise rings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from servicekartan import charts_maps as cm
from servicekartan import paths


def kommuner() -> dict:
    with open(paths.seed_dir() / "scb_kommuner_wgs84.geojson", encoding="utf-8") as f:
        return json.load(f)


def test_okno_is_drawn_inside_its_own_kommun():
    gj = cm.subset_geojson(kommuner(), {"0861"})
    rings = cm._outer_rings(gj["features"][0])
    okno = pd.DataFrame({"name": ["Oknö"], "municipality_code": ["0861"], "lon": [16.514682], "lat": [57.006186]})
    assert not any(cm._inside(16.514682, 57.006186, r) for r in rings)  # the generalised outline leaves it out
    moved = cm.in_own_kommun(okno, gj).iloc[0]
    assert any(cm._inside(moved["lon"], moved["lat"], r) for r in rings)
    assert abs(moved["lon"] - 16.51) < 0.1 and abs(moved["lat"] - 57.01) < 0.1  # nearby, not at the centroid


def test_points_inside_stay_where_they_are():
    gj = cm.subset_geojson(kommuner(), {"0861"})
    fliseryd = pd.DataFrame({"municipality_code": ["0861"], "lon": [16.256977], "lat": [57.124541]})
    assert cm.in_own_kommun(fliseryd, gj)[["lon", "lat"]].equals(fliseryd[["lon", "lat"]])


def test_skewed_values_get_equal_count_classes_with_ranges_in_the_language():
    values = np.r_[np.linspace(0.5, 3, 40), [40.0, 80.0, 117.2]]
    c = cm.colour_classes(values, "sv")
    assert c["n"] == 5 and c["ticktext"][-1].endswith("117,2")
    counts = np.bincount(cm.class_of(values, c).astype(int), minlength=5)
    assert counts.min() >= 8  # not one dark colour: every class is used
    assert cm.colour_classes([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], "sv") is None  # nothing to class


def test_seed_boundaries_run_clockwise_as_d3_geo_draws_them():
    gj = kommuner()
    assert cm.clockwise(gj)["features"] == gj["features"]
    flipped = {
        "features": [
            {"properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}
        ]
    }
    assert cm.clockwise(flipped)["features"][0]["geometry"]["coordinates"][0][1] == [1, 1]


def test_sverige_is_framed_with_a_margin_around_norrbotten_and_skane():
    view = cm.view_for(kommuner()["features"])
    assert view["lataxis"]["range"][1] > 69.06 + 0.3  # Treriksröset at 69.06° N
    assert view["lataxis"]["range"][0] < 55.34 - 0.3  # Smygehuk at 55.34° N
    assert view["lataxis"]["range"][0] < view["center"]["lat"] < view["lataxis"]["range"][1]
