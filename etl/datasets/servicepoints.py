"""Seed servicepunkt register (data/seed/servicepoints.json) + villages -> the `servicepoints` dataset."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from servicekartan.catalog import Dataset, Provenance
from servicekartan.servicepoints import SEED_FILE, load_register

NAME = "servicepoints"
INPUTS: tuple[str, ...] = ("villages",)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    register = load_register(villages=inputs["villages"])
    prov = Provenance(
        source="Servicekartan servicepunkt register (Servicepunkt Fliseryd: origin material, actual outcome)",
        licence="Public facts; register compiled by Servicekartan (CC0)",
        attribution="Källa: Servicepunkt Fliseryd (Mönsterås kommun m.fl.); SCB (tätort point)",
        origin=f"data/seed/{SEED_FILE}; data/seed/tatorter_2020_scb.csv (location)",
        retrieved="2026-11-01",
        method=(
            "One row per servicepunkt; placed at SCB's tätort point of its village. Lists joined with ';', "
            "financing as 'financier=kr;…'. Opening year of Fliseryd: agreement 2013-12-02, first year 2014."
        ),
        quality="observed",
    )
    return Dataset(NAME, register, prov)
