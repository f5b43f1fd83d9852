"""Access aggregates into `indicators`: hand-made tables with known answers, and the built national figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from servicekartan import catalog, indicators
from servicekartan.definitions import PRIORITY_TYPES, SERVICE_TYPE_IDS, THRESHOLDS_KM, THRESHOLDS_MIN

VILLAGES = pd.DataFrame(
    {
        "village_id": ["A", "B", "C", "D"],
        "kind": ["tatort", "tatort", "tatort", "smaort"],
        "municipality_code": ["0101", "0101", "0202", "0202"],
        "county_code": ["01", "01", "02", "02"],
    }
)
POPULATION = pd.DataFrame(
    {
        "area_code": ["A", "A", "B", "C", "D"],
        "year": [2015, 2020, 2020, 2020, 2020],
        "level": "village",
        "population": [900.0, 1000.0, 300.0, 200.0, 100.0],
    }
)


def access_rows(stype: str, year: int, km: list[float], minutes: list[float], method: list[str], quality: str):
    return pd.DataFrame(
        {
            "village_id": ["A", "B", "C", "D"],
            "year": year,
            "service_type": stype,
            "nearest_service_id": "s",
            "distance_km": km,
            "road_km": [k * 1.3 for k in km],
            "minutes": minutes,
            "method": method,
            "quality": quality,
        }
    )


ACCESS = pd.concat(
    [
        # grocery 2020: A 1 km, B 12 km, C 30 km (unreachable by road), D (småort) 50 km
        access_rows(
            "grocery",
            2020,
            [1.0, 12.0, 30.0, 50.0],
            [1.1, 13.4, np.nan, 56.0],
            ["network", "network", "unreachable", "network"],
            "modelled",
        ),
        # grocery 2017: same places, A farther (population 2015 vintage for A)
        access_rows(
            "grocery",
            2017,
            [6.0, 12.0, 30.0, 50.0],
            [7.0, 13.4, np.nan, 56.0],
            ["network"] * 2 + ["unreachable", "network"],
            "modelled",
        ),
        # pharmacy 2020: none at all in the data
        access_rows("pharmacy", 2020, [np.nan] * 4, [np.nan] * 4, ["no_service"] * 4, "observed"),
    ],
    ignore_index=True,
)


def _ind(df: pd.DataFrame) -> pd.Series:
    return df.set_index(["area_code", "year", "indicator_id"])["value"]


def test_village_population_takes_the_latest_vintage_at_or_before_the_year():
    assert indicators.village_population(POPULATION, ["A", "B", "X"], 2017)[:2].tolist() == [900.0, 300.0]
    assert indicators.village_population(POPULATION, ["A"], 2013)[0] == 900.0  # before any vintage: earliest
    assert indicators.village_population(POPULATION, ["A"], 2023)[0] == 1000.0
    assert np.isnan(indicators.village_population(POPULATION, ["X"], 2020)[0])


def test_aggregates_by_hand():
    out = indicators.access_aggregates(ACCESS, VILLAGES, POPULATION, thresholds_km=(5, 10, 25), thresholds_min=(10,))
    v = _ind(out)
    # Country 2020 grocery, tätorter only (D is a småort: not counted): 1500 people.
    assert v[("00", 2020, "pop_beyond_5km_grocery")] == 500  # B + C
    assert v[("00", 2020, "pop_beyond_25km_grocery")] == 200  # C
    assert v[("00", 2020, "share_beyond_25km_grocery")] == pytest.approx(200 / 1500 * 100)
    # Minutes: C has no road link -> beyond every minutes threshold; B 13.4 min.
    assert v[("00", 2020, "pop_beyond_10min_grocery")] == 500
    # Per kommun and län.
    assert v[("0101", 2020, "pop_beyond_10km_grocery")] == 300 and v[("0202", 2020, "pop_beyond_10km_grocery")] == 200
    assert v[("0101", 2020, "share_beyond_10km_grocery")] == pytest.approx(300 / 1300 * 100)
    assert v[("02", 2020, "share_beyond_5km_grocery")] == 100.0
    # 2017 uses A's 2015 population (900) and A is 6 km away.
    assert v[("0101", 2017, "pop_beyond_5km_grocery")] == 1200
    # No pharmacy at all: missing, never 0.
    assert np.isnan(v[("00", 2020, "pop_beyond_5km_pharmacy")]) and np.isnan(
        v[("0101", 2020, "share_beyond_10min_pharmacy")]
    )
    # Labels
    row = out[out["indicator_id"] == "share_beyond_5km_grocery"].iloc[0]
    assert row["unit"] == "%" and row["quality"] == "modelled"
    assert set(out.loc[out["indicator_id"].str.startswith("pop_"), "unit"]) == {"persons"}
    assert set(out.loc[out["indicator_id"].str.contains("pharmacy"), "quality"]) == {"observed"}
    assert set(out["level"]) == {"municipality", "county", "country"}


def test_thresholds_and_kinds_are_configurable():
    out = indicators.access_aggregates(
        ACCESS, VILLAGES, POPULATION, thresholds_km=(2.5,), thresholds_min=(), kinds=None
    )
    v = _ind(out)
    assert v[("00", 2020, "pop_beyond_2.5km_grocery")] == 600  # B, C and now the småort D
    assert not out["indicator_id"].str.contains("min").any()


def test_service_level_counts_priority_types_within_reach():
    rows = pd.concat(
        [
            access_rows(t, 2020, [1.0, 12.0, np.nan, 3.0], [0.0] * 4, ["estimate"] * 4, "observed")
            for t in ("grocery", "fuel", "school")
        ],
        ignore_index=True,
    )
    lvl = indicators.service_level(rows, within_km=10, types=("grocery", "fuel", "pharmacy")).set_index("village_id")
    assert lvl.loc["A", "n_within"] == 2 and lvl.loc["B", "n_within"] == 0 and lvl.loc["C", "n_within"] == 0
    assert lvl.loc["A", "n_types"] == 3
    ind = indicators.service_level_indicators(rows, within_km=5, types=("grocery", "fuel"))
    assert set(ind["indicator_id"]) == {"service_level_5km"} and set(ind["level"]) == {"village"}
    assert ind.set_index("area_code").loc["D", "value"] == 2


def test_built_indicators_cover_every_year_area_and_type(data_env):
    ind = catalog.read("indicators")
    acc = ind[ind["indicator_id"].str.contains("_beyond_")]
    assert set(acc["year"]) == {2020}  # the service layer's snapshot year only
    expected = {
        f"{k}_beyond_{n}{u}_{t}"
        for k in ("pop", "share")
        for t in SERVICE_TYPE_IDS
        for n, u in [(n, "km") for n in THRESHOLDS_KM] + [(n, "min") for n in THRESHOLDS_MIN]
    }
    assert set(acc["indicator_id"]) == expected
    per_level = acc[(acc["year"] == 2020) & (acc["indicator_id"] == "share_beyond_10km_grocery")]
    # 285 of 290 kommuner: Järfälla, Salem, Tyresö, Sundbyberg and Solna have no tätort point of their
    # own (they lie in the Stockholm tätort, which carries one kommun code), so nothing to aggregate.
    kom = set(per_level.loc[per_level["level"] == "municipality", "area_code"])
    regions = catalog.read("regions")
    assert set(regions.loc[regions["level"] == "municipality", "code"]) - kom == {
        "0123",
        "0128",
        "0138",
        "0183",
        "0184",
    }
    assert (per_level["level"] == "county").sum() == 21 and (per_level["level"] == "country").sum() == 1
    shares = acc.loc[acc["unit"] == "%", "value"].dropna()
    assert shares.between(0, 100).all()
    v = _ind(ind)
    # Mönsterås kommun 2020 (10,013 in its five tätorter): only Oknö (377) is more than 2 km from a
    # (modelled) grocery store; everyone is within 10 km.
    assert v[("0861", 2020, "pop_beyond_2km_grocery")] == 377
    assert v[("0861", 2020, "pop_beyond_10km_grocery")] == 0
    assert v[("0861", 2020, "share_beyond_2km_grocery")] == pytest.approx(377 / 10013 * 100)
    q = ind.set_index(["area_code", "year", "indicator_id"])["quality"]
    assert q[("0861", 2020, "pop_beyond_2km_grocery")] == "modelled"
    assert q[("0861", 2020, "pop_beyond_10km_pharmacy")] == "observed_partial"
    # Shares are of tätort population: the country denominator equals the tätort total.
    total = v[("00", 2020, "tatort_population")]
    pop10, share10 = v[("00", 2020, "pop_beyond_10km_pharmacy")], v[("00", 2020, "share_beyond_10km_pharmacy")]
    assert pop10 / total * 100 == pytest.approx(share10)
    # Fliseryd has 2 of the 6 priority types within 10 km: its own (modelled) grocery store and parcel
    # agent; fuel 12.9 km, pharmacy 14.6 km, ATM 15.0 km and health centre 14.9 km are farther.
    assert len(PRIORITY_TYPES) == 6 and v[("0861TB103", 2020, "service_level_10km")] == 2
