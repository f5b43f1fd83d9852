"""The only Streamlit-aware module: cached loaders, shared widgets, URL state, captions and badges."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from servicekartan import catalog, paths
from servicekartan.definitions import COUNTRY_CODE
from servicekartan.i18n import DEFAULT_LANG, LANGS, t

LANG_LABELS = {"sv": "Svenska", "en": "English"}

# Constant CSS strings only (never user text): presenter mode and small layout touches.
PRESENTER_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1rem; max-width: 100%;}
html, body, [data-testid="stMarkdownContainer"] p, [data-testid="stMetricValue"] {font-size: 1.35rem;}
h1 {font-size: 2.6rem !important;} h2 {font-size: 2.1rem !important;}
</style>
"""
BASE_CSS = """
<style>
[data-testid="stMetricValue"] {font-variant-numeric: tabular-nums;}
</style>
"""


# ---------------------------------------------------------------- URL state


def _warnings() -> list[str]:
    return st.session_state.setdefault("_url_warnings", [])


def safe_snippet(raw: object, limit: int = 40) -> str:
    """User text made inert for a message: printable chars only, no markdown specials, truncated."""
    s = str(raw)
    s = re.sub(r"[^\w\s\-.,:åäöÅÄÖéü]", "?", s)[:limit]
    return s + ("…" if len(str(raw)) > limit else "")


_RUN = threading.local()  # per script-run: the container under the title where URL warnings go


def warn_param(name: str, raw: object) -> None:
    msg = t("bad_param", lang(), name=name) + f" ({safe_snippet(raw)})"
    box = getattr(_RUN, "box", None)
    if box is not None:  # the page header is drawn: write in place, under the title
        box.warning(msg, icon="⚠️")
    elif msg not in _warnings():
        _warnings().append(msg)


def show_url_warnings() -> None:
    """Open the warnings box under the title; earlier warnings go in now, later ones as widgets parse the URL."""
    _RUN.box = st.container()
    for msg in _warnings():
        _RUN.box.warning(msg, icon="⚠️")
    st.session_state["_url_warnings"] = []


def url_value(
    key: str,
    options: Sequence[Any],
    default: Any,
    parse: Callable[[str], Any] = str,
    on_invalid: Callable[[str], None] | None = None,
) -> None:
    """Seed `st.session_state[key]` from the URL on first use in a session; invalid values warn."""
    if key in st.session_state and st.session_state[key] in options:
        # Written again on purpose: a persisted value is otherwise ignored by the same key's widget on another page.
        st.session_state[key] = st.session_state[key]
        return
    raw = url_param(key)
    value = default
    if raw is not None:
        try:
            parsed = parse(raw)
        except (ValueError, TypeError):
            parsed = None
        if parsed in options:
            value = parsed
        elif on_invalid:
            on_invalid(raw)
        else:
            warn_param(key, raw)
    st.session_state[key] = value


def remember_url() -> None:
    """Keep this session's link parameters: a page switch empties the URL, the next page still finds them."""
    seen = st.session_state.setdefault("_url_seen", {})
    seen.update(st.query_params.to_dict())


def url_param(key: str) -> str | None:
    """A link parameter from the URL, else from earlier in this session (it was in the link the user opened)."""
    raw = st.query_params.get(key)
    return raw if raw is not None else st.session_state.get("_url_seen", {}).get(key)


def sync_url(key: str, value: Any, default: Any) -> None:
    """Write a selection to the URL so links reproduce the view.

    A default value is left out of a link that does not name it, but a link that names it keeps it: a shared
    `year=2020` must stay 2020, not turn into "the latest year" when new data arrives. None removes the key."""
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
        st.session_state.get("_url_seen", {}).pop(key, None)
        return
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    if value == default and key not in st.query_params:
        return
    if st.query_params.get(key) != text:
        st.query_params[key] = text
    st.session_state.setdefault("_url_seen", {})[key] = text


def url_select(
    label: str,
    options: Sequence[Any],
    key: str,
    default: Any = None,
    format_func: Callable[[Any], str] = str,
    parse: Callable[[str], Any] = str,
    widget: Callable[..., Any] | None = None,
    container: Any = None,
    **kwargs: Any,
) -> Any:
    """A selectbox (or radio/select_slider) whose value lives in the URL as a code and survives page switches."""
    options = list(options)
    default = options[0] if default is None and options else default
    url_value(key, options, default, parse)
    box = container or st
    widget = widget or box.selectbox
    value = widget(label, options, key=key, format_func=format_func, persist_state="session", **kwargs)
    sync_url(key, value, default)
    return value


def url_multiselect(label: str, options: Sequence[Any], key: str, default: Sequence[Any], **kwargs: Any) -> list:
    options = list(options)
    if key not in st.session_state:
        raw = url_param(key)
        value = list(default)
        if raw is not None:
            items = [x for x in str(raw).split(",") if x]
            good = [x for x in items if x in options]
            if len(good) != len(items):
                warn_param(key, raw)
            value = good or list(default)
        st.session_state[key] = value
    else:
        st.session_state[key] = [x for x in st.session_state[key] if x in options]  # see url_value
    kwargs.setdefault("placeholder", t("choose_options", lang()))
    value = st.multiselect(label, options, key=key, persist_state="session", **kwargs)
    sync_url(key, list(value), list(default))
    return value


def url_int(label: str, lo: int, hi: int, key: str, default: int, widget: str = "slider", **kwargs: Any) -> int:
    """An integer slider/number input bound to the URL; out-of-range or garbage values warn and fall back."""
    options = range(lo, hi + 1)

    def parse(raw: str) -> int:
        if len(raw) > 12:
            raise ValueError(raw)
        return int(raw)

    url_value(key, options, default, parse)
    if widget == "slider":
        value = st.slider(label, lo, hi, key=key, persist_state="session", **kwargs)
    else:
        value = st.number_input(label, lo, hi, key=key, persist_state="session", **kwargs)
    sync_url(key, int(value), default)
    return int(value)


# ---------------------------------------------------------------- language, presenter mode


def lang() -> str:
    value = st.session_state.get("lang")
    if value in LANGS:
        return value
    raw = st.query_params.get("lang")
    return raw if raw in LANGS else DEFAULT_LANG


def language_switch(container: Any) -> str:
    return url_select(
        t("language", lang()),
        LANGS,
        key="lang",
        default=DEFAULT_LANG,
        format_func=LANG_LABELS.get,
        widget=container.radio,
        horizontal=True,
    )


def presenter_toggle(container: Any) -> bool:
    url_value("present", (True, False), False, parse=lambda s: s in ("1", "true", "yes"))
    value = container.toggle(t("presenter_mode", lang()), key="present", persist_state="session")
    sync_url("present", "1" if value else None, None)
    return bool(value)


def presenting() -> bool:
    return bool(st.session_state.get("present"))


def apply_css() -> None:
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    if presenting():
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)


# ---------------------------------------------------------------- data loading


def _mtime(name: str) -> float:
    p = catalog.dataset_path(name)
    return p.stat().st_mtime if p.exists() else 0.0


@st.cache_resource(show_spinner=False, max_entries=32)
def _read_cached(name: str, directory: str, mtime: float) -> pd.DataFrame:
    """One shared, read-only frame per dataset version (cache_resource: no per-run copy of 370k rows).

    Pages and the library never modify a loaded frame in place (they filter, assign or copy)."""
    return catalog.read(name)


@st.cache_data(show_spinner=False, max_entries=32)
def _meta_cached(name: str, directory: str, mtime: float) -> dict:
    return catalog.read_metadata(name)


def _ensure_built() -> None:
    from etl.build import ensure_built

    with st.spinner(t("building_data", lang())):
        ensure_built()


def load(name: str) -> pd.DataFrame:
    """A dataset from data/processed (built on first use if missing); a damaged one stops the page with a message."""
    try:
        if not catalog.dataset_path(name).exists() and not paths.processed_dir().exists():
            _ensure_built()
        return _read_cached(name, str(paths.processed_dir()), _mtime(name))
    except catalog.DatasetError as exc:
        if "is missing" in str(exc):
            try:
                _ensure_built()
                return _read_cached(name, str(paths.processed_dir()), _mtime(name))
            except Exception as exc2:  # the build itself failed: say so, keep the app alive
                exc = exc2
        st.error(f"{t('data_error', lang())}: {exc}", icon="🚫")
        st.stop()
        raise


@st.cache_resource(show_spinner=False, max_entries=2)
def _indicator_index(directory: str, mtime: float):  # noqa: ANN202 - views.IndicatorIndex
    from servicekartan.views import IndicatorIndex

    return IndicatorIndex(load("indicators"))


def indicator_index():
    """The `indicators` dataset with fast lookups by area and indicator (shared by every session)."""
    load("indicators")  # builds or reports a damaged file like every other dataset
    return _indicator_index(str(paths.processed_dir()), _mtime("indicators"))


@st.cache_resource(show_spinner=False, max_entries=2)
def _access_index(directory: str, mtime: float):  # noqa: ANN202 - views.FrameIndex
    from servicekartan.views import FrameIndex

    return FrameIndex(load("village_access"), ("year", "village_id"))


def access_index():
    """`village_access` with fast lookups by year and by village (shared by every session); None if not built."""
    if load_optional("village_access") is None:
        return None
    return _access_index(str(paths.processed_dir()), _mtime("village_access"))


_MEMO: OrderedDict = OrderedDict()
_MEMO_LOCK = threading.Lock()
_MEMO_MAX = 256  # entries, least recently used dropped first; a national village map figure is ~1 MB
_MEMO_DATASETS = ("villages", "population", "services", "village_access", "indicators")


def memo(key: tuple, compute: Callable[[], Any]) -> Any:
    """A page-level result shared by every session: computed once per key and data version, then reused.

    For pure views of the datasets (the access cards of an area, the villages of a kommun, …): under 20
    concurrent sessions these small pandas computations, repeated per page view, cost more than the rest.
    Results are shared: callers filter or assign, never modify them in place."""
    full = (key, str(paths.processed_dir()), tuple(_mtime(n) for n in _MEMO_DATASETS))
    with _MEMO_LOCK:
        if full in _MEMO:
            _MEMO.move_to_end(full)
            return _MEMO[full]
    value = compute()  # outside the lock: two sessions may compute the same key once each, harmlessly
    with _MEMO_LOCK:
        _MEMO[full] = value
        while len(_MEMO) > _MEMO_MAX:
            _MEMO.popitem(last=False)
    return value


def load_optional(name: str) -> pd.DataFrame | None:
    """Like load, but None when the dataset does not exist (optional datasets such as road graphs)."""
    if not catalog.dataset_path(name).exists():
        return None
    return load(name)


def meta(name: str) -> dict:
    try:
        return _meta_cached(name, str(paths.processed_dir()), _mtime(name))
    except catalog.DatasetError:
        return {}


def _geojson_name(level: str) -> str:
    return "scb_kommuner_wgs84.geojson" if level == "municipality" else "scb_lan_wgs84.geojson"


@st.cache_resource(show_spinner=False)
def geojson(level: str) -> dict:
    """Kommun or län boundaries from the embedded snapshot (generalised, WGS 84)."""
    with open(paths.seed_dir() / _geojson_name(level), encoding="utf-8") as f:
        return json.load(f)


@st.cache_resource(show_spinner=False)
def geojson_url(level: str) -> str | None:
    """The boundaries as a file the app serves (`static/geo/`, a copy of the seed made on first use), or None.

    Maps name this URL instead of embedding ~15,000 boundary points in every figure (server CPU under load)."""
    from streamlit import config

    if not config.get_option("server.enableStaticServing"):
        return None
    src = paths.seed_dir() / _geojson_name(level)
    dst = paths.REPO_ROOT / "static" / "geo" / src.name
    try:
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            catalog.atomic_write_bytes(dst, src.read_bytes())
    except OSError:  # a read-only checkout: embed the boundaries instead
        return None
    return f"app/static/geo/{src.name}"


# ---------------------------------------------------------------- captions and badges


def source_line(names: Sequence[str], language: str) -> str:
    """'Källa: SCB · © OpenStreetMap contributors — <dataset>: <source>, <origin file(s)> (<licence>, retrieved <date>)'.

    Built from the provenance in each dataset's Parquet metadata, so every figure traces back to its files.
    """
    attributions: list[str] = []
    parts: list[str] = []
    for name in names:
        m = meta(name)
        if not m:
            continue
        attributions += [a.strip() for a in str(m.get("attribution", "")).split(";") if a.strip()]
        parts.append(
            f"{name}: {m.get('source', '')}; {m.get('origin', '')} ({m.get('licence', '')}; "
            f"{t('retrieved', language)} {m.get('retrieved', '')})"
        )
    head = " · ".join(dict.fromkeys(attributions))
    return f"{head} — " + " | ".join(dict.fromkeys(parts)) if parts else ""


def source_caption(*names: str) -> None:
    st.caption(source_line(names, lang()))


def modelled_badge(is_modelled: bool = True) -> None:
    if is_modelled:
        st.badge(
            t("modelled", lang()), icon=":material/model_training:", color="orange", help=t("modelled_help", lang())
        )


def region_names() -> dict[str, str]:
    regions = load("regions")
    names = dict(zip(regions["code"], regions["name"], strict=True))
    names[COUNTRY_CODE] = t("sweden", lang())
    return names


# ---------------------------------------------------------------- area picker (Sverige -> län -> kommun)


def _on_county() -> None:
    st.session_state["area"] = st.session_state["_pick_county"]


def _on_kommun() -> None:
    k = st.session_state["_pick_kommun"]
    st.session_state["area"] = k if k else st.session_state["_pick_county"]


def area_picker(container: Any = None) -> str:
    """Cascaded län and kommun pickers; the chosen code lives in the URL as `area` (e.g. ?area=0861)."""
    box = container or st.sidebar
    language = lang()
    regions = load("regions")
    names = region_names()
    valid = set(regions["code"])
    if st.session_state.get("area") not in valid:
        raw = st.query_params.get("area")
        area = COUNTRY_CODE
        if raw is not None and raw in valid:
            area = raw
        elif raw is not None:
            _warnings().append(t("unknown_area", language, code=safe_snippet(raw)))
        st.session_state["area"] = area
    area = st.session_state["area"]
    county = area[:2] if area != COUNTRY_CODE else COUNTRY_CODE
    counties = regions[regions["level"] == "county"].sort_values("name")["code"].tolist()
    st.session_state["_pick_county"] = county
    box.selectbox(
        t("county", language),
        [COUNTRY_CODE, *counties],
        key="_pick_county",
        format_func=lambda c: t("all_counties", language) if c == COUNTRY_CODE else names.get(c, c),
        on_change=_on_county,
    )
    if county != COUNTRY_CODE:
        kommuner = regions[(regions["level"] == "municipality") & (regions["parent_code"] == county)]
        options = ["", *kommuner.sort_values("name")["code"]]
        st.session_state["_pick_kommun"] = area if len(area) == 4 else ""
        box.selectbox(
            t("municipality", language),
            options,
            key="_pick_kommun",
            format_func=lambda c: t("whole_county", language) if c == "" else names.get(c, c),
            on_change=_on_kommun,
        )
    sync_url("area", area, COUNTRY_CODE)
    return area


def area_level(code: str) -> str:
    return "country" if code == COUNTRY_CODE else ("county" if len(code) == 2 else "municipality")


# ---------------------------------------------------------------- shared sidebar


def sidebar() -> None:
    """Language, presenter mode, the area picker and data freshness; shared by every page."""
    _RUN.box = None  # a new run: URL warnings queue until the page header opens its box
    remember_url()
    side = st.sidebar
    language_switch(side)
    presenter_toggle(side)
    area_picker(side)
    apply_css()
    status = fetch_status()
    if status is not None and len(status):
        observed = status[status["status"] == "observed"]
        if observed.empty:
            side.caption(t("status_seed", lang()))
        else:
            for row in observed.itertuples():
                side.caption(t("status_observed", lang(), what=row.dataset, date=str(row.retrieved)[:10]))


def current_area() -> str:
    return st.session_state.get("area", COUNTRY_CODE)


def page_header(title_key: str) -> str:
    """Title, URL warnings and, in presenter mode, the slide deck instead of the page; returns the language."""
    language = lang()
    if presenting():
        show_url_warnings()
        presenter_deck(language)
        st.stop()
    st.title(t(title_key, language))
    show_url_warnings()
    _save_view_button(title_key, language)
    return language


def _save_view_button(title_key: str, language: str) -> None:
    """Sidebar button: put this page's main view into the presenter deck (the deck lives in the URL as `deck`)."""
    from servicekartan import slides

    kind = slides.PAGE_SLIDE.get(title_key)
    if kind is None:
        return
    if st.sidebar.button(
        t("save_view", language), key="_save_view", help=t("save_view_help", language), icon=":material/push_pin:"
    ):
        deck, _ = slides.parse_deck(st.query_params.get("deck") or st.session_state.get("deck"))
        deck = [k for k in deck if k != kind]
        deck.insert(0, kind)
        st.session_state["deck"] = ",".join(deck)
        st.query_params["deck"] = st.session_state["deck"]
        st.sidebar.success(t("view_saved", language))


def url_range(label: str, lo: int, hi: int, key: str) -> tuple[int, int]:
    """A two-ended year slider bound to the URL as `key=LO-HI`."""
    options = [(a, b) for a in range(lo, hi + 1) for b in range(a, hi + 1)]

    def parse(raw: str) -> tuple[int, int]:
        a, b = re.split(r"[-,]", raw, maxsplit=1)
        return int(a), int(b)

    url_value(key, options, (lo, hi), parse)
    value = st.slider(label, lo, hi, key=key, persist_state="session")
    value = (int(value[0]), int(value[1]))
    sync_url(key, f"{value[0]}-{value[1]}", f"{lo}-{hi}")
    return value


def page_link_url() -> str:
    """The current page's URL with its query string: a link that reproduces the view."""
    try:
        base = st.context.url or ""
    except Exception:  # outside a browser session (AppTest)
        base = ""
    base = base.split("?")[0]
    query = "&".join(f"{k}={v}" for k, v in sorted(st.query_params.to_dict().items()))
    return f"{base}?{query}" if query else base


def fetch_status() -> pd.DataFrame | None:
    """What `etl fetch` has brought (observed) versus what is still seed/modelled; None before the ETL offers it.

    Cached per data version: a fetch is followed by a build, which rewrites the datasets. (No time limit: an
    expiry made every session wait for the same recomputation at once, which showed as the load test's p95.)"""
    versions = tuple(_mtime(n) for n in ("services", "population", "indicators"))
    return _fetch_status(str(paths.processed_dir()), versions)


@st.cache_resource(show_spinner=False, max_entries=4)
def _fetch_status(directory: str, versions: tuple[float, ...]) -> pd.DataFrame | None:
    try:
        from etl.fetch import data_status
    except ImportError:
        return None
    try:
        return data_status()
    except Exception:  # a damaged lock file must not break the page
        return None


@st.cache_resource(show_spinner=False, max_entries=4)
def _access_model(directory: str, mtimes: tuple[float, ...]):  # noqa: ANN202 - heavy object, built once per data version
    from servicekartan.access import AccessModel

    return AccessModel(load("villages"), load("services"), load("population"))


def access_model():
    """The national access model (KD-trees and base distances) shared by every session, rebuilt when data changes."""
    names = ("villages", "services", "population")
    return _access_model(str(paths.processed_dir()), tuple(_mtime(n) for n in names))


# ---------------------------------------------------------------- presenter mode


def _state(key: str) -> Any:
    """A selection from this session, else from the URL (presenter mode may open before the page that owns it)."""
    value = st.session_state.get(key)
    return value if value not in (None, "") else st.query_params.get(key)


def _int_or(raw: Any, default: int | None) -> int | None:
    try:
        return int(str(raw)[:6])
    except (TypeError, ValueError):
        return default


def slide_context(language: str):
    from servicekartan import slides
    from servicekartan.definitions import SERVICE_TYPE_IDS

    frames = {n: load(n) for n in ("villages", "population", "services", "indicators", "village_access")}
    svc = _state("svc")
    return slides.Context(
        frames=frames,
        lang=language,
        area=current_area(),
        village=_state("village"),
        service_type=svc if svc in SERVICE_TYPE_IDS else "grocery",
        km=_int_or(_state("km"), 10) or 10,
        year=_int_or(_state("year"), None),
        names=region_names(),
        geojson=geojson("municipality"),
    )


def _exit_presenter() -> None:
    st.session_state["present"] = False


def presenter_deck(language: str) -> None:
    """One large chart per screen, previous/next through the deck (`deck=` in the URL), PNG/SVG downloads."""
    from servicekartan import export, slides

    deck, unknown = slides.parse_deck(st.query_params.get("deck") or st.session_state.get("deck"))
    for u in unknown:
        warn_param("deck", u)
    show_url_warnings()
    n = len(deck)
    url_value("slide", range(1, n + 1), 1, parse=int)
    idx = int(st.session_state["slide"])
    nav = st.columns([1, 1, 1, 4, 4])
    if nav[0].button("◀", key="_prev", disabled=idx <= 1, help="Föregående" if language == "sv" else "Previous"):
        st.session_state["slide"] = idx - 1
        st.rerun()
    nav[1].markdown(f"**{idx} / {n}**")
    if nav[2].button("▶", key="_next", disabled=idx >= n, help="Nästa" if language == "sv" else "Next"):
        st.session_state["slide"] = idx + 1
        st.rerun()
    nav[4].button("✕ " + t("presenter_mode", language), key="_exit_present", on_click=_exit_presenter, width="content")
    sync_url("slide", idx, 1)
    sync_url("deck", ",".join(deck), ",".join(slides.DEFAULT_DECK))
    slide = slides.build(deck[idx - 1], slide_context(language))
    if slide.modelled:
        modelled_badge()
    if slide.figure is not None:
        slide.figure.update_layout(height=640, font={"size": 18}, title={"font": {"size": 28}})
        st.plotly_chart(slide.figure, key=f"slide_{slide.kind}", config={"displayModeBar": False})
    if slide.note:
        st.markdown(slide.note)
    source = source_line(slide.sources, language)
    st.caption(source)
    if slide.figure is not None:
        d1, d2, _ = st.columns([1, 1, 6])
        fig = slide.figure
        d1.download_button(
            "PNG",
            lambda: export.image(fig, "png", source),
            f"servicekartan_{slide.kind}.png",
            "image/png",
            on_click="ignore",
            key="_png",
        )
        d2.download_button(
            "SVG",
            lambda: export.image(fig, "svg", source),
            f"servicekartan_{slide.kind}.svg",
            "image/svg+xml",
            on_click="ignore",
            key="_svg",
        )


# ---------------------------------------------------------------- targets registry (seed + the user's own)


def _user_targets() -> pd.DataFrame | None:
    user = st.session_state.get("user_targets")
    return user if user is not None and len(user) else None


def target_registry() -> pd.DataFrame:
    """The national targets from data/seed/targets.csv plus the targets this user added or uploaded."""
    from servicekartan import targets

    user = _user_targets()
    return targets.merge_targets(_seed_targets(), user) if user is not None else _seed_targets()


@st.cache_resource(show_spinner=False)
def _seed_targets() -> pd.DataFrame:  # shared and read-only: merge_targets and the pages make new frames
    from servicekartan import targets

    return targets.load_targets()


def _store_user_targets(registry: pd.DataFrame) -> None:
    base_ids = set(_seed_targets()["target_id"])
    st.session_state["user_targets"] = registry[~registry["target_id"].isin(base_ids) | (registry["scope"] == "user")]


def target_editor(language: str, registry: pd.DataFrame) -> None:
    """Add a target with a form, upload a CSV of targets (validated line by line), download them all."""
    from servicekartan import targets

    known = set(load("indicators")["indicator_id"].unique())
    with st.form("add_target", clear_on_submit=False):
        c1, c2, c3 = st.columns(3)
        tid = c1.text_input(t("target_id", language), value="my_target_1", max_chars=64)
        name = c1.text_input(t("target_name", language), max_chars=200)
        ind = c2.selectbox(
            t("indicator_id", language),
            sorted(known),
            index=sorted(known).index("share_beyond_10km_grocery") if "share_beyond_10km_grocery" in known else 0,
        )
        direction = c2.selectbox(
            t("direction", language), ["at_most", "at_least"], format_func=lambda d: t(d, language)
        )
        value = c3.number_input(t("value", language), value=5.0, step=0.5)
        year = c3.number_input(t("year", language), 1990, 2100, 2020)
        if st.form_submit_button(t("save", language)):
            rec = {
                "target_id": tid,
                "indicator_id": ind,
                "value": value,
                "year": int(year),
                "direction": direction,
                "area_code": current_area(),
                "name_sv": name,
                "name_en": name,
                "unit": "%",
                "scope": "user",
                "source": "user",
            }
            res = targets.add_target(registry, rec, default_scope="user")
            if res.accepted:
                _store_user_targets(res.targets)
                st.success(t("upload_ok", language, n=1))
                st.rerun()
            else:
                st.error(t("upload_errors", language))
                st.dataframe(targets.errors_frame(res.errors, language), hide_index=True)
    up = st.file_uploader(t("upload_targets", language), type=["csv", "txt"], key="targets_upload")
    if up is not None and st.session_state.get("_last_upload") != up.file_id:
        res = targets.apply_upload(registry, up.getvalue(), default_scope="user", known_indicators=known)
        st.session_state["_last_upload"] = up.file_id
        st.session_state["_upload_result"] = (
            res.accepted,
            targets.errors_frame(res.errors, language),
            len(res.targets) - len(registry),
        )
        if res.accepted:
            _store_user_targets(res.targets)
            st.rerun()
    if st.session_state.get("_upload_result"):
        accepted, errors, n = st.session_state["_upload_result"]
        if accepted:
            st.success(t("upload_ok", language, n=max(n, 0)))
        else:
            st.error(t("upload_errors", language))
        if len(errors):
            st.dataframe(errors, hide_index=True, key="upload_errors")
    st.download_button(
        t("download_targets", language),
        targets.targets_to_csv(target_registry()),
        "servicekartan_targets.csv",
        "text/csv",
        on_click="ignore",
    )


def servicepoint_register() -> pd.DataFrame:
    """The servicepunkt register from the data plus the planned ones this user added in the session."""
    reg = load("servicepoints")
    planned = st.session_state.get("planned_servicepoints")
    if planned is not None and len(planned):
        reg = pd.concat([reg, planned[~planned["servicepoint_id"].isin(reg["servicepoint_id"])]], ignore_index=True)
    return reg


@st.cache_data(show_spinner=False, max_entries=64)
def _targets_summary(area: str, as_of: int | None, registry: pd.DataFrame, data_version: float) -> pd.DataFrame:
    from servicekartan import targets

    return targets.summary_table(indicator_index().area(area), registry, area, as_of=as_of)


def targets_summary(area: str, as_of: int | None = None) -> pd.DataFrame:
    """Every target for the area, evaluated (cached per area, registry and data version).

    With only the national targets the result is shared by every session; a user's own targets make it theirs."""
    if _user_targets() is None:
        from servicekartan import targets

        return memo(
            ("targets_summary", area, as_of),
            lambda: targets.summary_table(indicator_index().area(area), _seed_targets(), area, as_of=as_of),
        )
    return _targets_summary(area, as_of, target_registry(), _mtime("indicators"))
