"""Grid squares + the current service layer (+ data/raw/roads when present) -> `grid_access` (square x service type).

For every populated square of the grid years with access figures (SCB 2024; Census 2021, which carries
the 65+ band) and every service type: the nearest service active in that year, straight line, road
estimate (or network) and minutes, by the same engine as `village_access` (servicekartan.access).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa

from servicekartan import access, grid, roadgraph
from servicekartan.catalog import Dataset, Provenance

NAME = "grid_access"
INPUTS: tuple[str, ...] = ("grid_population", "services")

ACCESS_GRID_YEARS: tuple[int, ...] = (2021, 2024)

_s, _f, _i = pa.string(), pa.float64(), pa.int64()
SCHEMA = pa.schema(
    [
        ("cell_id", _s),
        ("year", _i),
        ("service_type", _s),
        ("nearest_service_id", _s),
        ("distance_km", _f),  # straight line, SWEREF 99 TM
        ("road_km", _f),  # estimate (x circuity) or network
        ("minutes", _f),
        ("method", _s),  # estimate / network / unreachable / no_service
        ("quality", _s),  # of the service layer of the type: observed / modelled
    ]
)
KEY: tuple[str, ...] = ("cell_id", "year", "service_type")


def transform(
    grid_population: pd.DataFrame, services: pd.DataFrame, graph: roadgraph.RoadGraph | None = None
) -> pd.DataFrame:
    parts = []
    for year in ACCESS_GRID_YEARS:
        cells = grid_population[grid_population["year"] == year]
        if len(cells):
            parts.append(grid.grid_access(cells, services, year, graph=graph))
    df = pd.concat(parts, ignore_index=True)
    return df[SCHEMA.names]


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
        retrieved="",
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
