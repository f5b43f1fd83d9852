"""Seed kommun and län codes -> the `regions` dataset (Sverige, 21 län, 290 kommuner)."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import pandas as pd

from etl import seed
from servicekartan.catalog import Dataset
from servicekartan.definitions import COUNTRY_CODE

NAME = "regions"
INPUTS: tuple[str, ...] = ()


def transform(counties: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    country = pd.DataFrame([{"code": COUNTRY_CODE, "name": "Sverige", "level": "country", "parent_code": ""}])
    lan = pd.DataFrame(
        {
            "code": counties["county_code"].str.zfill(2),
            "name": counties["county_name"],
            "level": "county",
            "parent_code": COUNTRY_CODE,
        }
    )
    kom = pd.DataFrame(
        {
            "code": municipalities["municipality_code"].str.zfill(4),
            "name": municipalities["municipality_name_short"],
            "level": "municipality",
            "parent_code": municipalities["county_code"].str.zfill(2),
        }
    )
    return pd.concat([country, lan, kom], ignore_index=True)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    df = transform(seed.read_csv("counties.csv"), seed.read_csv("municipalities.csv"))
    return Dataset(NAME, df, copy.deepcopy(seed.PROVENANCE["municipalities.csv"]))
