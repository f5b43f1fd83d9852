"""Official kommun population 1950-2019 and 2024 (+ the Census 2021 grid as a labelled estimate) -> `area_population`.

One row per area (kommun, län, Sverige) and year 1950-2024. `quality` says what a row is:
`official` (SCB folkmängd 31 December; 2024 via Kolada N01951), `grid_estimate` (2021: the sum of the
Census 2021 1 km squares assigned to the area, never shown as official), `missing` (2020, 2022, 2023 are
not in the snapshot: population is null, never interpolated). Län and Sverige are sums of their kommuner
(SCB's series are at today's kommun division, so the sums are the official totals).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from etl import seed_population as sp
from servicekartan.catalog import Dataset, DatasetError, Provenance
from servicekartan.datasets import DATASETS
from servicekartan.definitions import COUNTRY_CODE

NAME = "area_population"
INPUTS: tuple[str, ...] = ("regions", "grid_population")

QUALITY_OFFICIAL = "official"
QUALITY_GRID_ESTIMATE = "grid_estimate"
QUALITY_MISSING = "missing"
GRID_ESTIMATE_YEAR = 2021
FIRST_YEAR, LAST_YEAR = 1950, 2024

SOURCE_SCB = "SCB folkmängd 31 december (BE0101)"
SOURCE_KOLADA = "Kolada N01951 (SCB folkmängd 31 december)"
SOURCE_GRID = "Eurostat Census 2021 1 km grid (sum of squares)"
METHOD_OFFICIAL = "official count"
METHOD_SUM = "sum of the official kommun counts"
METHOD_GRID = "sum of the 1 km squares whose centre lies in the area (grid estimate, not official)"
METHOD_MISSING = "not in the embedded snapshot (fetch Kolada N01951); not interpolated"

# Columns, types and key: the one description in servicekartan.datasets.
SCHEMA: pa.Schema = DATASETS[NAME].schema
KEY: tuple[str, ...] = DATASETS[NAME].key


def _levels(kommun: pd.DataFrame, source: str, quality: str, method_kommun: str, method_sum: str) -> pd.DataFrame:
    """Kommun rows (kommun_code, year, population) -> kommun + län + Sverige rows."""
    k = kommun.assign(lan_code=kommun["kommun_code"].str[:2])
    parts = [
        pd.DataFrame(
            {
                "area_code": k["kommun_code"],
                "year": k["year"],
                "level": "municipality",
                "population": k["population"],
                "method": method_kommun,
            }
        ),
        k.groupby(["lan_code", "year"], as_index=False)["population"]
        .sum()
        .rename(columns={"lan_code": "area_code"})
        .assign(level="county", method=method_sum),
        k.groupby("year", as_index=False)["population"]
        .sum()
        .assign(area_code=COUNTRY_CODE, level="country", method=method_sum),
    ]
    out = pd.concat(parts, ignore_index=True)
    out["source"], out["quality"] = source, quality
    out["year"] = out["year"].astype("int64")
    out["population"] = out["population"].astype(float)
    return out


def transform(grid_population: pd.DataFrame, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    old = sp.kommun_population_1950_2019()[["kommun_code", "year", "population"]]
    new = sp.kommun_population_2024()[["kommun_code", "year", "population"]]
    gp = grid_population[grid_population["year"] == GRID_ESTIMATE_YEAR]
    est = gp.groupby("municipality_code", as_index=False)["population"].sum()
    est = est.rename(columns={"municipality_code": "kommun_code"}).assign(year=GRID_ESTIMATE_YEAR)
    df = pd.concat(
        [
            _levels(old, SOURCE_SCB, QUALITY_OFFICIAL, METHOD_OFFICIAL, METHOD_SUM),
            _levels(new, SOURCE_KOLADA, QUALITY_OFFICIAL, METHOD_OFFICIAL, METHOD_SUM),
            _levels(est, SOURCE_GRID, QUALITY_GRID_ESTIMATE, METHOD_GRID, METHOD_GRID),
        ],
        ignore_index=True,
    )
    areas = df[["area_code", "level"]].drop_duplicates()
    if regions is not None:
        known = set(regions["code"])
        bad = sorted(set(areas["area_code"]) - known)
        if bad:
            raise DatasetError(f"{NAME}: unknown area codes {bad[:5]}")
        kom = set(regions.loc[regions["level"] == "municipality", "code"])
        for year, g in df[df["level"] == "municipality"].groupby("year"):
            lacking = sorted(kom - set(g["area_code"]))
            if lacking:
                raise DatasetError(f"{NAME}: {year} lacks kommuner {lacking[:5]}")
    missing_years = sorted(set(range(FIRST_YEAR, LAST_YEAR + 1)) - set(df["year"]))
    if missing_years:
        gap = areas.merge(pd.DataFrame({"year": np.asarray(missing_years, np.int64)}), how="cross")
        gap = gap.assign(population=np.nan, source="", quality=QUALITY_MISSING, method=METHOD_MISSING)
        df = pd.concat([df, gap], ignore_index=True)
    order = {"country": 0, "county": 1, "municipality": 2}
    df = df.assign(_o=df["level"].map(order)).sort_values(["_o", "area_code", "year"], ignore_index=True)
    return df[SCHEMA.names]


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    df = transform(inputs["grid_population"], inputs.get("regions"))
    a, b = sp.provenance(sp.KOMMUN_1950_2019), sp.provenance(sp.KOLADA_POP_2024)
    prov = Provenance(
        source=f"{a.source}; {b.source}; {SOURCE_GRID} for 2021",
        licence="CC0 1.0 (SCB); CC BY 4.0 (Kolada); Eurostat reuse policy (Census 2021 grid)",
        attribution="Källa: SCB; Källa: Kolada; Källa: Eurostat",  # which grid year is estimated: in the notes
        origin=f"{a.origin}; {b.origin}; data/processed/grid_population.parquet (2021)",
        retrieved=sp.RETRIEVED,
        method=(
            "Official population 31 December per kommun 1950-2019 (SCB) and 2024 (Kolada N01951); län and Sverige "
            "are sums of their kommuner. 2021 is a grid estimate (quality grid_estimate). 2020, 2022 and 2023 are "
            "missing (population null, quality missing), never interpolated."
        ),
        quality="mixed",
        extra={"latest_official_year": str(int(df.loc[df["quality"] == QUALITY_OFFICIAL, "year"].max()))},
    )
    return Dataset(NAME, df, prov)
