"""Villages + services (+ data/raw/roads road graph when present) -> `village_access` for the service layer's snapshot year.

The service layer is one snapshot (OSM export 2020, modelled points of the 2020 tätorter): access is
computed for that year only. Earlier years would repeat the snapshot and show changes nobody measured.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from etl.datasets import Inputs
from servicekartan import access, quality, roadgraph
from servicekartan.catalog import Dataset, Provenance

NAME = "village_access"
INPUTS: tuple[str, ...] = ("villages", "services")


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    villages, services = inputs["villages"], inputs["services"]
    graph = roadgraph.read_graph() if roadgraph.exists() else None
    years = [quality.SNAPSHOT_YEAR]
    df = access.AccessModel(villages, services, graph=graph).table(years)
    df = df.sort_values(["village_id", "year", "service_type"], ignore_index=True)
    src = Inputs.provenance_of(inputs, "services")
    mode = "road network (data/raw/roads)" if graph is not None else "road estimate (no road graph loaded)"
    prov = Provenance(
        source=f"Servicekartan access engine on `services` ({src.source}); {mode}",
        licence=src.licence,
        attribution=src.attribution,
        origin="data/processed/villages.parquet; data/processed/services.parquet"
        + ("; data/raw/roads/nodes.parquet, edges.parquet" if graph is not None else ""),
        retrieved=src.retrieved,
        method=access.method_text(),
        quality="mixed",
        extra={
            **quality.copy_layer_extra(src.extra),
            "years": f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0]),
            "circuity_factor": f"{access.CIRCUITY_FACTOR:g}",
            "circuity_source": access.CIRCUITY_SOURCE,
            "average_speed_kmh": f"{access.AVERAGE_SPEED_KMH:g}",
            "speed_source": access.SPEED_SOURCE,
            "distance": "straight line in SWEREF 99 TM (EPSG:3006)",
        },
    )
    return Dataset(NAME, df, prov)
