"""This session's language, presenter mode and chosen area, read from session state or the URL."""

from __future__ import annotations

import streamlit as st

from servicekartan.areas import COUNTRY_CODE
from servicekartan.i18n import DEFAULT_LANG, LANGS


def lang() -> str:
    """The session's language ("sv" or "en"): the switch, else `?lang=`, else the default."""
    value = st.session_state.get("lang")
    if value in LANGS:
        return value
    raw = st.query_params.get("lang")
    return raw if raw in LANGS else DEFAULT_LANG


def presenting() -> bool:
    return bool(st.session_state.get("present"))


def current_area() -> str:
    """The area picked in the sidebar (Sverige until the picker has run)."""
    return st.session_state.get("area", COUNTRY_CODE)
