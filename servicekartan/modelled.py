"""The documented, deterministic modelled service layer: tätorter -> estimated service points.

There is no open offline file of grocery stores, fuel stations, ATMs, parcel agents, payment or
deposit points or schools. Until `etl fetch` brings observed OpenStreetMap points, each tätort is
given a modelled service point of a type when its 2020 population reaches that type's threshold,
or when it is its kommun's central town (SCB code part `TC`). The point sits at SCB's tätort point.
Every row carries quality = "modelled"; nothing here is an observation.
"""

from __future__ import annotations

import pandas as pd

from servicekartan.definitions import QUALITY_MODELLED

# service type -> minimum tätort population (2020) for a modelled point; central towns always get one.
# Thresholds follow the rough order of how common each service is per place (grocery and school most
# common, cash deposit and bill payment rarest); they are an estimate, stated on the method page.
MODEL_THRESHOLDS: dict[str, int | None] = {
    "grocery": 500,
    "school": 500,
    "parcel": 500,
    "fuel": 1_000,
    "atm": 2_000,
    "cash_deposit": 10_000,
    "payment": 10_000,
}
MODEL_SOURCE = "Servicekartan modelled estimate (tätort population rule)"


def is_central_town(village_id: pd.Series) -> pd.Series:
    return village_id.str[4:6] == "TC"


def modelled_services(villages: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """One modelled service point per (tätort, type) where the rule holds; deterministic ids."""
    pop = population[population["level"] == "village"].sort_values("year").groupby("area_code")["population"].last()
    v = villages[villages["kind"] == "tatort"].copy()
    v["population"] = v["village_id"].map(pop)
    central = is_central_town(v["village_id"])
    parts = []
    for stype, threshold in MODEL_THRESHOLDS.items():
        sel = v[central | (v["population"] >= (threshold or float("inf")))]
        parts.append(
            pd.DataFrame(
                {
                    "service_id": "model:" + stype + ":" + sel["village_id"],
                    "service_type": stype,
                    "name": sel["name"],
                    "lat": sel["lat"],
                    "lon": sel["lon"],
                    "x": sel["x"],
                    "y": sel["y"],
                    "municipality_code": sel["municipality_code"],
                    "opened": pd.array([None] * len(sel), dtype="Int64"),
                    "closed": pd.array([None] * len(sel), dtype="Int64"),
                    "source": MODEL_SOURCE,
                    "quality": QUALITY_MODELLED,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def rule_table() -> pd.DataFrame:
    """The rule as a table, for the method page and the README."""
    return pd.DataFrame([{"service_type": k, "min_population": v} for k, v in MODEL_THRESHOLDS.items()])
