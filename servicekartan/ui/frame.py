"""What every page shares: the sidebar (language, presenter mode, area picker, data status) and the page header."""

from __future__ import annotations

from typing import Any

import streamlit as st

from servicekartan import areas, search
from servicekartan.areas import COUNTRY_CODE
from servicekartan.i18n import DEFAULT_LANG, LANG_NAMES, LANGS, t
from servicekartan.ui import a11y
from servicekartan.ui.data import fetch_status, load, region_names
from servicekartan.ui.finder import search_box
from servicekartan.ui.own_layer import page_notices
from servicekartan.ui.presenter import presenter_deck, save_view_button
from servicekartan.ui.state import lang, presenting
from servicekartan.ui.url_state import (
    drop_unknown_params,
    queue_warning,
    remember_url,
    safe_snippet,
    show_url_warnings,
    start_run,
    sync_url,
    url_select,
    url_value,
)

# Constant CSS strings only (never user text): presenter mode and small layout touches.
PRESENTER_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1rem; max-width: 100%;}
@media (min-width: 641px) {
html, body, [data-testid="stMarkdownContainer"] p, [data-testid="stMetricValue"] {font-size: 1.35rem;}
h1 {font-size: 2.6rem !important;} h2 {font-size: 2.1rem !important;}
}
</style>
"""
BASE_CSS = """
<style>
[data-testid="stMetricValue"] {font-variant-numeric: tabular-nums;}
</style>
"""


def language_switch(container: Any) -> str:
    return url_select(
        t("language", lang()),
        LANGS,
        key="lang",
        default=DEFAULT_LANG,
        format_func=LANG_NAMES.get,
        widget=container.radio,
        horizontal=True,
    )


def presenter_toggle(container: Any) -> bool:
    url_value("present", (True, False), False, parse=lambda s: s in ("1", "true", "yes"))
    value = container.toggle(t("presenter_mode", lang()), key="present", persist_state="session")
    sync_url("present", "1" if value else None, None)
    return bool(value)


def apply_css() -> None:
    st.markdown(BASE_CSS, unsafe_allow_html=True)
    a11y.apply(lang())
    if presenting():
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)


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
        code = search.area_code(raw, regions) if raw is not None else None  # a code, or a name: ?area=Mönsterås
        if code is not None:
            area = code
        elif raw is not None:
            queue_warning(t("unknown_area", language, code=safe_snippet(raw)))
        st.session_state["area"] = area
    area = st.session_state["area"]
    county = areas.enclosing_county(area)
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
        st.session_state["_pick_kommun"] = area if areas.is_kommun(area) else ""
        box.selectbox(
            t("municipality", language),
            options,
            key="_pick_kommun",
            format_func=lambda c: t("whole_county", language) if c == "" else names.get(c, c),
            on_change=_on_kommun,
        )
    sync_url("area", area, COUNTRY_CODE)
    return area


# ---------------------------------------------------------------- sidebar and header


def sidebar() -> None:
    """Language, presenter mode, the area picker and data freshness; shared by every page."""
    start_run()
    drop_unknown_params()
    remember_url()
    side = st.sidebar
    language_switch(side)
    presenter_toggle(side)
    search_box(side)
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


def page_header(title_key: str) -> str:
    """Title, URL warnings and, in presenter mode, the slide deck instead of the page; returns the language."""
    language = lang()
    if presenting():
        page_notices(language)  # own data in use, or a link made with own data / another data build
        show_url_warnings()
        presenter_deck(language)
        st.stop()
    st.title(t(title_key, language))
    page_notices(language)  # own data in use, or a link made with own data / another data build
    show_url_warnings()
    save_view_button(title_key, language)
    return language
