"""What `etl fetch` has brought, per fetcher (observed, or still seed/modelled, and when) -> `data_status`.

The app's sidebar reads this dataset through the catalog; it never looks into data/raw itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from etl.fetchers import FETCHERS
from etl.fetchers.spec import status_frame
from servicekartan.catalog import Dataset, Provenance
from servicekartan.datasets import DATASETS

NAME = "data_status"
INPUTS: tuple[str, ...] = ()


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    df = status_frame(FETCHERS)
    fetched = df.loc[df["status"] == "observed", "retrieved"]
    prov = Provenance(
        source="Servicekartan ETL: the _unit.json manifests of data/raw (one row per online source)",
        licence=DATASETS[NAME].licence,
        attribution="Servicekartan",
        origin="data/raw/*/*/*/_unit.json",
        retrieved=max(fetched, default=""),  # empty until something is fetched (a stable hash)
        method="observed when the source has committed units in data/raw; otherwise the app shows seed or modelled data",
        quality="observed",
    )
    return Dataset(NAME, df, prov)
