"""Seed broadband series, tätort totals (and access aggregates, Kolada KPIs) -> `indicators`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from etl import seed
from etl.fetchers import kolada_kpis
from servicekartan.catalog import Dataset, Provenance
from servicekartan.definitions import COUNTRY_CODE, QUALITY_OBSERVED
from servicekartan.indicators import access_indicators

NAME = "indicators"
INPUTS: tuple[str, ...] = ("villages", "population", "village_access")


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
    parts = [broadband_national(seed.read_csv("broadband_national.csv")), tatort_totals(villages, population)]
    # access aggregates + per-village service level (servicekartan.indicators)
    parts.append(access_indicators(inputs["village_access"], villages, population))
    kolada = kolada_kpis.load_indicators()  # fetched Kolada KPIs (data/raw/kolada), empty if none
    parts += [kolada] if len(kolada) else []
    df = pd.concat(parts, ignore_index=True).drop_duplicates(["area_code", "year", "indicator_id"], keep="first")
    df = df.sort_values(["indicator_id", "area_code", "year"], ignore_index=True)
    prov = Provenance(
        source="SCB (tätorter), PTS (broadband, national)",
        licence="CC0 (SCB); public facts (PTS)",
        attribution=seed.SCB_ATTR + "; Källa: PTS",
        origin="data/seed/tatorter_2020_scb.csv; data/seed/broadband_national.csv",
        retrieved="2026-11-01",
        method="Sums over tätorter; broadband shares as published (base changed from population to households in 2014)",
        quality="mixed",
    )
    if len(kolada):
        prov.source += ", Kolada (" + ", ".join(sorted(kolada_kpis.KPIS)) + ")"
        prov.licence += "; CC BY 4.0 (Kolada)"
        prov.attribution += "; " + kolada_kpis.SPEC.attribution
        prov.origin += "; data/raw/kolada/"
    return Dataset(NAME, df, prov)
