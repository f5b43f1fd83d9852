"""Seed tätort population 2020 (and SCB series from data/raw when fetched) -> the `population` dataset."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import pandas as pd

from etl import seed
from etl.fetchers import scb_population
from servicekartan.catalog import Dataset

NAME = "population"
INPUTS: tuple[str, ...] = ("villages",)  # fetched village rows are kept only for known villages


def transform(tatorter: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": tatorter["code"],
            "year": tatorter["year"].astype("int64") if "year" in tatorter else 2020,
            "level": "village",
            "population": tatorter["pop"].astype(float),
            "source": "SCB tätorter 2020",
        }
    ).sort_values(["area_code", "year"], ignore_index=True)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    prov = copy.deepcopy(seed.PROVENANCE["tatorter_2020_scb.csv"])
    prov.method = "Population per tätort as published by SCB (31 Dec 2020)"
    df, note = scb_population.overlay(
        transform(seed.tatorter()), inputs["villages"]
    )  # fetched SCB series from data/raw, if any
    if note:
        prov.source += "; SCB PxWeb API (TAB638/TAB5557, MI0810/MI0811)"
        prov.origin += "; data/raw/scb/"
        prov.method += f"; {note}"
    return Dataset(NAME, df, prov)
