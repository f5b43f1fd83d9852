"""Accessibility and small-screen layer (WCAG 2.1 AA, lag 2018:1937): page language, contrast, phone layout CSS,
and every chart drawn with a table alternative (the figure's own data as a table under it)."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from servicekartan import fmt
from servicekartan.i18n import lang_code, t
from servicekartan.ui.state import lang as current_lang

# Constant CSS (never user text). Captions and faded help texts darkened to a contrast ≥ 4.5:1 on white and on
# the sidebar's grey; at phone width the plotly toolbar is hidden (it covered the chart titles), the main
# block uses the full width, and wide content (code blocks, tables, images) scrolls inside itself instead of
# widening the page.
CSS = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stSidebar"] [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] p, [data-testid="stMetricLabel"] p,
[data-testid="stExpander"] summary p, [data-testid="stMarkdownContainer"] small {color: #4a4d57 !important;}
[data-testid="stCaptionContainer"] {opacity: 1 !important;}
[data-testid="stMain"] pre, [data-testid="stMain"] .katex-display {max-width: 100%; overflow-x: auto;}
[data-testid="stMarkdownContainer"] table {display: block; max-width: 100%; overflow-x: auto;}
[data-testid="stMain"] img, [data-testid="stMain"] svg.main-svg {max-width: 100%;}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {overflow-wrap: anywhere;}
@media (max-width: 640px) {
  .modebar-container {display: none !important;}
  [data-testid="stMainBlockContainer"], .block-container {padding-left: 0.8rem; padding-right: 0.8rem; padding-top: 2.5rem;}
  [data-testid="stMetricValue"] {font-size: 1.7rem;}
  h1 {font-size: 1.8rem !important;}
}
</style>
"""
LANG_JS = "<script>document.documentElement.lang = '{code}';</script>"
MAX_TABLE_ROWS = 100_000
TABLE_ROWS = 300  # shown in the expander (a national map has ~2,000 places; the page's own tables hold all)


def apply(language: str) -> None:
    """Once per run: the CSS above, and <html lang> set to the page's language (Streamlit's page says "en")."""
    st.markdown(CSS, unsafe_allow_html=True)
    # lang_code() returns "sv" or "en" (a constant of the catalog, never user text)
    st.html(LANG_JS.format(code=lang_code(language)), unsafe_allow_javascript=True, width="content")


_TAGS = re.compile(r"<[^>]+>")


def _plain(text: object) -> str:
    return " ".join(_TAGS.sub(" ", str(text)).split())  # a wrapped title's <br> is a space, not a dash


def _numeric(values: list) -> bool:
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _value(v: object, language: str) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return fmt.number(v, language, 0 if float(v).is_integer() else 1)
    return "" if v is None else str(v)


def figure_table(fig: go.Figure, language: str) -> pd.DataFrame:
    """The figure's data as rows (series, label, value): bars and lines by category, maps by their hover texts
    (which name the place and its value), heatmaps cell by cell. Decoration (labels, outlines) is left out."""
    rows: list[tuple[str, str, str]] = []
    for tr in fig.data:
        if getattr(tr, "hoverinfo", None) == "skip" or getattr(tr, "mode", None) == "text":
            continue
        name = _plain(getattr(tr, "name", "") or "")
        kind = tr.type
        if kind in ("choropleth", "choroplethmap", "scattergeo", "scattermap"):
            texts = tr.text if tr.text is not None and not isinstance(tr.text, str) else []
            rows += [(name, _plain(x), "") for x in texts]
        elif kind == "heatmap":
            xs, ys = list(tr.x or []), list(tr.y or [])
            cells = tr.text if tr.text is not None else tr.z
            for y, row in zip(ys, cells, strict=False):
                rows += [(str(y), str(x), _value(v, language)) for x, v in zip(xs, row, strict=False)]
        elif kind in ("bar", "scatter"):
            xs, ys = list(tr.x if tr.x is not None else []), list(tr.y if tr.y is not None else [])
            if getattr(tr, "orientation", None) == "h" or (_numeric(xs) and not _numeric(ys)):
                xs, ys = ys, xs  # the category is the label, the number the value (horizontal bars, dot rows)
            rows += [(name, _plain(x), _value(y, language)) for x, y in zip(xs, ys, strict=False) if y is not None]
    df = pd.DataFrame(rows, columns=["series", "label", "value"])
    for col in ("series", "value"):
        if (df[col] == "").all():
            df = df.drop(columns=col)
    return df.head(MAX_TABLE_ROWS)


def plotly_chart(fig: go.Figure, key: str, table: pd.DataFrame | None = None, **kwargs: Any) -> None:
    """st.plotly_chart plus, under it, an expander with the figure's data as a table (a text alternative for
    screen readers and keyboard users, WCAG 1.1.1); the toolbar only on hover (and never on a phone, see CSS)."""
    language = current_lang()
    config = {"displayModeBar": "hover", "displaylogo": False, **kwargs.pop("config", {})}
    st.plotly_chart(fig, key=key, config=config, **kwargs)
    table = figure_table(fig, language) if table is None else table  # given: e.g. a raster map's people per band
    if table.empty:
        return
    title = _plain(fig.layout.title.text or "") if fig.layout.title else ""
    with st.expander(t("a11y.chart_data", language) + (f": {title}" if title else "")):
        labels = {"series": t("a11y.series", language), "label": t("a11y.label", language)}
        shown = table.head(TABLE_ROWS).rename(columns=labels | {"value": t("a11y.value", language)})
        st.table(shown.set_index(shown.columns[0]))  # a real HTML table: what screen readers read best
        if len(table) > TABLE_ROWS:
            st.caption(t("a11y.first_rows", language, n=TABLE_ROWS, total=fmt.number(len(table), language)))
