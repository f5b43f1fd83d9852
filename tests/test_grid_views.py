"""servicekartan.grid_views on the built grid datasets: the headline, the series with gaps, bands, per-kommun rows."""

from __future__ import annotations

import numpy as np
import pytest

from servicekartan import catalog, grid_views


@pytest.fixture(scope="module")
def gx(built_data):
    gi = catalog.read("grid_indicators", built_data / "processed" / "grid_indicators.parquet")
    ap = catalog.read("area_population", built_data / "processed" / "area_population.parquet")
    return grid_views.GridIndex(gi), ap


def test_headline_is_official_and_the_split_adds_up_to_the_grid(gx):
    ix, ap = gx
    h = grid_views.headline(ap[ap["area_code"] == "0861"], ix.area("0861"), ix.latest_year())
    assert (h.population, h.year, h.grid_year) == (13_069, 2024, 2024)
    assert h.in_tatort + h.outside_tatort == h.grid_total == 13_166
    assert round(h.share_outside, 1) == 23.4 and "SCB 1 km grid 2024" in h.grid_source
    assert ix.years("age_65plus") == [2021] and ix.latest_year() == 2024


def test_series_leaves_missing_years_empty_and_keeps_the_estimate_apart(gx):
    _, ap = gx
    s = grid_views.population_series(ap[ap["area_code"] == "00"])
    assert len(s) == 75 and s["year"].iloc[0] == 1950
    by = s.set_index("year")
    assert by.loc[2019, "official"] == 10_327_589 and by.loc[2024, "official"] == 10_587_710
    assert by.loc[2021, "official"] is None and by.loc[2021, "estimate"] == 10_435_025
    assert grid_views.missing_years(s) == [2020, 2022, 2023] and grid_views.estimate_year(s) == 2021


def test_bands_add_up_to_the_basis_and_match_the_thresholds(gx):
    ix, _ = gx
    rows = ix.area("08")
    for basis in ("all", "outside_tatort"):
        b = grid_views.bands(rows, 2024, basis, "pharmacy", "none")
        assert b["population"].sum() == pytest.approx(grid_views.basis_population(rows, 2024, basis))
        sh = grid_views.shares(rows, 2024, basis, 10).set_index("service_type")
        assert b["population"].iloc[:3].sum() == pytest.approx(sh.loc["pharmacy", "pop_within"])  # 0–2, 2–5, 5–10


def test_per_kommun_rows_cover_the_county(gx):
    ix, _ = gx
    k = grid_views.by_kommun(ix.frame, "08", 2024, "all", "grocery", 2)
    assert len(k) == 12 and k["area_code"].str.startswith("08").all()
    assert np.all(np.diff(k["pop_beyond"].to_numpy()) <= 0)  # most people beyond first
    m = grid_views.kommun_shares(ix.frame, "01", 2024, "grocery", 10)
    assert {"0184", "0123", "0183", "0138", "0128"} <= set(m["area_code"])  # Stockholm suburbs have figures
    assert m["value"].notna().all()


def test_every_grid_source_the_build_writes_reads_in_swedish():
    """The official-figure caption showed "SCB 1 km grid 2024 (registered population 31 Dec)" on a Swedish page."""
    from etl.datasets import grid_population as gp
    from servicekartan.grid_views import population_source_label

    written = [gp.SOURCE_SCB_2024, gp.SOURCE_CENSUS_2021, *(gp.SOURCE_GEOSTAT.format(year=y) for y in gp.GEOSTAT_YEARS)]
    sv = [population_source_label(s, "sv") for s in written]
    assert sv[0] == "SCB:s rutnät 1 km 2024 (folkbokförda 31 dec)"
    assert sv[1] == "Eurostats folkräkningsrutnät 1 km 2021 (data från SCB)"
    assert sv[2:] == [f"Eurostat GEOSTAT rutnät 1 km {y}" for y in gp.GEOSTAT_YEARS]
    assert [population_source_label(s, "en") for s in written] == written
