"""Frames -> tables on the page: every column labelled by its name through i18n and numbers in the language's style."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from servicekartan import fmt
from servicekartan.i18n import t


def column_labels(
    columns: Iterable[str],
    lang: str,
    labels: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Column -> header: `headers[col]` as given, else the i18n text of `labels[col]`, else of the column's own name.

    Covers `columns` and every column named in `labels` or `headers` (a table whose optional columns are absent
    this time keeps the same configuration)."""
    labels, headers = labels or {}, headers or {}
    names = dict.fromkeys([*columns, *labels, *headers])
    return {c: headers[c] if c in headers else t(labels.get(c, c), lang) for c in names}


def table(
    frame: pd.DataFrame,
    lang: str,
    decimals: Mapping[str, int] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    key: str | None = None,
    max_rows: int | None = fmt.STYLE_MAX_ROWS,
    style: Callable[[Any], Any] | None = None,
) -> None:
    """Show `frame` (every column of it) without the index, labelled by `column_labels` and formatted by `fmt.styled`.

    `labels` maps a column to another i18n key (e.g. `{"municipality_code": "municipality"}`), `headers` to literal
    text (e.g. a unit built from a service label); `style` may add colours to the Styler."""
    shown = fmt.styled(frame, lang, dict(decimals or {}), max_rows=max_rows)
    if style is not None:
        shown = style(shown)
    st.dataframe(shown, hide_index=True, column_config=column_labels(frame.columns, lang, labels, headers), key=key)
