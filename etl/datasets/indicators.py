"""Kolada series (broadband, official access), tätort totals, access aggregates (+ fetched Kolada KPIs) -> `indicators`.

Access aggregates are computed for the service layer's snapshot year only (village_access); broadband and
the other Kolada series are real time series (embedded from data/seed/kolada_values, newer years by fetch).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from etl import seed
from etl.datasets import Inputs
from etl.fetchers import kolada_kpis
from servicekartan import kolada, quality
from servicekartan.catalog import Dataset, Provenance
from servicekartan.definitions import COUNTRY_CODE, QUALITY_OBSERVED
from servicekartan.indicators import access_indicators

NAME = "indicators"
INPUTS: tuple[str, ...] = ("villages", "population", "village_access", "kolada_values")


def broadband_national(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": COUNTRY_CODE,
            "year": raw["year"].astype("int64"),
            "indicator_id": "broadband_100",
            "level": "country",
            "value": raw["share_pct"].astype(float),
            "unit": "%",
            "source": "PTS bredbandskartläggning; base " + raw["base"],
            "quality": QUALITY_OBSERVED,
        }
    )


def tatort_totals(villages: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Tätort population and count per kommun, län and Sverige, per year of tätort population."""
    pop = population[population["level"] == "village"].merge(
        villages[["village_id", "municipality_code", "county_code", "kind"]],
        left_on="area_code",
        right_on="village_id",
    )
    pop = pop[pop["kind"] == "tatort"]
    parts = []
    for level, key in (("municipality", "municipality_code"), ("county", "county_code"), ("country", None)):
        g = pop.assign(_area=pop[key] if key else COUNTRY_CODE).groupby(["_area", "year"])
        agg = g["population"].agg(["sum", "count"]).reset_index()
        for ind, col, unit in (("tatort_population", "sum", "persons"), ("tatort_count", "count", "count")):
            parts.append(
                pd.DataFrame(
                    {
                        "area_code": agg["_area"],
                        "year": agg["year"].astype("int64"),
                        "indicator_id": ind,
                        "level": level,
                        "value": agg[col].astype(float),
                        "unit": unit,
                        "source": "SCB tätorter (summed by Servicekartan)",
                        "quality": QUALITY_OBSERVED,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    villages, population = inputs["villages"], inputs["population"]
    fetched = kolada_kpis.load_indicators()  # fetched Kolada KPIs (data/raw/kolada), empty if none; wins over seed
    parts = [fetched] if len(fetched) else []
    parts += [kolada.to_indicators(inputs["kolada_values"]), tatort_totals(villages, population)]
    # access aggregates + per-village service level (servicekartan.indicators), snapshot year only
    parts.append(access_indicators(inputs["village_access"], villages, population))
    df = pd.concat(parts, ignore_index=True).drop_duplicates(["area_code", "year", "indicator_id"], keep="first")
    df = df.sort_values(["indicator_id", "area_code", "year"], ignore_index=True)
    access_prov = Inputs.provenance_of(inputs, "village_access")
    kolada_prov = Inputs.provenance_of(inputs, "kolada_values")
    layer = quality.copy_layer_extra(access_prov.extra)
    prov = Provenance(
        source=(
            "SCB (tätorter 2020: population of the access aggregates, tätort totals); "
            "OpenStreetMap (pharmacy and vårdcentral points, HOT export 2020-09-04) and Servicekartan's modelled "
            "service layer (grocery, fuel, parcel, ATM, cash deposit, bill payment, school) through the access "
            "engine; Kolada (broadband N07900, N07918–N07920 from PTS; official access N07530/N07531 from "
            "Tillväxtverket; N00954)"
        ),
        licence=(
            "CC0 1.0 (SCB); ODbL 1.0 (OpenStreetMap-derived access rows: share-alike, attribution); modelled "
            "(Servicekartan estimate, CC0) for the modelled service types; Kolada's terms ('Källa: Kolada')"
        ),
        attribution=f"{seed.SCB_ATTR}; {seed.OSM_ATTR}; {seed.KOLADA_ATTR}",
        origin="data/seed/tatorter_2020_scb.csv; data/seed/sweden_health_facilities_osm_2020.csv; "
        "data/seed/kolada_values/; data/processed/village_access.parquet",
        retrieved=f"2020-09-04 (OSM); {kolada_prov.retrieved} (Kolada); 2026-11-01 (SCB)",
        method=(
            "Sums over tätorter; access aggregates (people and share beyond each threshold) for the service "
            f"layer's snapshot year {quality.SNAPSHOT_YEAR} only, quality per row = worst quality of the counted "
            "rows (modelled > observed_partial > observed); Kolada values as published (broadband base "
            "population until 2014, households 2015–2020, population from 2021; N07900 2009 not comparable, left out)"
        ),
        quality="mixed",
        extra=layer,
    )
    if len(fetched):
        prov.source += "; Kolada fetched (" + ", ".join(sorted(kolada_kpis.KPIS)) + ")"
        prov.origin += "; data/raw/kolada/"
    return Dataset(NAME, df, prov)
