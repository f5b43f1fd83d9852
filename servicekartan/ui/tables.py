"""Frames -> tables on the page: every column labelled by its name through i18n and numbers in the language's style."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from servicekartan import fmt
from servicekartan.i18n import column_label, t


def column_labels(
    columns: Iterable[str],
    lang: str,
    labels: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Column -> header: `headers[col]` as given, else the i18n text of the key `labels[col]`, else the column's
    header in the catalog (`i18n.column_label`: `col.<name>`, or the name itself).

    Covers `columns` and every column named in `labels` or `headers` (a table whose optional columns are absent
    this time keeps the same configuration)."""
    labels, headers = labels or {}, headers or {}
    names = dict.fromkeys([*columns, *labels, *headers])
    return {
        c: headers[c] if c in headers else t(labels[c], lang) if c in labels else column_label(c, lang) for c in names
    }


def table(
    frame: pd.DataFrame,
    lang: str,
    decimals: Mapping[str, int] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    key: str | None = None,
    max_rows: int | None = None,  # kept for callers; every table is formatted text now (any length)
    style: Callable[[Any], Any] | None = None,
    column_config: Mapping[str, Any] | None = None,
) -> None:
    """Show `frame` (every column of it) without the index, labelled by `column_labels` and formatted by `fmt.styled`.

    `labels` maps a column to another i18n key (e.g. `{"municipality_code": "municipality"}`), `headers` to literal
    text (e.g. a unit built from a service label); `style` may add colours to the Styler."""
    # numbers as text in the page's style, whatever the length of the table (fmt.formatted: read out as shown)
    shown: Any = fmt.formatted(frame, lang, dict(decimals or {}))
    if style is not None:  # colours (a Styler over the formatted text)
        shown = style(shown.style)
    config = {**_column_config(frame, lang, labels, headers), **(column_config or {})}
    st.dataframe(shown, hide_index=True, column_config=config, key=key)


def _column_config(
    frame: pd.DataFrame,
    lang: str,
    labels: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Headers for every column; number columns right-aligned also when a long table shows them as text."""
    heads = column_labels(frame.columns, lang, labels, headers)
    numbers = set(fmt.number_columns(frame))
    return {c: st.column_config.Column(h, alignment="right") if c in numbers else h for c, h in heads.items()}
