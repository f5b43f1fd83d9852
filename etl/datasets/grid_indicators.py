"""Grid population + grid access -> `grid_indicators`: people and share within/beyond every threshold per area.

For Sverige, every län and every kommun, each service type and each threshold (km straight line:
servicekartan.grid.GRID_THRESHOLDS_KM; minutes: GRID_THRESHOLDS_MIN), for the whole population, people in
and outside tätorter (population-matched model, grid.TATORT_MODEL) and people 65+ (Census 2021 squares only). Every row states its basis:
`basis` (which people), `year` and `population_source` (which grid), `quality` (of the service layer).
These are sums of squares (grid estimates); the official area totals are in `area_population`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.datasets import Inputs
from servicekartan import grid, layer_derive
from servicekartan.catalog import Dataset, Provenance
from servicekartan.datasets import DATASETS

NAME = "grid_indicators"
INPUTS: tuple[str, ...] = ("grid_population", "grid_access")

# Columns, types and key: the one description in servicekartan.datasets.
SCHEMA: pa.Schema = DATASETS[NAME].schema
KEY: tuple[str, ...] = DATASETS[NAME].key


def weights(cells: pd.DataFrame) -> dict[str, np.ndarray]:
    """People per square for each basis the grid supports (servicekartan.layer_derive.grid_weights)."""
    return layer_derive.grid_weights(cells)


def transform(grid_population: pd.DataFrame, grid_access: pd.DataFrame) -> pd.DataFrame:
    """Aggregates per area (servicekartan.layer_derive, shared with the own-data layer)."""
    return layer_derive.grid_indicators(grid_population, grid_access)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    df = transform(inputs["grid_population"], inputs["grid_access"])
    prov = Provenance(
        source="Servicekartan: grid_population x grid_access, summed per area",
        licence="as the inputs: CC0 (SCB grid 2024), Eurostat reuse policy (Census 2021 grid), ODbL 1.0 (OSM rows)",
        attribution="Källa: SCB; Källa: Eurostat; © OpenStreetMap contributors",
        origin="data/processed/grid_population.parquet; data/processed/grid_access.parquet",
        retrieved=Inputs.provenance_of(inputs, "grid_access").retrieved,
        method=(
            "People per basis (all; in/outside tätort by the population-matched model below; 65+ from the Census 2021 grid) summed over "
            "the squares of each kommun, län and Sverige within (<=) and beyond (>) each threshold: km = straight "
            "line from the square's centre, min = minutes (road estimate or network); no service of the type = "
            "beyond. Sums of squares: grid estimates, not official totals. " + grid.TATORT_MODEL
        ),
        quality="mixed",
        extra={
            "thresholds_km": ", ".join(str(t) for t in grid.GRID_THRESHOLDS_KM),
            "thresholds_min": ", ".join(str(t) for t in grid.GRID_THRESHOLDS_MIN),
        },
    )
    return Dataset(NAME, df, prov)
