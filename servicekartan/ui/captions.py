"""Dataset provenance -> source captions, and the badge that marks a modelled figure."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from servicekartan.i18n import t
from servicekartan.ui.data import meta
from servicekartan.ui.state import lang


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
