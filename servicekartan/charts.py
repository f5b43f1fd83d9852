"""Pure DataFrame -> plotly Figure functions (never call Streamlit): bars, lines; maps in charts_maps."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from servicekartan import fmt
from servicekartan.chart_style import (  # noqa: F401 - re-exported
    FONT,
    MISSING_GREY,
    SEQ_SCALE,
    base_layout,
    wrap,
    year_axis,
)
from servicekartan.charts_maps import area_choropleth, subset_geojson, view_for, village_map  # noqa: F401 - re-exported
from servicekartan.definitions import SERVICE_COLORS
from servicekartan.i18n import t


def service_count_bars(
    counts: pd.DataFrame, labels: dict[str, str], title: str, lang: str, source: str = ""
) -> go.Figure:
    """Horizontal bars: number of service points per type, one fixed colour per type."""
    c = counts.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=c["count"],
            y=[labels[s] + (" *" if m else "") for s, m in zip(c["service_type"], c["modelled"], strict=True)],
            orientation="h",
            marker_color=[SERVICE_COLORS[s] for s in c["service_type"]],
            text=[fmt.number(v, lang) for v in c["count"]],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eee")
    return base_layout(fig, title, lang, source, height=380)


def distance_bars(
    nearest: pd.DataFrame,
    labels: dict[str, str],
    title: str,
    lang: str,
    thresholds: tuple[float, ...] = (),
    source: str = "",
    value_col: str = "distance_km",
    axis_label: str = "km",
) -> go.Figure:
    """Distance to the nearest service per type, one fixed colour per type; missing shown as '–', not 0."""
    d = nearest.iloc[::-1]
    vals = d[value_col]
    fig = go.Figure(
        go.Bar(
            x=vals.fillna(0),
            y=[labels.get(s, s) for s in d["service_type"]],
            orientation="h",
            marker_color=[SERVICE_COLORS.get(s, "#777") for s in d["service_type"]],
            marker_pattern_shape=["/" if q == "modelled" else "" for q in d.get("quality", [""] * len(d))],
            text=[fmt.number(v, lang, 1) if pd.notna(v) else "–" for v in vals],
            textposition="outside",
            cliponaxis=False,
            hovertext=[str(n) if pd.notna(n) else "" for n in d.get("name", [""] * len(d))],
            hoverinfo="text+x",
        )
    )
    for km in thresholds:
        fig.add_vline(
            x=km,
            line_dash="dot",
            line_color="#444",
            annotation_text=f"{fmt.number(km, lang)} km",
            annotation_position="top",
        )
    fig.update_xaxes(title=axis_label, showgrid=True, gridcolor="#eee", rangemode="tozero")
    return base_layout(fig, title, lang, source, height=400)


def lines_by_type(
    df: pd.DataFrame,
    labels: dict[str, str],
    title: str,
    lang: str,
    y_label: str,
    source: str = "",
    y_col: str = "distance_km",
) -> go.Figure:
    """One line per service type over years (e.g. distance to the nearest service)."""
    fig = go.Figure()
    for stype, g in df.groupby("service_type", sort=False):
        fig.add_trace(
            go.Scatter(
                x=g["year"],
                y=g[y_col],
                mode="lines+markers",
                name=labels.get(stype, stype),
                line={"color": SERVICE_COLORS.get(stype, "#777"), "width": 3},
            )
        )
    fig.update_xaxes(dtick=1, showgrid=False)
    fig.update_yaxes(title=y_label, rangemode="tozero", gridcolor="#eee")
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return year_axis(base_layout(fig, title, lang, source, height=420))


def population_line(series: pd.DataFrame, title: str, lang: str, source: str = "") -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=series["year"],
            y=series["population"],
            mode="lines+markers+text",
            text=[fmt.number(v, lang) for v in series["population"]],
            textposition="top center",
            line={"color": "#0072B2", "width": 3},
            marker={"size": 10},
        )
    )
    fig.update_xaxes(dtick=1 if len(series) < 12 else 5, showgrid=False)
    fig.update_yaxes(rangemode="tozero", gridcolor="#eee")
    return year_axis(base_layout(fig, title, lang, source, height=320))


def band_bars(bands: pd.DataFrame, title: str, lang: str, color: str = "#0072B2", source: str = "") -> go.Figure:
    """Population per distance band; the 'no service' band in grey."""
    colors = [color] * len(bands)
    if len(bands) and not str(bands["band"].iloc[-1]).endswith("km"):
        colors[-1] = MISSING_GREY
    fig = go.Figure(
        go.Bar(
            x=bands["band"],
            y=bands["population"],
            marker_color=colors,
            text=[fmt.number(v, lang) for v in bands["population"]],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_yaxes(gridcolor="#eee", rangemode="tozero")
    return base_layout(fig, title, lang, source, height=380)


def scenario_bars(
    changes: pd.DataFrame, labels: dict[str, str], title: str, lang: str, unit: str = "km", y_col: str = "pop_change"
) -> go.Figure:
    """People per threshold grouped by service type: the change beyond it (positive = more people far away),
    or with `y_col="people_brought_within"` the people a new service brings within it."""
    fig = go.Figure()
    for stype, g in changes.groupby("service_type", sort=False):
        fig.add_trace(
            go.Bar(
                x=[f"{'>' if y_col == 'pop_change' else '≤'} {fmt.number(t, lang)} {unit}" for t in g["threshold"]],
                y=g[y_col],
                name=labels.get(stype, stype),
                marker_color=SERVICE_COLORS.get(stype, "#777"),
                text=[fmt.signed(v, lang) for v in g[y_col]],
                textposition="outside",
                cliponaxis=False,
            )
        )
    fig.add_hline(y=0, line_color="#444")
    fig.update_yaxes(gridcolor="#eee")
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    return base_layout(fig, title, lang, height=380)


def target_chart(
    series: pd.DataFrame,
    trend: pd.DataFrame,
    target,
    status_label: str,
    title: str,
    lang: str,
    unit: str = "%",
    source: str = "",
    breaks: tuple = (),
) -> go.Figure:
    """An indicator series (one line per series segment) with the target line, the target year and the projection."""
    fig = go.Figure()
    for seg, g in series.groupby("segment"):
        base = str(g["base"].iloc[0]) if "base" in g else ""
        fig.add_trace(
            go.Scatter(
                x=g["year"],
                y=g["value"],
                mode="lines+markers",
                name=t(f"base_{base}", lang) if base else t("series", lang),
                line={"color": "#0072B2", "width": 3, "dash": "solid" if seg == series["segment"].max() else "dot"},
                marker={"size": 9},
                text=[fmt.number(v, lang, 1) for v in g["value"]],
                hovertemplate="%{x}: %{text} " + unit + "<extra></extra>",
            )
        )
    if not trend.empty:
        fig.add_trace(
            go.Scatter(
                x=trend["year"],
                y=trend["value"],
                mode="lines",
                name=t("trend", lang),
                line={"color": "#777", "dash": "dash", "width": 2},
            )
        )
    fig.add_hline(
        y=float(target.value),
        line_color="#D55E00",
        line_width=2,
        line_dash="dash",
        annotation_text=f"{t('chart.target', lang)} {fmt.number(target.value, lang, 1)} {unit}",
        annotation_position="top left",
    )
    fig.add_vline(
        x=int(target.year),
        line_color="#D55E00",
        line_width=1,
        line_dash="dot",
        annotation_text=f"{target.year}: {status_label}",
        annotation_position="top right",
    )
    for b in breaks:
        fig.add_vrect(
            x0=b.year_before,
            x1=b.year_after,
            fillcolor="#999",
            opacity=0.12,
            line_width=0,
            annotation_text=t("chart.series_break", lang),
            annotation_position="bottom left",
        )
    fig.update_xaxes(dtick=1 if series["year"].nunique() < 16 else 5, showgrid=False)
    fig.update_yaxes(title=unit, gridcolor="#eee", rangemode="tozero")
    fig.update_layout(legend={"orientation": "h", "y": -0.18})
    return year_axis(base_layout(fig, title, lang, source, height=440))


def financing_bars(split: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Who pays the investment, as one stacked horizontal bar (kr and share)."""
    palette = ["#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#D55E00", "#999999"]
    fig = go.Figure()
    for i, row in split.reset_index(drop=True).iterrows():
        fig.add_trace(
            go.Bar(
                x=[row["kr"]],
                y=[""],
                orientation="h",
                name=str(row["financier"]),
                marker_color=palette[i % len(palette)],
                text=f"{fmt.number(row['kr'], lang)} kr ({fmt.percent(row['share'] * 100, lang, 0)})",
                textposition="inside",
                insidetextanchor="middle",
            )
        )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(title="kr", gridcolor="#eee")
    return base_layout(fig, title, lang, height=260)


def sensitivity_heatmap(table: pd.DataFrame, title: str, lang: str) -> go.Figure:
    """Annual cost by depreciation years (rows) and interest rate (columns)."""
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[fmt.percent(r * 100, lang, 0) for r in table.columns],
            y=[f"{y:g}" for y in table.index],
            colorscale=SEQ_SCALE,
            text=[[fmt.number(v, lang) for v in row] for row in table.to_numpy()],
            texttemplate="%{text}",
            colorbar={
                "title": {"text": t("chart.kr_per_year", lang)},
                "exponentformat": "none",
                "separatethousands": True,
            },
        )
    )
    fig.update_xaxes(title=t("chart.interest_rate", lang))
    fig.update_yaxes(title=t("chart.years", lang))
    return base_layout(fig, title, lang, height=360)


def population_series(
    series: pd.DataFrame, official_name: str, estimate_name: str, title: str, lang: str, source: str = ""
) -> go.Figure:
    """An area's population over the years: the official counts as a line that breaks where a year is missing
    (None, `connectgaps=False`: never interpolated) and the grid estimate as separate hollow markers."""
    official = [None if v is None or v != v else float(v) for v in series["official"]]
    estimate = [None if v is None or v != v else float(v) for v in series["estimate"]]
    fig = go.Figure(
        go.Scatter(
            x=series["year"],
            y=official,
            mode="lines+markers",
            connectgaps=False,
            name=official_name,
            line={"color": "#0072B2", "width": 3},
            marker={"size": 6},
            hovertext=[fmt.number(v, lang) if v is not None else "" for v in official],
            hoverinfo="x+text",
        )
    )
    if any(v is not None for v in estimate):
        fig.add_trace(
            go.Scatter(
                x=series["year"],
                y=estimate,
                mode="markers",
                name=estimate_name,
                marker={"symbol": "diamond-open", "size": 12, "color": "#D55E00", "line": {"width": 2}},
                hovertext=[fmt.number(v, lang) if v is not None else "" for v in estimate],
                hoverinfo="x+text+name",
            )
        )
    known = [v for v in official + estimate if v is not None]
    last = next(((x, v) for x, v in zip(series["year"][::-1], official[::-1], strict=True) if v is not None), None)
    if last is not None:
        fig.add_annotation(
            x=last[0],
            y=last[1],
            text=f"{last[0]}: {fmt.number(last[1], lang)}",
            showarrow=False,
            xanchor="right",
            yshift=16,
            font={"color": "#0072B2"},
        )
    fig.update_xaxes(dtick=10, showgrid=False)
    fig.update_yaxes(rangemode="tozero", gridcolor="#eee", range=[0, max(known) * 1.12] if known else None)
    fig.update_layout(legend={"orientation": "h", "y": -0.15}, showlegend=True)
    return year_axis(base_layout(fig, title, lang, source, height=360))


def share_within_bars(
    shares: pd.DataFrame,
    labels: dict[str, str],
    title: str,
    lang: str,
    points: dict[str, float] | None = None,
    points_name: str = "",
    source: str = "",
) -> go.Figure:
    """Share (%) of the basis within a threshold per service type (modelled layers hatched); optionally the
    tätort-point figure of each type as a black tick beside its bar (the labelled alternative basis)."""
    d = shares.iloc[::-1]
    # the share is written in the axis label: no text on the (hatched) bars or over the tätort-point ticks
    names = [
        f"{labels.get(s, s)}  {fmt.percent(v, lang)}" for s, v in zip(d["service_type"], d["share_within"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=d["share_within"],
            y=names,
            orientation="h",
            marker_color=[SERVICE_COLORS.get(s, "#777") for s in d["service_type"]],
            marker_pattern_shape=["/" if q == "modelled" else "" for q in d["quality"]],
            hoverinfo="y",
            showlegend=False,
        )
    )
    if points:
        fig.add_trace(
            go.Scatter(
                x=[points.get(s) for s in d["service_type"]],
                y=names,
                mode="markers",
                name=points_name,
                marker={"symbol": "line-ns-open", "size": 18, "color": "#222", "line": {"width": 3}},
            )
        )
    fig.update_xaxes(range=[0, 105], title="%", gridcolor="#eee")
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return base_layout(fig, title, lang, source, height=380).update_layout(margin_l=30)
