"""Catchments and the grid what-if (issue 13) against brute force over the squares (plain numpy, no cKDTree), on
the real case Fliseryd (0861TB103, Mönsterås kommun 0861, Kalmar län 08); the grid map's trace and coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from servicekartan import catalog, catchments, charts_grid, grid_whatif
from servicekartan.definitions import THRESHOLDS_KM

FLISERYD = "0861TB103"
STORE = "model:grocery:0861TB103"


@pytest.fixture(scope="module")
def data(built_data):
    frames = {n: catalog.read(n) for n in ("grid_population", "villages", "population", "services")}
    sq = catchments.squares(frames["grid_population"])
    base = grid_whatif.GridBase.build(sq)
    return frames, sq, base, grid_whatif.TypeState.build(base, frames["services"], "grocery")


def _brute_nearest(xy: np.ndarray, pts: np.ndarray, chunk: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """(distance m, index) of the nearest point per square by plain numpy distances, in chunks."""
    d = np.empty(len(xy))
    j = np.empty(len(xy), np.int64)
    for a in range(0, len(xy), chunk):
        dd = np.hypot(xy[a : a + chunk, None, 0] - pts[None, :, 0], xy[a : a + chunk, None, 1] - pts[None, :, 1])
        j[a : a + chunk] = dd.argmin(axis=1)
        d[a : a + chunk] = dd[np.arange(len(dd)), j[a : a + chunk]]
    return d, j


def _grocery_points(frames, year):
    s = frames["services"]
    return catchments.active_points(s, "grocery", year)


def test_latest_grid_year_is_used(data):
    frames, sq, _, _ = data
    assert sq.year == int(frames["grid_population"]["year"].max()) == 2024
    assert (sq.population > 0).all()


def test_fliseryd_tatort_catchment_equals_brute_force_and_exceeds_its_716(data):
    frames, sq, _, _ = data
    v = frames["villages"]
    tat = v[v["kind"] == "tatort"]
    pts = np.c_[tat["x"].to_numpy(float), tat["y"].to_numpy(float)]
    me = tat.set_index("village_id").loc[FLISERYD]
    # brute force: its own squares, plus squares outside every tätort whose nearest tätort point (all 2,017
    # compared) is Fliseryd's, within 10 km
    own = np.array([c == FLISERYD for c in sq.tatort_code])
    free = np.array([c is None for c in sq.tatort_code])
    near = free & (np.hypot(sq.xy[:, 0] - me["x"], sq.xy[:, 1] - me["y"]) <= 10_000)
    d, j = _brute_nearest(sq.xy[near], pts)
    mine = (tat["village_id"].to_numpy()[j] == FLISERYD) & (d <= 10_000)
    brute = sq.population[own].sum() + sq.population[near][mine].sum()
    table = catchments.tatort_catchments(sq, v, frames["population"]).set_index("village_id")
    assert table.loc[FLISERYD, "catchment_population"] == brute
    assert table.loc[FLISERYD, "tatort_population"] == 716
    assert brute > 716
    assert brute == 1244


def test_fliseryd_store_catchment_equals_brute_force(data):
    frames, sq, _, _ = data
    pts = _grocery_points(frames, sq.year)
    _, j = _brute_nearest(sq.xy, np.c_[pts["x"], pts["y"]])
    brute = sq.population[pts["service_id"].to_numpy()[j] == STORE].sum()
    table = catchments.service_catchments(sq, frames["services"], "grocery").set_index("service_id")
    assert table.loc[STORE, "catchment_population"] == brute == 1302
    # every inhabitant is in exactly one store's catchment
    assert table["catchment_population"].sum() == sq.population.sum()


def test_closing_fliseryd_store_equals_brute_force(data):
    frames, sq, _, state = data
    pts = _grocery_points(frames, sq.year)
    xy = np.c_[pts["x"], pts["y"]]
    before, jb = _brute_nearest(sq.xy, xy)
    keep = pts["service_id"].to_numpy() != STORE
    after, _ = _brute_nearest(sq.xy, xy[keep])
    changed = np.flatnonzero(after != before)
    res = grid_whatif.scenario(state, [STORE])
    assert res.closed == (STORE,)
    np.testing.assert_array_equal(res.cells, changed)
    np.testing.assert_allclose(res.old_km, before[changed] / 1000, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.new_km, after[changed] / 1000, rtol=0, atol=1e-9)
    assert res.people_farther() == sq.population[changed].sum() == 1302  # its whole catchment travels further
    # the distribution, not only the mean: weighted quantiles from the brute-force increases
    inc = (after - before)[changed] / 1000
    w = sq.population[changed]
    o = np.argsort(inc)
    median = inc[o][np.searchsorted(np.cumsum(w[o]) / w.sum(), 0.5)]
    assert res.increase_quantiles()[0.5] == pytest.approx(median)
    assert res.increase_histogram()["people"].sum() == 1302


def test_closure_threshold_shares_for_kommun_and_lan_equal_brute_force(data):
    frames, sq, _, state = data
    pts = _grocery_points(frames, sq.year)
    xy = np.c_[pts["x"], pts["y"]]
    keep = pts["service_id"].to_numpy() != STORE
    before, _ = _brute_nearest(sq.xy, xy)
    after, _ = _brute_nearest(sq.xy, xy[keep])
    th = grid_whatif.scenario(state, [STORE]).thresholds(["0861"]).set_index(["area_code", "threshold_km"])
    for code, mask in (("0861", sq.municipality_code == "0861"), ("08", sq.county_code == "08")):
        p = sq.population[mask]
        for km in THRESHOLDS_KM:
            b = p[before[mask] <= km * 1000].sum() / p.sum() * 100
            a = p[after[mask] <= km * 1000].sum() / p.sum() * 100
            assert th.loc[(code, float(km)), "share_within_before"] == pytest.approx(b)
            assert th.loc[(code, float(km)), "share_within_after"] == pytest.approx(a)
    assert th.loc[("0861", 2.0), "change_pp"] < 0  # Fliseryd's squares fall out of the 2 km share


def test_opening_a_store_equals_brute_force(data):
    frames, sq, _, state = data
    v = frames["villages"].set_index("village_id")
    p = {"service_id": "planned", "x": float(v.loc["0861TB101", "x"]) + 4000, "y": float(v.loc["0861TB101", "y"])}
    pts = _grocery_points(frames, sq.year)
    xy = np.c_[pts["x"], pts["y"]]
    before, _ = _brute_nearest(sq.xy, xy)
    after, _ = _brute_nearest(sq.xy, np.vstack([xy, [p["x"], p["y"]]]))
    changed = np.flatnonzero(after != before)
    res = grid_whatif.scenario(state, [], [p])
    assert len(changed) > 0
    np.testing.assert_array_equal(res.cells, changed)
    np.testing.assert_allclose(res.new_km, after[changed] / 1000, atol=1e-9)
    assert res.people_closer() == sq.population[changed].sum()
    assert res.people_farther() == 0


def test_unknown_close_id_is_ignored_not_an_error(data):
    _, _, _, state = data
    res = grid_whatif.scenario(state, ["model:grocery:nowhere"])
    assert res.ignored == ("model:grocery:nowhere",) and not len(res.cells)
    assert res.thresholds().empty


def test_weighted_quantiles():
    q = grid_whatif.weighted_quantiles(np.array([1.0, 2.0, 10.0]), np.array([1.0, 1.0, 8.0]), (0.1, 0.2, 0.5, 1.0))
    assert q == {0.1: 1.0, 0.2: 2.0, 0.5: 10.0, 1.0: 10.0}


def test_grid_map_is_one_raster_covering_the_area(data):
    _, sq, _, state = data
    mask = sq.municipality_code == "0861"
    fig = charts_grid.grid_map(sq.cell_id, state.dist_m / 1000, sq.population, "Mönsterås", "sv", frame=mask)
    heat = [tr for tr in fig.data if tr.type == "heatmap"]
    assert len(heat) == 1 and len(fig.data) <= 14  # one raster + legend entries, never one shape per square
    z = np.asarray(heat[0].z)
    e, n = charts_grid.lattice(sq.cell_id[mask])
    col = ((e * 1000 + 500 - heat[0].x0) / 1000).astype(int)
    row = ((n * 1000 + 500 - heat[0].y0) / 1000).astype(int)
    codes = z[row, col]
    expected = charts_grid.band_of(state.dist_m[mask] / 1000)
    pale = sq.population[mask] < charts_grid.FEW_PEOPLE
    n_full = len(THRESHOLDS_KM) + 2
    np.testing.assert_array_equal(codes, expected + np.where(pale, n_full, 0))
    assert (z != 2 * n_full).sum() >= mask.sum()  # the area's squares (and neighbours in the margin) are drawn


def test_grid_map_outlines_affected_squares(data):
    _, sq, _, state = data
    res = grid_whatif.scenario(state, [STORE])
    fig = charts_grid.grid_map(
        sq.cell_id,
        state.dist_m / 1000,
        sq.population,
        "x",
        "en",
        frame=sq.municipality_code == "0861",
        affected_cells=sq.cell_id[res.cells],
        affected_change_km=res.change_km,
    )
    line = next(tr for tr in fig.data if tr.name == "Farther after the change")
    assert np.isnan(np.asarray(line.x, float)).sum() == len(res.cells)  # one closed perimeter per square


def test_band_labels_are_in_the_page_language():
    assert charts_grid.band_labels("sv")[0] == "≤ 2 km"
    assert charts_grid.band_labels("en")[-1] == "> 25 km"


def test_business_case_per_inhabitant():
    assert catchments.customers_per_year(1302, 52) == 67_704
    assert catchments.cost_per_inhabitant(100_000, 1302) == pytest.approx(76.8, abs=0.1)
    assert np.isnan(catchments.cost_per_inhabitant(100_000, 0))


def test_lattice_rejects_a_foreign_id():
    with pytest.raises(ValueError, match="not a grid cell id"):
        charts_grid.lattice(["0861TB103"])
    assert pd.Series(charts_grid.lattice(["SCB1km_E575N6334"])[0]).tolist() == [575]
