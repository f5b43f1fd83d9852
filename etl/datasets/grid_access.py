"""Grid squares + the current service layer (+ data/raw/roads when present) -> `grid_access` (square x service type).

For every populated square of the grid years with access figures (SCB 2024; Census 2021, which carries
the 65+ band) and every service type: the nearest service active in that year, straight line, road
estimate (or network) and minutes, by the same engine as `village_access` (servicekartan.access).
Each row carries the square's kommun, so a download or a page filters it by area without a join.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa

from etl import seed_population as sp
from etl.datasets import Inputs
from servicekartan import access, layer_derive, roadgraph
from servicekartan.catalog import Dataset, Provenance
from servicekartan.datasets import DATASETS

NAME = "grid_access"
INPUTS: tuple[str, ...] = ("grid_population", "services")

ACCESS_GRID_YEARS: tuple[int, ...] = layer_derive.ACCESS_GRID_YEARS

# Columns, types and key: the one description in servicekartan.datasets.
SCHEMA: pa.Schema = DATASETS[NAME].schema
KEY: tuple[str, ...] = DATASETS[NAME].key


def transform(
    grid_population: pd.DataFrame, services: pd.DataFrame, graph: roadgraph.RoadGraph | None = None
) -> pd.DataFrame:
    """Every grid year with access figures x every type (servicekartan.layer_derive, shared with the own-data layer)."""
    return layer_derive.grid_access(grid_population, services, graph)


def service_layer(services: pd.DataFrame) -> str:
    """One line naming the service layer: rows per type and quality, and the sources."""
    counts = services.groupby(["service_type", "quality"]).size()
    per_type = ", ".join(f"{t} {q} {n:,}" for (t, q), n in counts.items())
    return f"services: {per_type}; sources: {'; '.join(sorted(services['source'].dropna().unique()))}"


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    services = inputs["services"]
    graph = roadgraph.read_graph() if roadgraph.exists() else None
    df = transform(inputs["grid_population"], services, graph)
    mode = "road network (data/raw/roads)" if graph is not None else "road estimate (no road graph loaded)"
    prov = Provenance(
        source=f"Servicekartan access engine on grid_population x services; {mode}",
        licence="as the inputs: CC0 (SCB grid 2024), Eurostat reuse policy (Census 2021 grid), "
        "ODbL 1.0 (OpenStreetMap service rows)",
        attribution="Källa: SCB; Källa: Eurostat; © OpenStreetMap contributors",
        origin="data/processed/grid_population.parquet; data/processed/services.parquet"
        + ("; data/raw/roads/" if graph is not None else ""),
        retrieved=f"{sp.RETRIEVED} (SCB, Eurostat); {Inputs.provenance_of(inputs, 'services').retrieved}",
        method="Per populated 1 km square (centre): " + access.method_text(),
        quality="mixed",
        extra={
            "years": ", ".join(str(y) for y in ACCESS_GRID_YEARS),
            "service_layer": service_layer(services),
            "circuity_factor": f"{access.CIRCUITY_FACTOR:g}",
            "average_speed_kmh": f"{access.AVERAGE_SPEED_KMH:g}",
        },
    )
    return Dataset(NAME, df, prov)
