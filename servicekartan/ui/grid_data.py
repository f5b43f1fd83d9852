"""Grid datasets -> shared, cached indexes for the pages (one per data version), and a memo keyed on their versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from servicekartan import catalog
from servicekartan.grid_views import GridIndex
from servicekartan.ui.data import data_dir, load, own_key, version, versions
from servicekartan.ui.shared_memo import memo as _memo
from servicekartan.views import FrameIndex

GRID_DATASETS: tuple[str, ...] = ("area_population", "grid_indicators", "grid_population", "grid_access")


@st.cache_resource(show_spinner=False, max_entries=4)
def _grid_index(directory: str, mtime: float, own: str = "") -> GridIndex:
    return GridIndex(load("grid_indicators"))


def grid_index() -> GridIndex:
    """`grid_indicators` by area (shared by every session)."""
    load("grid_indicators")  # a missing or damaged file stops the page with a clear message
    return _grid_index(data_dir(), version("grid_indicators"), own_key())


@st.cache_resource(show_spinner=False, max_entries=2)
def _population_index(directory: str, mtime: float) -> FrameIndex:
    return FrameIndex(load("area_population"), ("area_code",))


def population_index() -> FrameIndex:
    """`area_population` by area (shared by every session)."""
    load("area_population")
    return _population_index(data_dir(), version("area_population"))


@st.cache_resource(show_spinner=False, max_entries=4)
def _by_kommun(name: str, directory: str, mtime: float, own: str = "") -> FrameIndex:
    return FrameIndex(load(name), ("municipality_code",))


def kommun_index(name: str) -> FrameIndex:
    """A square-level grid dataset (`grid_population`, `grid_access`) by kommun: an area's rows without a mask
    over 1.9 million rows."""
    load(name)
    return _by_kommun(name, data_dir(), version(name), own_key())


def rows_in_area(name: str, area: str, kommuner: list[str]) -> pd.DataFrame:
    """The rows of a square-level grid dataset in the area (all of it for Sverige)."""
    ix = kommun_index(name)
    if area == "00":
        return ix.frame
    parts = [ix.get("municipality_code", k) for k in kommuner]
    return pd.concat(parts, ignore_index=True) if parts else ix.frame.iloc[0:0]


@st.cache_data(show_spinner=False, max_entries=64)
def _row_count(name: str, directory: str, mtime: float) -> int | None:
    try:
        return int(pq.read_metadata(catalog.dataset_path(name)).num_rows)
    except Exception:  # noqa: BLE001 - a missing or damaged file: no count (the table shows a gap), never a traceback
        return None


def row_count(name: str) -> int | None:
    """Rows of a dataset from its Parquet footer, without loading it (the method page lists 1.9 million-row
    grid_access; loading it only to count cost a cold page view ~8 s). None when the file cannot be read."""
    return _row_count(name, data_dir(), version(name))


def memo(key: tuple, compute: Callable[[], Any]) -> Any:
    """ui.memo with the grid datasets' versions in the key (a rebuild of them invalidates the entry)."""
    return _memo((*key, versions(*GRID_DATASETS)), compute)
