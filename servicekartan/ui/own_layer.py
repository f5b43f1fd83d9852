"""This session's own service layer (uploaded on the Own data page) -> session-specific derived frames, badges and
honest links.

While a layer is active, `ui.data.load` / `meta` / the indexes / the access model return frames recomputed
from the merged service layer by the ETL's own code (servicekartan.layer_derive), cached once per content
hash of the layer (shared by sessions that uploaded the same data). The page links of such a session carry
`own=1` and `build=<data build id>`; whoever opens one without the data gets a notice (`page_notices`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from servicekartan import build_id, fmt, layer_derive, own_data, quality, roadgraph
from servicekartan.access import AccessModel
from servicekartan.definitions import SERVICE_TYPE_IDS, service_label
from servicekartan.i18n import t, tn

STATE_KEY = "own_layer"
OWN_TYPES_KEY = "own_types"  # provenance extra of `services`: the types with own points (session or imported)
# Datasets the session recomputes from its layer (every other dataset is the built one).
DERIVED: tuple[str, ...] = ("services", "village_access", "indicators", "grid_access", "grid_indicators")
_BASE_INPUTS: tuple[str, ...] = (*DERIVED, "villages", "population", "grid_population")


@dataclass(frozen=True)
class OwnLayer:
    """Accepted points (services shape, quality own_data), mode per type, the uploader's source and date."""

    points: pd.DataFrame
    modes: dict[str, str]
    source: str
    date: str
    key: str

    @property
    def types(self) -> list[str]:
        present = set(self.points["service_type"])
        return [s for s in SERVICE_TYPE_IDS if s in present]

    def types_text(self, lang: str) -> str:
        words = {own_data.REPLACE: t("own.mode_replace_word", lang), own_data.ADD: t("own.mode_add_word", lang)}
        return ", ".join(
            f"{service_label(s, lang).lower()} ({words[self.modes.get(s, own_data.ADD)]})" for s in self.types
        )


_LAYERS: dict[str, OwnLayer] = {}  # content hash -> layer: what the cached computations below are keyed on
_LOCK = threading.Lock()
MAX_LAYERS = 64


def make(points: pd.DataFrame, modes: dict[str, str], source: str, date: str) -> OwnLayer:
    modes = {s: modes.get(s, own_data.ADD) for s in SERVICE_TYPE_IDS if (points["service_type"] == s).any()}
    source, date = own_data.clean_source(source), own_data.clean_source(date)[:10]
    pts = points.assign(source=own_data.source_text(source, date))
    key = own_data.layer_hash(pts, modes)
    with _LOCK:
        while len(_LAYERS) >= MAX_LAYERS:  # oldest first; a session whose layer was dropped re-registers it
            _LAYERS.pop(next(iter(_LAYERS)))
    return OwnLayer(pts.reset_index(drop=True), modes, source, date, key)


def activate(layer: OwnLayer) -> None:
    with _LOCK:
        _LAYERS[layer.key] = layer
    st.session_state[STATE_KEY] = layer


def clear() -> None:
    """Back to the built-in layer; the link no longer claims own data."""
    from servicekartan.ui.url_state import sync_url

    st.session_state.pop(STATE_KEY, None)
    sync_url("own", None, None)
    sync_url("build", None, None)


def current() -> OwnLayer | None:
    layer = st.session_state.get(STATE_KEY)
    return layer if isinstance(layer, OwnLayer) else None


def key() -> str:
    """The active layer's content hash ('' without own data): part of every cache key of a derived view."""
    layer = current()
    return layer.key if layer is not None else ""


def covers(service_types: object) -> bool:
    """Whether the session's own layer holds points of any of these types."""
    layer = current()
    if layer is None:
        return False
    wanted = {service_types} if isinstance(service_types, str) else set(service_types or ())
    return bool(wanted & set(layer.types))


# --------------------------------------------------------------------------------------------- derived frames


def _builtin(name: str) -> pd.DataFrame:
    from servicekartan.ui import data  # the loader imports this module

    return data.builtin(name)


def _version() -> tuple:
    from servicekartan.ui import data

    return data.data_dir(), data.versions(*_BASE_INPUTS)


def _graph() -> roadgraph.RoadGraph | None:
    return roadgraph.read_graph() if roadgraph.exists() else None  # as the ETL: network where a graph is loaded


@st.cache_resource(show_spinner=False, max_entries=4)
def _services(k: str, version: tuple) -> pd.DataFrame:
    layer = _LAYERS[k]
    return own_data.merge(_builtin("services"), layer.points, layer.modes)


@st.cache_resource(show_spinner=False, max_entries=4)
def _village_access(k: str, version: tuple) -> pd.DataFrame:
    return layer_derive.village_access(_builtin("villages"), _services(k, version), _graph())


@st.cache_resource(show_spinner=False, max_entries=4)
def _indicators(k: str, version: tuple) -> pd.DataFrame:
    va = _village_access(k, version)
    return layer_derive.indicators_with_access(_builtin("indicators"), va, _builtin("villages"), _builtin("population"))


@st.cache_resource(show_spinner=False, max_entries=2)
def _grid_access_new(k: str, version: tuple) -> pd.DataFrame:
    """grid_access rows of the own layer's types only (every populated square, each grid year)."""
    return layer_derive.grid_access(_builtin("grid_population"), _services(k, version), _graph(), _LAYERS[k].types)


@st.cache_resource(show_spinner=False, max_entries=2)
def _grid_access(k: str, version: tuple) -> pd.DataFrame:
    return layer_derive.with_types(_builtin("grid_access"), _grid_access_new(k, version), _LAYERS[k].types)


@st.cache_resource(show_spinner=False, max_entries=4)
def _grid_indicators(k: str, version: tuple) -> pd.DataFrame:
    types = _LAYERS[k].types
    new = layer_derive.grid_indicators(_builtin("grid_population"), _grid_access_new(k, version), types)
    return layer_derive.with_types(_builtin("grid_indicators"), new, types)


@st.cache_resource(show_spinner=False, max_entries=4)
def _access_model(k: str, version: tuple) -> AccessModel:
    return AccessModel(_builtin("villages"), _services(k, version), _builtin("population"))


_COMPUTE = {
    "services": _services,
    "village_access": _village_access,
    "indicators": _indicators,
    "grid_access": _grid_access,
    "grid_indicators": _grid_indicators,
}


def _ensure_registered(layer: OwnLayer) -> None:
    with _LOCK:
        _LAYERS.setdefault(layer.key, layer)


def frame(name: str) -> pd.DataFrame:
    """The session's version of a derived dataset (call only while a layer is active)."""
    layer = current()
    _ensure_registered(layer)
    with st.spinner(t("own.computing", _lang())):
        return _COMPUTE[name](layer.key, _version())


def access_model() -> AccessModel:
    layer = current()
    _ensure_registered(layer)
    return _access_model(layer.key, _version())


def meta(name: str, base: dict) -> dict:
    """A derived dataset's provenance with the own layer: the uploader's source, and quality per type recomputed."""
    layer = current()
    if layer is None or name not in DERIVED or not base:
        return base
    out = {**base, "extra": dict(base.get("extra") or {})}
    if name in ("services", "village_access", "indicators"):
        layer_q = quality.layer_extra(_services(layer.key, _version()))
        out["extra"].update({k: v for k, v in layer_q.items() if k.startswith("quality_")})
    before = {s for s in str(out["extra"].get(OWN_TYPES_KEY, "")).split(",") if s}
    out["extra"][OWN_TYPES_KEY] = ",".join(s for s in SERVICE_TYPE_IDS if s in before | set(layer.types))
    out["source"] = f"{base.get('source', '')}; {layer.points['source'].iloc[0]}"
    own_line = t("own.caption", _lang(), source=", ".join(x for x in (layer.source, layer.date) if x) or "–")
    out["attribution"] = f"{base.get('attribution', '')}; {own_line}"
    out["own_data"] = layer.types_text("en")
    return out


def _lang() -> str:
    from servicekartan.ui.state import lang

    return lang()


# --------------------------------------------------------------------------------------------- badges and links


def own_types() -> set[str]:
    """Service types with own data in what this session sees: uploaded here, or imported into the build."""
    from servicekartan.ui.data import meta

    extra = (meta("services") or {}).get("extra") or {}
    return {s for s in str(extra.get(OWN_TYPES_KEY, "")).split(",") if s}


def own_badge(service_types: object = None, shown: object = ()) -> None:
    """The "Egna data / Own data" badge on a figure built from own data (service_types: the figure's types).

    `shown`: the quality levels the figure's own badges already show; when own_data is among them (a replaced
    layer), the badge is there already and is not drawn twice."""
    types = own_types()
    if not types or quality.QUALITY_OWN in {str(q) for q in shown}:
        return
    if service_types is not None:
        wanted = {service_types} if isinstance(service_types, str) else set(service_types)
        if not wanted & types:
            return
    from servicekartan.ui.captions import quality_badge

    quality_badge(quality.QUALITY_OWN)


def page_notices(lang: str) -> None:
    """At the top of every page: the own layer in use (and `own=1`, `build=` in the link), or the notices for a
    link made with own data this session lacks, or with another data build."""
    from servicekartan.ui.url_state import sync_url, url_param

    current_build = build_id.current()
    link_build = url_param("build")
    layer = current()
    if layer is not None:
        st.info(
            t(
                "own.active",
                lang,
                count=tn("count.service_points", len(layer.points), lang, n=fmt.number(len(layer.points), lang)),
                types=layer.types_text(lang),
                source=layer.source or "–",
            ),
            icon=":material/upload_file:",
        )
        sync_url("own", "1", None)
        sync_url("build", current_build, None)
        return
    if url_param("own") == "1":
        st.warning(t("own.notice_missing", lang), icon=":material/warning:")
    if link_build and current_build and not build_id.same(link_build, current_build):
        st.warning(
            t("own.build_differs", lang, link=_safe(link_build), current=current_build), icon=":material/history:"
        )


def _safe(text: str) -> str:
    from servicekartan.ui.url_state import safe_snippet

    return safe_snippet(text, 16)
