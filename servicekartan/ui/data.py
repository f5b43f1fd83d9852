"""Datasets -> shared, cached frames for the pages: loaders, row indexes, the access model, session registers."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from servicekartan import build_id, catalog, paths
from servicekartan.access import AccessModel
from servicekartan.areas import COUNTRY_CODE
from servicekartan.i18n import t
from servicekartan.ui import own_layer
from servicekartan.ui.state import lang
from servicekartan.views import FrameIndex, IndicatorIndex, compact

_log = logging.getLogger(__name__)

# Square-level grid datasets (millions of rows, few distinct texts) held as categoricals (views.compact).
COMPACT_DATASETS: tuple[str, ...] = ("grid_access", "grid_population")


def fetch_status() -> pd.DataFrame | None:
    """What `etl fetch` has brought (observed) versus what is still seed/modelled: the `data_status` dataset
    the build writes (None when an older build has none). Cached per file version like every dataset."""
    try:
        return load_optional("data_status")
    except catalog.DatasetError:  # a damaged status must not break the page
        return None


# --------------------------------------------------------------------------------------------
# Data versions
# --------------------------------------------------------------------------------------------


def data_dir() -> str:
    return str(paths.processed_dir())


def version(name: str) -> float:
    """A dataset's version: its file's modification time (0 when it does not exist). A rebuild changes it."""
    p = catalog.dataset_path(name)
    return p.stat().st_mtime if p.exists() else 0.0


def versions(*names: str) -> tuple[float, ...]:
    return tuple(version(n) for n in names)


# --------------------------------------------------------------------------------------------
# Loaders
# --------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=32)
def _read_cached(name: str, directory: str, mtime: float) -> pd.DataFrame:
    """One shared, read-only frame per dataset version (cache_resource: no per-run copy of 370k rows).

    Pages and the library never modify a loaded frame in place (they filter, assign or copy). The square-level
    grid datasets are held with their repeated texts as categoricals (views.compact: a third of the memory)."""
    frame = catalog.read(name)
    return compact(frame) if name in COMPACT_DATASETS else frame


@st.cache_data(show_spinner=False, max_entries=32)
def _meta_cached(name: str, directory: str, mtime: float) -> dict:
    return catalog.read_metadata(name)


def load(name: str) -> pd.DataFrame:
    """A dataset from data/processed (dashboard.py builds missing ones on start); a missing or damaged one stops
    the page with a message naming the file, never a traceback. With an own layer in this session (ui.own_layer),
    the datasets derived from the service layer are the session's, recomputed from the merged layer."""
    if own_layer.key() and name in own_layer.DERIVED:
        builtin(name)  # a missing or damaged built file still stops the page with its message
        return own_layer.frame(name)
    return builtin(name)


def builtin(name: str) -> pd.DataFrame:
    """The built dataset, whatever this session's own layer (the base the own layer is merged into)."""
    try:
        return _read_cached(name, data_dir(), version(name))
    except catalog.DatasetError as exc:
        show_data_error(name, exc)
        st.stop()
        raise


def show_data_error(name: str, exc: Exception) -> None:
    """A dataset that cannot be read: the page names its file in the user's language and says the other pages
    work; the full path and the rebuild command go to the server's log, for whoever runs the service (a user
    page never shows a server path or a developer command)."""
    _log.error("dataset %s cannot be used: %s", name, exc)
    why = t("data_error_missing" if isinstance(exc, catalog.DatasetMissing) else "data_error_damaged", lang())
    st.error(t("data_error_dataset", lang(), file=f"{name}.parquet", why=why), icon="🚫")


def load_optional(name: str) -> pd.DataFrame | None:
    """Like load, but None when the dataset does not exist (optional datasets such as road graphs)."""
    if not catalog.dataset_path(name).exists():
        return None
    return load(name)


def meta(name: str) -> dict:
    """A dataset's provenance (Parquet metadata); empty when it cannot be read."""
    try:
        base = {**_meta_cached(name, data_dir(), version(name)), "build_id": build_id.current()}
    except catalog.DatasetError:
        return {}
    return own_layer.meta(name, base) if own_layer.key() else base


def region_names() -> dict[str, str]:
    """Area code -> name for every län and kommun, and Sverige in the session's language."""
    regions = load("regions")
    names = dict(zip(regions["code"], regions["name"], strict=True))
    names[COUNTRY_CODE] = t("sweden", lang())
    return names


# --------------------------------------------------------------------------------------------
# Indexes and models shared by every session (one per data version)
# --------------------------------------------------------------------------------------------


def own_key() -> str:
    """This session's own-layer content hash ('' without own data): part of the key of every shared derived view."""
    return own_layer.key()


@st.cache_resource(show_spinner=False, max_entries=4)
def _indicator_index(directory: str, mtime: float, own: str = "") -> IndicatorIndex:
    return IndicatorIndex(load("indicators"))


def indicator_index() -> IndicatorIndex:
    """The `indicators` dataset with fast lookups by area and indicator (shared by every session with the same data)."""
    load("indicators")  # builds or reports a damaged file like every other dataset
    return _indicator_index(data_dir(), version("indicators"), own_key())


@st.cache_resource(show_spinner=False, max_entries=4)
def _access_index(directory: str, mtime: float, own: str = "") -> FrameIndex:
    return FrameIndex(load("village_access"), ("year", "village_id"))


def access_index() -> FrameIndex | None:
    """`village_access` with fast lookups by year and by village (shared by every session); None if not built."""
    if load_optional("village_access") is None:
        return None
    return _access_index(data_dir(), version("village_access"), own_key())


@st.cache_resource(show_spinner=False, max_entries=4)
def _access_model(directory: str, mtimes: tuple[float, ...]) -> AccessModel:  # heavy: built once per data version
    return AccessModel(load("villages"), load("services"), load("population"))


def access_model() -> AccessModel:
    """The national access model (KD-trees and base distances) shared by every session, rebuilt when data changes;
    the session's own when it has an own layer."""
    if own_key():
        return own_layer.access_model()
    return _access_model(data_dir(), versions("villages", "services", "population"))


# --------------------------------------------------------------------------------------------
# Registers extended by this session
# --------------------------------------------------------------------------------------------


def servicepoint_register() -> pd.DataFrame:
    """The servicepunkt register from the data plus the planned ones this user added in the session."""
    reg = load("servicepoints")
    planned = st.session_state.get("planned_servicepoints")
    if planned is not None and len(planned):
        reg = pd.concat([reg, planned[~planned["servicepoint_id"].isin(reg["servicepoint_id"])]], ignore_index=True)
    return reg
