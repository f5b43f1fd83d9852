"""The 1 km grid: real totals (SCB, Kolada, Eurostat), cell ids, kommun by polygon, tätort models, access and area
aggregates against brute force."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from etl import seed_population as sp
from etl.datasets import area_population, grid_access, grid_indicators, grid_population
from servicekartan import catalog, geo, grid
from servicekartan.catalog import DatasetError


@pytest.fixture(scope="module")
def g(built_data) -> dict[str, pd.DataFrame]:
    """Base datasets from the session build + the grid datasets built by their builders (pure)."""
    f = {
        n: catalog.read(n, built_data / "processed" / f"{n}.parquet")
        for n in ("regions", "villages", "population", "services")
    }
    for mod in (grid_population, area_population, grid_access, grid_indicators):
        ds = mod.build({k: f[k] for k in mod.INPUTS})
        assert ds.name == mod.NAME
        assert list(ds.frame.columns) == mod.SCHEMA.names
        assert not ds.frame.duplicated(list(mod.KEY)).any(), mod.NAME
        f[mod.NAME] = ds.frame
    return f


# --------------------------------------------------------------------------------------------- area population


def _pop(ap: pd.DataFrame, code: str, year: int) -> pd.Series:
    return ap[(ap["area_code"] == code) & (ap["year"] == year)].iloc[0]


def test_monsteras_and_sverige_official_population(g):
    ap = g["area_population"]
    assert _pop(ap, "0861", 2019)["population"] == 13_430
    assert _pop(ap, "0861", 2024)["population"] == 13_069
    assert _pop(ap, "00", 2019)["population"] == 10_327_589
    assert _pop(ap, "00", 2024)["population"] == 10_587_710
    for code, year in (("0861", 2019), ("0861", 2024), ("08", 2024), ("00", 1950)):
        assert _pop(ap, code, year)["quality"] == "official"


def test_missing_years_are_missing_and_2021_is_a_labelled_grid_estimate(g):
    ap = g["area_population"]
    for year in (2020, 2022, 2023):
        row = _pop(ap, "0861", year)
        assert np.isnan(row["population"]) and row["quality"] == "missing"
    est = _pop(ap, "00", 2021)
    assert est["quality"] == "grid_estimate" and est["population"] == 10_435_025
    assert "grid" in est["source"].lower()
    # every area has every year 1950-2024 exactly once; 312 areas
    assert ap.groupby("area_code")["year"].nunique().eq(75).all()
    assert ap["area_code"].nunique() == 312


def test_lan_and_sverige_are_sums_of_kommuner(g):
    ap = g["area_population"]
    k = ap[(ap["level"] == "municipality") & (ap["year"] == 2024)]
    assert k["population"].sum() == _pop(ap, "00", 2024)["population"]
    assert k[k["area_code"].str[:2] == "08"]["population"].sum() == _pop(ap, "08", 2024)["population"]


# --------------------------------------------------------------------------------------------- grid population


def test_scb_2024_squares_sum_to_the_real_totals(g):
    gp = g["grid_population"]
    y24 = gp[gp["year"] == 2024]
    assert len(y24) == 103_464
    assert y24["population"].sum() == 10_560_818
    assert y24.loc[y24["municipality_code"] == "0861", "population"].sum() == 13_166
    assert y24["cell_id"].str.fullmatch(r"SCB1km_E\d{3}N\d{4}").all()
    assert set(gp["year"]) == {2006, 2011, 2018, 2021, 2024}  # GEOSTAT 2021 dropped (duplicates the Census)


def test_squares_outside_sweden_are_excluded(g):
    gp = g["grid_population"]
    census = sp.census_2021()
    assert census["pop"].sum() == 10_463_892  # with the Norwegian/Finnish residents of border squares
    c21 = gp[gp["year"] == 2021]
    assert c21["population"].sum() == 10_435_025  # in_se only
    assert len(c21) == int((census["in_se"] == 1).sum())
    assert c21["population_65plus"].sum() == census.loc[census["in_se"] == 1, "y_ge65"].sum()
    assert c21["cell_id"].str.fullmatch(r"EU1km_E\d{4}N\d{4}").all()
    # GEOSTAT: the same rule as in_se (country SE, or a border square centred in a kommun polygon)
    geo_raw = sp.geostat()
    for year in grid_population.GEOSTAT_YEARS:
        got = gp.loc[gp["year"] == year, "population"].sum()
        assert got < geo_raw[f"pop_{year}"].sum()
        mixed_in = geo_raw["cntr_id"] != "SE"
        assert got >= geo_raw.loc[~mixed_in, f"pop_{year}"].sum()
    assert (gp.loc[gp["year"] == 2018, "quality"] == "modelled").all()
    assert (gp.loc[gp["year"].isin([2006, 2011, 2021, 2024]), "quality"] == "observed").all()


def test_in_sweden_rule_reproduces_census_in_se():
    census = sp.census_2021()
    polygons = grid.KommunPolygons(sp.okfse_kommuner(), "id")
    inside = polygons.contains(census["x_laea"] + 500.0, census["y_laea"] + 500.0, "EPSG:3035")
    rule = grid_population.in_sweden(census["cntr_id"].to_numpy(object), pd.notna(inside))
    assert np.array_equal(rule, census["in_se"].to_numpy() == 1)


def test_kommun_by_polygon_reproduces_the_2024_codes():
    s = sp.scb_grid_2024()
    polygons = grid.KommunPolygons(sp.okfse_kommuner(), "id")
    code, _ = polygons.locate(s["x_sweref99tm"], s["y_sweref99tm"], "EPSG:3006")
    agree = code == s["kommun_kod"].to_numpy(object)
    assert agree.mean() > 0.9999
    assert s.loc[agree, "pop"].sum() / s["pop"].sum() > 0.99999


def test_locate_on_rows_equals_ray_casting_on_random_points():
    gj = sp.okfse_kommuner()
    feats = [f for f in gj["features"] if f["properties"]["id"] in {"0861", "0882", "0880", "0884", "0860"}]
    rng = np.random.default_rng(7)
    lon = np.round(rng.uniform(15.5, 17.0, 4000), 2)  # few distinct rows, like a grid
    lat = np.round(rng.uniform(56.6, 57.8, 4000), 2)
    fast = grid.KommunPolygons({"features": feats}, "id").contains(lon, lat, "EPSG:4326")
    slow = geo.locate(lat, lon, feats, "id")
    assert np.array_equal(np.where(pd.isna(fast), "", fast).astype(str), slow.astype(str))
    assert (slow != "").sum() > 500


def test_national_total_check_fails_beyond_one_percent(g):
    off = grid_population.official_national_totals()
    gp = g["grid_population"]
    assert grid_population.check_national_totals(gp, off) == []
    bad = gp.assign(population=np.where(gp["year"] == 2024, gp["population"] * 1.02, gp["population"]))
    errors = grid_population.check_national_totals(bad, off)
    assert len(errors) == 1 and "2024" in errors[0]
    bad21 = gp.assign(population=np.where(gp["year"] == 2021, gp["population"] * 0.97, gp["population"]))
    assert any("2021" in e for e in grid_population.check_national_totals(bad21, off))


def test_build_raises_when_the_grid_is_off(g, monkeypatch):
    monkeypatch.setattr(grid_population, "MAX_NATIONAL_DIFF", 0.001)  # 2011 GEOSTAT is +0.6 %
    with pytest.raises(DatasetError, match="2011"):
        grid_population.build({k: g[k] for k in grid_population.INPUTS})


def test_cell_ids_name_their_grid():
    ids = grid.cell_ids(grid.GRID_SCB, np.array([394_000.0]), np.array([6_133_000.0]))
    assert ids[0] == "SCB1km_E394N6133"
    assert grid.parse_cell_id("EU1km_E4528N3586") == ("EU1km", 4_528_500.0, 3_586_500.0)
    with pytest.raises(ValueError):
        grid.cell_ids("km1", np.array([0.0]), np.array([0.0]))


# --------------------------------------------------------------------------------------------- tätort models


def test_tatort_models_on_a_toy_town():
    cells = np.array([[0.0, 0.0], [1000.0, 0.0], [5000.0, 0.0], [0.0, 30_000.0]])
    pop = np.array([900.0, 150.0, 400.0, 500.0])
    town = np.array([[100.0, 0.0]])
    # circle: r = sqrt(100 ha / pi) + 500 m = 1064 m -> the first two squares
    assert list(grid.tatort_membership(cells, town, np.array([100.0]), np.array(["T1"]))) == ["T1", "T1", None, None]
    # matched: 1,000 people -> the 900 square, then 150 (1,050 is closer to 1,000 than 900); the 400 square is
    # within 2 r + 3 km but would overshoot
    got = grid.tatort_matched(cells, pop, town, np.array([100.0]), np.array([1000.0]), np.array(["T1"]))
    assert list(got) == ["T1", "T1", None, None]


def test_monsteras_tatort_share_is_close_to_n00954(g):
    gp = g["grid_population"]
    c = gp[(gp["year"] == 2021) & (gp["municipality_code"] == "0861")]
    share = c.loc[c["in_tatort"], "population"].sum() / c["population"].sum() * 100
    n954 = sp.tatortsgrad()
    official = n954[(n954["municipality_code"] == "0861") & (n954["year"] == 2020)]["value"].iloc[0]
    assert official == 76
    assert abs(share - official) < 3


# --------------------------------------------------------------------------------------------- access


def _brute_nearest_km(cells: np.ndarray, services: np.ndarray, chunk: int = 4000) -> np.ndarray:
    out = np.empty(len(cells))
    for i in range(0, len(cells), chunk):
        c = cells[i : i + chunk]
        d2 = (c[:, 0:1] - services[None, :, 0]) ** 2 + (c[:, 1:2] - services[None, :, 1]) ** 2
        out[i : i + chunk] = np.sqrt(d2.min(axis=1)) / 1000.0
    return out


def test_grid_access_is_complete(g):
    ga, gp = g["grid_access"], g["grid_population"]
    n = {y: int((gp["year"] == y).sum()) for y in grid_access.ACCESS_GRID_YEARS}
    types = g["services"]["service_type"].nunique()
    assert len(ga) == sum(n.values()) * 9 and types <= 9
    assert set(ga["method"]) <= {"estimate", "network", "unreachable", "no_service"}
    est = ga[ga["method"] == "estimate"]
    assert np.allclose(est["road_km"], est["distance_km"] * 1.3, atol=0.0015)


def test_two_km_grocery_share_equals_brute_force(g):
    gp, gi, s = g["grid_population"], g["grid_indicators"], g["services"]
    cells = gp[gp["year"] == 2024].reset_index(drop=True)
    groc = s[s["service_type"] == "grocery"][["x", "y"]].to_numpy(float)
    km = _brute_nearest_km(cells[["x", "y"]].to_numpy(float), groc)
    sel = gi[(gi["year"] == 2024) & (gi["service_type"] == "grocery") & (gi["basis"] == "all")]
    sel = sel[(sel["unit"] == "km") & (sel["threshold"] == 2)].set_index("area_code")
    for code, mask in (("00", np.ones(len(cells), bool)), ("0861", (cells["municipality_code"] == "0861").to_numpy())):
        pop = cells["population"].to_numpy(float)[mask]
        within = pop[km[mask] <= 2.0].sum()
        assert sel.loc[code, "pop_within"] == within
        assert sel.loc[code, "population"] == pop.sum()
        assert sel.loc[code, "share_within"] == pytest.approx(within / pop.sum() * 100, abs=1e-9)
    assert sel.loc["00", "population"] == 10_560_818
    assert sel.loc["0861", "population"] == 13_166


def test_aggregate_levels_add_up_and_bases_partition(g):
    gi = g["grid_indicators"]
    sel = gi[(gi["year"] == 2024) & (gi["service_type"] == "pharmacy") & (gi["threshold"] == 10) & (gi["unit"] == "km")]
    for basis in ("all", "outside_tatort"):
        b = sel[sel["basis"] == basis]
        kom = b.loc[b["level"] == "municipality", "pop_within"].sum()
        lan = b.loc[b["level"] == "county", "pop_within"].sum()
        nat = b.loc[b["level"] == "country", "pop_within"].iloc[0]
        assert kom == pytest.approx(nat) and lan == pytest.approx(nat)
    nat = sel[sel["level"] == "country"].set_index("basis")
    assert nat.loc["in_tatort", "population"] + nat.loc["outside_tatort", "population"] == nat.loc["all", "population"]
    assert "age_65plus" not in set(gi.loc[gi["year"] == 2024, "basis"])
    assert gi.loc[(gi["year"] == 2021) & (gi["basis"] == "age_65plus") & (gi["area_code"] == "00"), "population"].iloc[
        0
    ] == pytest.approx(2_117_857)
    # within + beyond = everyone; shares are percentages
    assert np.allclose(gi["pop_within"] + gi["pop_beyond"], gi["population"])
    shares = gi["share_within"]
    assert shares.dropna().between(0, 100).all()
    assert (shares.isna() == (gi["population"] == 0)).all()  # no people of the basis in the area: NaN, not 0
    assert set(gi["threshold"].unique()) >= {1, 2, 5, 10, 20, 25}
    assert re.search("SCB", gi.loc[gi["year"] == 2024, "population_source"].iloc[0])


def test_rounding_up_keeps_every_whole_threshold():
    exact = np.array([1.9999996, 2.0, 2.0000004, 9.99999, 10.0, 10.004])
    stored = grid.round_up(exact, 0.001)
    for t in (1, 2, 5, 10):
        assert np.array_equal(stored <= t, exact <= t)


def test_grid_datasets_are_described_once_and_access_rows_carry_the_kommun(g):
    from servicekartan import datasets

    for mod in (grid_population, area_population, grid_access, grid_indicators):
        spec = datasets.DATASETS[mod.NAME]
        assert spec.schema == mod.SCHEMA and spec.key == mod.KEY and catalog.SCHEMAS[mod.NAME] == spec.schema
        for col in spec.columns:
            assert spec.doc(col)[0], f"{mod.NAME}.{col} has no description"
    ga, gp = g["grid_access"], g["grid_population"]
    kommun = gp[gp["year"].isin(grid_access.ACCESS_GRID_YEARS)].set_index("cell_id")["municipality_code"]
    assert ga["municipality_code"].to_numpy(object).tolist() == ga["cell_id"].map(kommun).to_numpy(object).tolist()
