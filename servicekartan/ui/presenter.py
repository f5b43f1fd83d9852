"""Presenter mode: the slide deck (one large chart per screen) built from this session's selections."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from servicekartan import export, slides
from servicekartan.definitions import SERVICE_TYPE_IDS
from servicekartan.i18n import t
from servicekartan.ui.a11y import plotly_chart
from servicekartan.ui.captions import modelled_badge, source_line
from servicekartan.ui.data import load, region_names
from servicekartan.ui.geo_files import geojson
from servicekartan.ui.grid_sections import slide_map
from servicekartan.ui.state import current_area
from servicekartan.ui.url_state import show_url_warnings, sync_url, url_value, warn_param


def _state(key: str) -> Any:
    """A selection from this session, else from the URL (presenter mode may open before the page that owns it)."""
    value = st.session_state.get(key)
    return value if value not in (None, "") else st.query_params.get(key)


def _int_or(raw: Any, default: int | None) -> int | None:
    try:
        return int(str(raw)[:6])
    except (TypeError, ValueError):
        return default


def slide_context(language: str) -> slides.Context:
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
        extra={"grid_map": slide_map},
    )


def save_view_button(title_key: str, language: str) -> None:
    """Sidebar button: put this page's main view into the presenter deck (the deck lives in the URL as `deck`)."""
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


def _exit_presenter() -> None:
    st.session_state["present"] = False


def presenter_deck(language: str) -> None:
    """One large chart per screen, previous/next through the deck (`deck=` in the URL), PNG/SVG downloads."""
    deck, unknown = slides.parse_deck(st.query_params.get("deck") or st.session_state.get("deck"))
    for u in unknown:
        warn_param("deck", u)
    show_url_warnings()
    n = len(deck)
    url_value("slide", range(1, n + 1), 1, parse=int)
    idx = int(st.session_state["slide"])
    # one row that wraps rather than stacks (columns stack on a phone and pushed the slide below the fold)
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        if st.button(t("presenter.previous", language), key="_prev", disabled=idx <= 1, icon=":material/arrow_back:"):
            st.session_state["slide"] = idx - 1
            st.rerun()
        st.markdown(f"**{t('deck.previous_next', language, i=idx, n=n)}**", width="content")
        if st.button(t("presenter.next", language), key="_next", disabled=idx >= n, icon=":material/arrow_forward:"):
            st.session_state["slide"] = idx + 1
            st.rerun()
        st.button(t("presenter_mode", language), key="_exit_present", on_click=_exit_presenter, icon=":material/close:")
    sync_url("slide", idx, 1)
    sync_url("deck", ",".join(deck), ",".join(slides.DEFAULT_DECK))
    slide = slides.build(deck[idx - 1], slide_context(language))
    st.subheader(slide.title)  # the title as text: it wraps at any width (inside the figure it was cut on a phone)
    if slide.modelled:
        modelled_badge()
    if slide.figure is not None:
        shown = export.room_for_bar_text(go.Figure(slide.figure), factor=1.4)  # room for labels on a phone too
        shown.update_layout(height=600, font={"size": 16}, title={"text": ""}, margin={"t": 30})
        plotly_chart(shown, key=f"slide_{slide.kind}", table=slide.table, config={"displayModeBar": False})
    if slide.note:
        st.markdown(slide.note)
    source = source_line(slide.sources, language)
    st.caption(source)
    if slide.figure is not None:
        fig, badge = slide.figure, t("modelled", language) if slide.modelled else ""
        with st.container(horizontal=True, gap="small"):
            for ext, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
                st.download_button(
                    ext.upper(),
                    lambda ext=ext: export.image(fig, ext, source, badge=badge),
                    f"servicekartan_{slide.kind}.{ext}",
                    mime,
                    on_click="ignore",
                    key=f"_{ext}",
                    icon=":material/download:",
                )
