"""Find a place by name: the sidebar's search box and `?q=Fliseryd` (one hit opens it, several are listed)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from servicekartan import search
from servicekartan.i18n import t
from servicekartan.ui.data import load, region_names
from servicekartan.ui.state import lang
from servicekartan.ui.url_state import safe_snippet

VILLAGES_PAGE = "app_pages/villages.py"


def _choose(hit: search.Hit) -> None:
    """Show a place: its area in the picker; a village also as the chosen village, opened on the villages page."""
    st.session_state["area"] = hit.area
    if hit.village:
        st.session_state["village"] = hit.village
        st.session_state["_goto_village"] = True
        st.session_state["_villages_profile_first"] = True  # the profile at the top, as a shared link shows it


def _run(query: str) -> None:
    hits = search.find(query, load("regions"), load("villages"))
    st.session_state["_search_hits"] = (query, hits)
    if len(hits) == 1:
        _choose(hits[0])


def _on_search() -> None:
    _run(str(st.session_state.get("_search") or ""))


def _label(hit: search.Hit, language: str) -> str:
    names = region_names()
    name = safe_snippet(hit.name, 60)
    if hit.kind == "village":
        return t("search.village", language, name=name, kommun=names.get(hit.municipality, hit.municipality))
    return t(f"search.{hit.kind}", language, name=name)


def search_box(container: Any) -> None:
    """The search box; a `?q=` in the link is searched once, then leaves the URL (area/village say where we are)."""
    language = lang()
    raw = st.query_params.get("q")
    if raw is not None:
        del st.query_params["q"]
        st.session_state["_search"] = raw[:80]
        _run(raw[:80])
    container.text_input(
        t("search.label", language),
        key="_search",
        placeholder=t("search.placeholder", language),
        on_change=_on_search,
        max_chars=80,
    )
    if st.session_state.pop("_goto_village", False):
        village, area = st.session_state["village"], st.session_state["area"]
        st.switch_page(VILLAGES_PAGE, query_params={"area": area, "village": village, "lang": language})
    found = st.session_state.get("_search_hits")
    if not found:
        return
    query, hits = found
    q = safe_snippet(query, 40)
    if not hits:
        container.info(t("search.none", language, q=q))
    elif len(hits) == 1:
        container.success(t("search.found", language, name=_label(hits[0], language), q=q))
    else:
        container.caption(t("search.several", language, n=len(hits), q=q))
        for i, hit in enumerate(hits):
            container.button(
                _label(hit, language),
                key=f"_hit_{i}",
                on_click=_choose,
                args=(hit,),
                type="tertiary",
                icon=":material/home_pin:" if hit.village else ":material/map:",
            )
