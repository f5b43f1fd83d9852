"""Access engine: nearest service per village/type/year and scenarios, against brute force and real Kalmar län cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.validate import check_dataset
from servicekartan import access, catalog
from servicekartan.access import AccessModel
from servicekartan.definitions import ACCESS_YEARS
from servicekartan.quality import SNAPSHOT_YEAR

TYPES = ("grocery", "fuel")
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------- helpers


def make_villages(xy: list[tuple[int, int]], kommuner: list[int] | None = None) -> pd.DataFrame:
    n = len(xy)
    kom = kommuner or [i % 3 for i in range(n)]
    return pd.DataFrame(
        {
            "village_id": [f"V{i:03d}" for i in range(n)],
            "name": [f"Village {i}" for i in range(n)],
            "kind": "tatort",
            "municipality_code": [f"010{k}" for k in kom],
            "county_code": ["01" if k < 2 else "02" for k in kom],
            "x": [float(p[0]) for p in xy],
            "y": [float(p[1]) for p in xy],
        }
    )


def make_population(villages: pd.DataFrame, pops: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"area_code": villages["village_id"], "year": 2020, "level": "village", "population": [float(p) for p in pops]}
    )


def make_services(rows: list[tuple]) -> pd.DataFrame:
    """rows: (type, x, y, opened|None, closed|None)."""
    return pd.DataFrame(
        {
            "service_id": [f"S{i:03d}" for i in range(len(rows))],
            "service_type": [r[0] for r in rows],
            "name": [f"Service {i}" for i in range(len(rows))],
            "x": [float(r[1]) for r in rows],
            "y": [float(r[2]) for r in rows],
            "opened": pd.array([r[3] for r in rows], dtype="Int64"),
            "closed": pd.array([r[4] for r in rows], dtype="Int64"),
            "quality": "observed",
        }
    )


def brute_force(villages: pd.DataFrame, services: pd.DataFrame, stype: str, year: int) -> np.ndarray:
    """All pairs, no index: straight-line km to the nearest active service (NaN when none)."""
    s = services[services["service_type"] == stype]
    o = s["opened"].astype("Float64").fillna(-np.inf).to_numpy(float)
    c = s["closed"].astype("Float64").fillna(np.inf).to_numpy(float)
    s = s[(o <= year) & (year < c)]
    if not len(s):
        return np.full(len(villages), np.nan)
    dx = villages["x"].to_numpy()[:, None] - s["x"].to_numpy()[None, :]
    dy = villages["y"].to_numpy()[:, None] - s["y"].to_numpy()[None, :]
    return np.sqrt(dx**2 + dy**2).min(axis=1) / 1000.0


def area_beyond(
    dist: dict, villages: list[dict], pops: list[int], stype: str, thr: float, unit: str
) -> dict[tuple[str, str], float]:
    """By hand from a full table's distances: population beyond a threshold per (level, area); no service = beyond."""
    out: dict[tuple[str, str], float] = {}
    for v, pop in zip(villages, pops, strict=True):
        km = dist[(v["village_id"], stype)]
        value = km if unit == "km" else km * 1.3 / 70 * 60
        w = pop if (np.isnan(value) or value > thr) else 0
        for key in (("country", "00"), ("municipality", v["municipality_code"]), ("county", v["county_code"])):
            out[key] = out.get(key, 0.0) + w
    return out


coord = st.integers(0, 40).map(lambda k: k * 500)  # a coarse grid: ties and coincident points happen
year_or_none = st.one_of(st.none(), st.integers(2014, 2022))


@st.composite
def worlds(draw):
    vxy = draw(st.lists(st.tuples(coord, coord), min_size=1, max_size=25))
    pops = draw(st.lists(st.integers(200, 5000), min_size=len(vxy), max_size=len(vxy)))
    rows = draw(
        st.lists(st.tuples(st.sampled_from(TYPES), coord, coord, year_or_none, year_or_none), min_size=0, max_size=20)
    )
    year = draw(st.integers(2015, 2021))
    return make_villages(vxy), pops, make_services(rows), year


# --------------------------------------------------------------------------------------------- rules


def test_active_rule_and_same_year_open_close():
    opened = [2016, None, 2017, None, 2018]
    closed = [2018, 2017, 2017, None, None]
    assert list(access.is_active(opened, closed, 2016)) == [True, True, False, True, False]
    assert list(access.is_active(opened, closed, 2017)) == [True, False, False, True, False]
    assert list(access.is_active(opened, closed, 2018)) == [False, False, False, True, True]
    # Opening and closing in the same year (2017): never active in any year.
    assert not any(access.is_active([2017], [2017], y)[0] for y in range(2010, 2030))


def test_estimate_constants_are_stated():
    assert access.CIRCUITY_FACTOR == 1.3 and "Ballou" in access.CIRCUITY_SOURCE and "2002" in access.CIRCUITY_SOURCE
    assert access.AVERAGE_SPEED_KMH == 70 and "trafikförordningen" in access.SPEED_SOURCE
    road, minutes = access.road_estimate(np.array([10.0, 0.0, np.nan]))
    assert road[:2] == pytest.approx([13.0, 0.0]) and minutes[:2] == pytest.approx([13.0 / 70 * 60, 0.0])
    assert np.isnan(road[2]) and np.isnan(minutes[2])


def test_years_cover_access_years_and_service_events():
    s = make_services([("grocery", 0, 0, 2012, 2023), ("fuel", 0, 0, None, None)])
    assert access.years_in_data(s) == list(range(2011, 2024))  # from the year before the first opening
    assert access.years_in_data(make_services([("grocery", 0, 0, None, None)])) == list(ACCESS_YEARS)
    assert access.years_in_data(make_services([("grocery", 0, 0, 1890, None)]))[0] == access.YEAR_FLOOR


def test_nearest_against_brute_force_on_random_points():
    rng = np.random.default_rng(7)
    pts, tg = rng.uniform(0, 1e5, (2000, 2)), rng.uniform(0, 1e5, (300, 2))
    d, j = access.nearest(pts, tg)
    full = np.sqrt(((pts[:, None, :] - tg[None, :, :]) ** 2).sum(-1))
    assert d == pytest.approx(full.min(axis=1)) and (full[np.arange(2000), j] == pytest.approx(d))
    d, j = access.nearest(pts[:3], np.empty((0, 2)))
    assert np.isnan(d).all() and (j == -1).all()


# --------------------------------------------------------------------------------------------- properties


@FAST
@given(worlds())
def test_table_matches_brute_force(world):
    villages, pops, services, year = world
    t = AccessModel(villages, services, types=TYPES).table([year])
    assert len(t) == len(villages) * len(TYPES)
    for stype in TYPES:
        sub = t[t["service_type"] == stype].set_index("village_id").loc[villages["village_id"]]
        expected = brute_force(villages, services, stype, year)
        got = sub["distance_km"].to_numpy(float)
        assert np.array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_allclose(got[~np.isnan(got)], expected[~np.isnan(expected)], rtol=1e-12, atol=1e-9)
        none = np.isnan(expected)
        assert (sub["method"].to_numpy()[none] == "no_service").all()
        assert sub["nearest_service_id"].isna().to_numpy()[none].all()
        assert sub[["road_km", "minutes"]].isna().to_numpy()[none].all()
        # the named service really is at that distance, and it is active that year
        ok = ~none
        if ok.any():
            s = services.set_index("service_id").loc[sub["nearest_service_id"].to_numpy()[ok]]
            d = np.hypot(
                s["x"].to_numpy() - villages["x"].to_numpy()[ok], s["y"].to_numpy() - villages["y"].to_numpy()[ok]
            )
            np.testing.assert_allclose(d / 1000, got[ok], atol=1e-9)
            assert access.is_active(s["opened"], s["closed"], year).all()
            np.testing.assert_allclose(sub["road_km"].to_numpy()[ok], got[ok] * 1.3)


@FAST
@given(worlds(), st.data())
def test_scenario_equals_recompute_from_scratch(world, data):
    villages, pops, services, year = world
    population = make_population(villages, pops)
    ids = list(services["service_id"])
    close = data.draw(st.lists(st.sampled_from(ids), max_size=4, unique=True)) if ids else []
    opens = data.draw(
        st.lists(
            st.one_of(
                st.builds(lambda t, x, y: {"service_type": t, "x": x, "y": y}, st.sampled_from(TYPES), coord, coord),
                st.builds(
                    lambda t, i: {"service_type": t, "village_id": f"V{i:03d}"},
                    st.sampled_from(TYPES),
                    st.integers(0, len(villages) - 1),
                ),
            ),
            max_size=3,
        )
    )
    thresholds_km, thresholds_min = (1, 2.5, 5), (3, 6)
    model = AccessModel(villages, services, population, types=TYPES)
    base = model.table([year]).set_index(["village_id", "service_type"])
    res = model.scenario(year, close, opens, thresholds_km, thresholds_min)

    # From scratch: drop the closed services, add the opened ones as ordinary open-ended services.
    vpos = villages.set_index("village_id")
    added = [
        (
            p["service_type"],
            vpos.loc[p["village_id"], "x"] if "village_id" in p else p["x"],
            vpos.loc[p["village_id"], "y"] if "village_id" in p else p["y"],
            None,
            None,
        )
        for p in opens
    ]
    new_services = pd.concat(
        [
            services[~services["service_id"].isin(close)],
            make_services(added).assign(service_id=[f"N{i:03d}" for i in range(len(added))]),
        ],
        ignore_index=True,
    )
    fresh_model = AccessModel(villages, new_services, population, types=TYPES)
    fresh = fresh_model.table([year]).set_index(["village_id", "service_type"])

    r = res.villages.set_index(["village_id", "service_type"])
    assert not r.index.duplicated().any()
    cmp = base[["distance_km"]].join(fresh[["distance_km"]], rsuffix="_new")
    hit = cmp.index.isin(r.index)
    # Villages not recomputed must be unchanged in the from-scratch table too (NaN == NaN).
    np.testing.assert_allclose(cmp["distance_km_new"][~hit], cmp["distance_km"][~hit], atol=1e-9)
    sub = cmp[hit].join(r[["old_distance_km", "new_distance_km"]])
    np.testing.assert_allclose(sub["old_distance_km"], sub["distance_km"], atol=1e-9)
    np.testing.assert_allclose(sub["new_distance_km"], sub["distance_km_new"], atol=1e-9)
    # Area changes equal the difference of two full recomputations (from the tables, by hand).
    vrec = villages.to_dict("records")
    d_base, d_fresh = base["distance_km"].to_dict(), fresh["distance_km"].to_dict()
    area_rows = res.areas.to_dict("records")
    for stype in TYPES:
        for thr, unit in [(float(t), "km") for t in thresholds_km] + [(float(t), "min") for t in thresholds_min]:
            before = area_beyond(d_base, vrec, pops, stype, thr, unit)
            after = area_beyond(d_fresh, vrec, pops, stype, thr, unit)
            rows = [r for r in area_rows if r["service_type"] == stype and r["threshold"] == thr and r["unit"] == unit]
            for row in rows:
                assert row["pop_before"] == pytest.approx(before[(row["level"], row["area_code"])])
                assert row["pop_after"] == pytest.approx(after[(row["level"], row["area_code"])])
            listed = {(row["level"], row["area_code"]) for row in rows}
            for area, val in before.items():
                if area not in listed:
                    assert after[area] == pytest.approx(val), (stype, thr, unit, area)


# --------------------------------------------------------------------------------------------- edge cases


def test_edge_cases_no_service_zero_distance_same_year():
    villages = make_villages([(0, 0), (3000, 4000)])
    services = make_services(
        [
            ("grocery", 0, 0, None, None),  # exactly at V000
            ("fuel", 0, 0, 2017, 2017),  # opens and closes in 2017: never active
        ]
    )
    t = AccessModel(villages, services, types=("grocery", "fuel", "pharmacy")).table([2016, 2017, 2018])
    t = t.set_index(["village_id", "year", "service_type"])
    at = t.loc[("V000", 2017, "grocery")]
    assert at["distance_km"] == 0.0 and at["road_km"] == 0.0 and at["minutes"] == 0.0 and at["method"] == "estimate"
    assert t.loc[("V001", 2017, "grocery"), "distance_km"] == pytest.approx(5.0)
    for stype in ("fuel", "pharmacy"):  # never-active fuel station; no pharmacy at all
        rows = t.xs(stype, level="service_type")
        assert rows["distance_km"].isna().all() and rows["nearest_service_id"].isna().all()
        assert (rows["method"] == "no_service").all()


def test_scenario_closing_the_only_service_and_bad_input():
    villages = make_villages([(0, 0), (1000, 0)], kommuner=[0, 0])
    pop = make_population(villages, [300, 400])
    services = make_services([("grocery", 0, 0, None, None), ("grocery", 9000, 0, 2010, 2015)])
    res = access.scenario(villages, pop, services, 2020, close_ids=["S000", "S001"])
    assert res.ignored == ("S001",)  # closed in 2015 already: no effect
    assert res.villages["new_distance_km"].isna().all() and res.villages["new_service_id"].isna().all()
    country = res.areas[(res.areas["level"] == "country") & (res.areas["threshold"] == 2) & (res.areas["unit"] == "km")]
    assert country["pop_before"].item() == 0 and country["pop_after"].item() == 700
    assert res.people_farther == 700
    with pytest.raises(ValueError, match="unknown service ids"):
        access.scenario(villages, pop, services, 2020, close_ids=["nope"])
    with pytest.raises(ValueError, match="unknown service type"):
        access.scenario(villages, pop, services, 2020, open_points=[{"service_type": "casino", "x": 0, "y": 0}])
    with pytest.raises(ValueError, match="village_id, x/y"):
        access.scenario(villages, pop, services, 2020, open_points=[{"service_type": "grocery"}])


def test_scenario_opening_only_touches_villages_closer_to_the_new_point():
    villages = make_villages([(0, 0), (10000, 0), (20000, 0)], kommuner=[0, 1, 2])
    pop = make_population(villages, [1000, 2000, 3000])
    services = make_services([("grocery", 0, 0, None, None)])
    res = access.scenario(
        villages, pop, services, 2020, open_points=[{"service_type": "grocery", "x": 16000, "y": 0, "name": "Ny butik"}]
    )
    v = res.villages.set_index("village_id")
    assert list(v.index) == ["V001", "V002"]  # V001: 10 km -> 6 km; V002: 20 km -> 4 km; V000 untouched
    assert v.loc["V002", "new_service_name"] == "Ny butik" and v.loc["V002", "new_distance_km"] == pytest.approx(4.0)
    a = res.areas.set_index(["level", "area_code", "unit", "threshold"])
    assert a.loc[("country", "00", "km", 5.0), "pop_change"] == -3000  # V002 now within 5 km
    assert a.loc[("country", "00", "km", 5.0), "pop_before"] == 5000


# --------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real(built_data):
    return {
        n: catalog.read(n, built_data / "processed" / f"{n}.parquet")
        for n in ("villages", "services", "population", "village_access", "indicators")
    }


def test_built_table_is_complete_and_valid(real):
    va, v = real["village_access"], real["villages"]
    # One snapshot: the service layer is of 2020 only, so access is for 2020 only (no repeated years).
    assert set(va["year"]) == {SNAPSHOT_YEAR}
    assert len(va) == len(v) * 9 * va["year"].nunique()
    assert check_dataset("village_access", va, {"villages": v, "services": real["services"]}) == []
    fl = va[(va["village_id"] == "0861TB103") & (va["year"] == 2020)].set_index("service_type")
    # Fliseryd (716 inhabitants) has its own modelled store, parcel agent and school; the nearest
    # pharmacy is an observed OSM point 14.6 km away; ATM in Mönsterås (central town) 15.0 km.
    assert (
        fl.loc["grocery", "nearest_service_id"] == "model:grocery:0861TB103" and fl.loc["grocery", "distance_km"] == 0
    )
    assert fl.loc["pharmacy", "nearest_service_id"] == "osm:788414608"
    assert fl.loc["pharmacy", "quality"] == "observed_partial"  # the OSM 2020 layer is incomplete
    # bill payment: the nearest point is Fliseryd's own observed servicepunkt, so the row is observed
    assert (
        fl.loc["payment", "nearest_service_id"] == "sp:0861TB103:payment" and fl.loc["payment", "quality"] == "observed"
    )
    assert fl.loc["pharmacy", "distance_km"] == pytest.approx(14.65, abs=0.01)
    assert fl.loc["atm", "nearest_service_id"] == "model:atm:0861TC104" and fl.loc["atm", "quality"] == "modelled"
    assert fl.loc["atm", "road_km"] == pytest.approx(1.3 * fl.loc["atm", "distance_km"])
    assert (fl["method"] == "estimate").all()


def test_closing_fliseryd_grocery_equals_recompute(real):
    v, s, p = real["villages"], real["services"], real["population"]
    closed = "model:grocery:0861TB103"
    model = AccessModel(v, s, p)
    res = model.scenario(2020, close_ids=[closed])
    # Only Fliseryd had this store as its nearest; the next grocery is Ruda's (Högsby kommun), 8.76 km.
    assert list(res.villages["village_id"]) == ["0861TB103"]
    row = res.villages.iloc[0]
    assert row["new_service_id"] == "model:grocery:0821TB106" and row["new_service_name"] == "Ruda"
    assert row["old_distance_km"] == 0 and row["new_distance_km"] == pytest.approx(8.763, abs=0.001)
    # Same result as recomputing the whole national table without that store.
    fresh = AccessModel(v, s[s["service_id"] != closed], p).table([2020])
    base = model.table([2020])
    diff = base.merge(fresh, on=["village_id", "year", "service_type"], suffixes=("", "_new"))
    changed = diff[(diff["distance_km"] - diff["distance_km_new"]).abs() > 1e-9]
    assert list(zip(changed["village_id"], changed["service_type"], strict=True)) == [("0861TB103", "grocery")]
    assert changed["distance_km_new"].item() == pytest.approx(row["new_distance_km"])
    assert changed["nearest_service_id_new"].item() == row["new_service_id"]
    # 716 more people in Mönsterås kommun beyond 2 and 5 km, none beyond 10 km (8.8 km).
    a = res.areas.set_index(["level", "area_code", "unit", "threshold"])["pop_change"]
    assert a[("municipality", "0861", "km", 5.0)] == 716 and a[("municipality", "0861", "km", 10.0)] == 0
    assert a[("country", "00", "km", 5.0)] == 716
    # The indicator table agrees with the model's "before" figure.
    ind = real["indicators"].set_index(["area_code", "year", "indicator_id"])
    before = res.areas.set_index(["level", "area_code", "unit", "threshold"])["pop_before"]
    assert ind.loc[("0861", 2020, "pop_beyond_5km_grocery"), "value"] == before[("municipality", "0861", "km", 5.0)]


def test_opening_a_pharmacy_agent_in_fliseryd(real):
    res = access.scenario(
        real["villages"],
        real["population"],
        real["services"],
        2020,
        open_points=[{"service_type": "pharmacy", "village_id": "0861TB103", "name": "Apoteksombud Fliseryd"}],
    )
    v = res.villages.set_index("village_id")
    assert v.loc["0861TB103", "new_distance_km"] == 0 and v.loc["0861TB103", "old_service_id"] == "osm:788414608"
    assert (v["new_service_id"] == "new:1").all() and (v["change_km"] < 0).all()
    assert (v["quality"] == "observed_partial").all()  # the rest of the pharmacy layer is the partial OSM export
