"""A service layer -> the datasets derived from it (village_access, indicators' access rows, grid_access, grid_indicators).

The one implementation the ETL builders (etl/datasets/*.py) and the app's own-data session layer
(servicekartan/ui/own_layer.py) share: an uploaded register is recomputed by exactly the code that
built the published figures. `types` narrows a recomputation to the service types that changed; the
rows of the other types are taken over from the built frames unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from servicekartan import access, grid, quality
from servicekartan.datasets import DATASETS
from servicekartan.definitions import SERVICE_TYPE_IDS
from servicekartan.indicators import access_indicators
from servicekartan.roadgraph import RoadGraph
from servicekartan.views import compact

ACCESS_GRID_YEARS: tuple[int, ...] = (2021, 2024)  # grid years with access figures (SCB 2024; Census 2021 with 65+)


def village_access(villages: pd.DataFrame, services: pd.DataFrame, graph: RoadGraph | None = None) -> pd.DataFrame:
    """`village_access` for the service layer's snapshot year (the engine of servicekartan.access)."""
    df = access.AccessModel(villages, services, graph=graph).table([quality.SNAPSHOT_YEAR])
    return df.sort_values(["village_id", "year", "service_type"], ignore_index=True)


def grid_access(
    grid_population: pd.DataFrame,
    services: pd.DataFrame,
    graph: RoadGraph | None = None,
    types: Sequence[str] = SERVICE_TYPE_IDS,
    years: Sequence[int] = ACCESS_GRID_YEARS,
) -> pd.DataFrame:
    """`grid_access` rows: nearest service per populated square x type for each grid year with access figures."""
    names = DATASETS["grid_access"].schema.names
    parts = []
    for year in years:
        cells = grid_population[grid_population["year"] == year]
        if len(cells):
            out = grid.grid_access(cells, services, year, graph=graph, types=types)
            kommun = pd.Series(cells["municipality_code"].to_numpy(object), index=cells["cell_id"].to_numpy(object))
            parts.append(out.assign(municipality_code=out["cell_id"].map(kommun)))  # for filtering by area
    if not parts:
        return pd.DataFrame({c: [] for c in names})
    return pd.concat(parts, ignore_index=True)[names]


def grid_weights(cells: pd.DataFrame) -> dict[str, np.ndarray]:
    """People per square for each basis the grid supports (65+ only where the source has it)."""
    pop = cells["population"].to_numpy(float)
    in_t = cells["in_tatort"].to_numpy(bool)
    w = {
        grid.BASIS_ALL: pop,
        grid.BASIS_IN_TATORT: np.where(in_t, pop, 0.0),
        grid.BASIS_OUTSIDE_TATORT: np.where(in_t, 0.0, pop),
    }
    p65 = cells["population_65plus"].to_numpy(float)
    if np.isfinite(p65).any():
        w[grid.BASIS_65PLUS] = np.nan_to_num(p65)
    return w


def grid_indicators(
    grid_population: pd.DataFrame, grid_access: pd.DataFrame, types: Sequence[str] | None = None
) -> pd.DataFrame:
    """`grid_indicators` rows: people within/beyond each threshold per area, basis, year and type."""
    names = DATASETS["grid_indicators"].schema.names
    parts = []
    for year, acc in grid_access.groupby("year"):
        cells = grid_population[grid_population["year"] == year].reset_index(drop=True)
        arrays = grid.access_arrays(acc, cells["cell_id"].to_numpy(object), types)
        agg = grid.area_aggregates(cells["municipality_code"].to_numpy(object), grid_weights(cells), arrays, int(year))
        parts.append(agg.assign(population_source=cells["source"].iloc[0]))
    if not parts:
        return pd.DataFrame({c: [] for c in names})
    return pd.concat(parts, ignore_index=True)[names]


def with_types(built: pd.DataFrame, new: pd.DataFrame, types: Sequence[str]) -> pd.DataFrame:
    """The built frame's rows of the other service types + the recomputed rows of `types`."""
    keep = built[~built["service_type"].isin(list(types))]
    plain = {c: d for c, d in keep.dtypes.items() if not isinstance(d, pd.CategoricalDtype)}  # new values stay
    out = pd.concat([keep, new.astype(plain, errors="ignore")], ignore_index=True)
    return compact(out) if len(plain) < len(keep.columns) else out


def indicators_with_access(
    indicators: pd.DataFrame, village_access: pd.DataFrame, villages: pd.DataFrame, population: pd.DataFrame
) -> pd.DataFrame:
    """`indicators` with its access rows (aggregates and service level) recomputed from `village_access`."""
    new = access_indicators(village_access, villages, population)
    keep = indicators[~indicators["indicator_id"].isin(new["indicator_id"].unique())]
    out = pd.concat([keep, new[keep.columns]], ignore_index=True)
    return out.sort_values(["indicator_id", "area_code", "year"], ignore_index=True)
