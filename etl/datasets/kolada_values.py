"""Seed Kolada series (data/seed/kolada_values) -> `kolada_values`: official per-kommun, per-län and national values.

Broadband ≥100 Mbit/s (N07900) 2010–2022, ≥1 Gbit/s (N07918 total, N07919 dense, N07920 sparse areas)
2017–2022, residents / children within 2 km of a grocery store / school (N07530, N07531; Tillväxtverket's
road-distance analysis, 2017, 2018, 2022) and tätortsgrad (N00954). Each row states its measurement `base`
(N07900/N07918: population until 2014, households 2015–2020, population from 2021 — series breaks) and
whether it is `comparable` with the rest of its series: N07900 2009 is a different measure, kept but flagged
and never used for targets or charts. Nothing after 2022 (a Kolada fetch adds newer years).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from etl import seed
from servicekartan import kolada
from servicekartan.catalog import Dataset

NAME = "kolada_values"
INPUTS: tuple[str, ...] = ()


def transform(kommun: pd.DataFrame, lan_riket: pd.DataFrame) -> pd.DataFrame:
    """The two seed files -> one long frame in the `kolada_values` shape."""
    k = kommun.assign(level="municipality", area_code=kommun["municipality"].str.zfill(4))
    lr = lan_riket.assign(
        level=lan_riket["geo_level"].map({"lan": "county", "riket": "country"}),
        area_code=lan_riket["municipality"].str.zfill(2),
    )
    df = pd.concat([k, lr], ignore_index=True)
    df = df[df["kpi"].isin(list(kolada.KPIS))].copy()
    df["year"] = df["year"].astype("int64")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df = df.dropna(subset=["value"])
    df["indicator_id"] = df["kpi"].map(lambda c: kolada.KPIS[c].indicator_id)
    df["unit"] = df["kpi"].map(lambda c: kolada.KPIS[c].unit)
    df["base"] = [kolada.base_of(c, y) for c, y in zip(df["kpi"], df["year"], strict=True)]
    df["comparable"] = [kolada.comparable(c, y) for c, y in zip(df["kpi"], df["year"], strict=True)]
    df["source"] = [kolada.source_text(c, b) for c, b in zip(df["kpi"], df["base"], strict=True)]
    cols = ["area_code", "level", "year", "kpi", "indicator_id", "value", "unit", "base", "comparable", "source"]
    return df[cols].sort_values(["kpi", "area_code", "year"], ignore_index=True)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    df = transform(
        seed.read_csv("kolada_values/kolada_kommun_values.csv"),
        seed.read_csv("kolada_values/kolada_lan_riket_values.csv"),
    )
    prov = seed.PROVENANCE["kolada_values"]
    prov = type(prov)(**{**prov.to_dict(), "extra": {}})
    prov.method = (
        "As published by Kolada (values not recomputed). Series breaks: N07900/N07918 base population until 2014, "
        "households 2015–2020, population from 2021; N07900 2009 not comparable (flagged, comparable = false). "
        "Producers: PTS (broadband), Tillväxtverket (N07530/N07531, road distance from the population grid), SCB."
    )
    prov.extra = {"kpis": ", ".join(kolada.KPIS), "years": f"{df['year'].min()}–{df['year'].max()}"}
    return Dataset(NAME, df, prov)
