"""Seed tätorter 2020 (and småorter from data/raw when fetched) -> the `villages` dataset."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import pandas as pd

from etl import seed
from etl.fetchers import scb_tatorter
from servicekartan.catalog import Dataset

NAME = "villages"
INPUTS: tuple[str, ...] = ()


def transform(tatorter: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "village_id": tatorter["code"],
            "name": tatorter["name"],
            "kind": "tatort",
            "municipality_code": tatorter["mun_code"],
            "county_code": tatorter["lan_code"],
            "lat": tatorter["lat"],
            "lon": tatorter["lon"],
            "x": tatorter["x_sweref99tm"],
            "y": tatorter["y_sweref99tm"],
            "area_ha": tatorter["area"].astype(float),
        }
    ).sort_values("village_id", ignore_index=True)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    prov = copy.deepcopy(seed.PROVENANCE["tatorter_2020_scb.csv"])
    prov.method = "SCB's point per tätort (SWEREF 99 TM); lat/lon converted to WGS 84"
    df, note = scb_tatorter.overlay_villages(transform(seed.tatorter()))  # småorter from data/raw, if fetched
    if note:
        prov.method += f"; {note}"
        prov.origin += "; data/raw/scb/tatorter/"
    return Dataset(NAME, df, prov)
