"""An unknown page path (/nonexistent) says so and offers the overview, instead of silently showing it."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from servicekartan.i18n import t
from servicekartan.ui.url_state import safe_snippet

OVERVIEW = "app_pages/overview.py"


def unknown_path(known: Iterable[str]) -> str | None:
    """The page path the browser asked for when no page has it (None for a known page or the root).

    Streamlit runs the default page for an unknown path; the path it could not resolve is the script run's
    intended page name (read before `st.navigation` resolves it)."""
    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    name = getattr(manager, "intended_page_name", None) if manager is not None else None
    if getattr(manager, "intended_page_script_hash", None) or not name:
        return None
    name = str(name).strip("/")
    if not name or name in set(known):
        return None
    # Resolve to the default page quietly: Streamlit's own notice is an English modal over the page and a
    # console error; this app says it in the page's language instead (`not_found`).
    manager.set_script_intent("", "")
    return name


def not_found(path: str, language: str) -> None:
    """The not-found message with a link to the overview."""
    st.title(t("notfound.title", language))
    st.warning(t("notfound.body", language, path="/" + safe_snippet(path, 60)), icon=":material/travel_explore:")
    st.page_link(OVERVIEW, label=t("notfound.link", language), icon=":material/map:")
