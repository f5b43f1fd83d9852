"""Pure DataFrame -> plotly Figure functions (never call Streamlit): maps, bars, lines."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from servicekartan import fmt
from servicekartan.definitions import SERVICE_COLORS
from servicekartan.i18n import t

FONT = "Source Sans 3, Helvetica, Arial, sans-serif"
SEQ_SCALE = "Viridis"  # perceptually uniform and colour-blind safe
MISSING_GREY = "#d9d9d9"


def wrap(text: str, width: int = 42) -> str:
    """Break a long title into lines (plotly titles do not wrap by themselves)."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


def base_layout(fig: go.Figure, title: str, lang: str, source: str = "", height: int = 480) -> go.Figure:
    """Common look: title, Swedish/English separators, the source as an annotation under the plot."""
    lines = wrap(title).count("<br>")
    fig.update_layout(
        title={"text": wrap(title), "x": 0.01, "xanchor": "left", "font": {"size": 18}},
        separators=fmt.plotly_separators(lang),
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 50 + 22 * lines, "b": 60 if source else 20},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    # Axis numbers in full with the language's grouping ("1 000", "100 000", "1 600 000"), never "100k" or "1,6M".
    fig.update_xaxes(exponentformat="none", separatethousands=True)
    fig.update_yaxes(exponentformat="none", separatethousands=True)
    if source:
        fig.add_annotation(
            text=source,
            xref="paper",
            yref="paper",
            x=0,
            y=-0.02,
            yanchor="top",
            xanchor="left",
            showarrow=False,
            font={"size": 10, "color": "#555"},
        )
    return fig


def _bounds(features: list[dict]) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for f in features:
        coords = f["geometry"]["coordinates"]
        polys = coords if f["geometry"]["type"] == "MultiPolygon" else [coords]
        for poly in polys:
            arr = np.asarray(poly[0], float)
            xs.append(arr[:, 0])
            ys.append(arr[:, 1])
    x, y = np.concatenate(xs), np.concatenate(ys)
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


def view_for(features: list[dict], height: int = 560, width: int = 700) -> tuple[dict, float]:
    """Centre and zoom that fit the features (web-mercator zoom from the bounding box)."""
    lon0, lon1, lat0, lat1 = _bounds(features)
    center = {"lon": (lon0 + lon1) / 2, "lat": (lat0 + lat1) / 2}

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    lon_span = max(lon1 - lon0, 0.01)
    y_span = max(merc(lat1) - merc(lat0), 0.0002)
    zoom_x = math.log2(width / 512 * 360 / lon_span)  # MapLibre uses 512 px tiles
    zoom_y = math.log2(height / 512 * 2 * math.pi / y_span)
    return center, max(min(zoom_x, zoom_y) - 0.15, 0)


def subset_geojson(geojson: dict, codes: set[str]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [f for f in geojson["features"] if f["properties"]["code"] in codes],
    }


def area_choropleth(
    values: pd.DataFrame,
    geojson: dict,
    names: dict[str, str],
    value_label: str,
    title: str,
    lang: str,
    source: str = "",
    codes: set[str] | None = None,
    highlight: str | None = None,
    reverse: bool = False,
    points: pd.DataFrame | None = None,
    height: int = 560,
    geojson_url: str | None = None,
) -> go.Figure:
    """Choropleth of areas from a local GeoJSON on a blank (offline) map; missing areas drawn grey, not as 0.

    With `geojson_url` (the same file served by the app) the figure names the file instead of carrying the
    boundaries: the browser fetches them once, and the server neither copies nor sends them per page view."""
    codes = codes if codes is not None else {f["properties"]["code"] for f in geojson["features"]}
    gj = subset_geojson(geojson, codes)
    src = geojson_url or gj
    vals = values[values["area_code"].isin(codes)].dropna(subset=["value"])
    missing = sorted(codes - set(vals["area_code"]))
    fig = go.Figure()
    if missing:
        fig.add_trace(
            go.Choroplethmap(
                geojson=src,
                locations=missing,
                z=[0] * len(missing),
                featureidkey="properties.code",
                colorscale=[[0, MISSING_GREY], [1, MISSING_GREY]],
                showscale=False,
                marker={"line": {"width": 0.5, "color": "white"}},
                text=[f"{names.get(c, c)}: {t('chart.no_data', lang)}" for c in missing],
                hoverinfo="text",
                name="–",
            )
        )
    if not vals.empty:
        fig.add_trace(
            go.Choroplethmap(
                geojson=src,
                locations=vals["area_code"],
                z=vals["value"],
                featureidkey="properties.code",
                colorscale=SEQ_SCALE,
                reversescale=reverse,
                marker={"line": {"width": 0.5, "color": "white"}},
                colorbar={"title": {"text": value_label}, "thickness": 12},
                text=[names.get(c, c) for c in vals["area_code"]],
                hovertemplate="%{text}<br>" + value_label + ": %{z:,.1f}<extra></extra>",
            )
        )
    if highlight and highlight in codes:
        fig.add_trace(
            go.Choroplethmap(
                geojson=geojson_url or subset_geojson(gj, {highlight}),
                locations=[highlight],
                z=[1],
                featureidkey="properties.code",
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker={"line": {"width": 3, "color": "#000"}},
                hoverinfo="skip",
            )
        )
    if points is not None and not points.empty:
        fig.add_trace(
            go.Scattermap(
                lat=points["lat"],
                lon=points["lon"],
                mode="markers",
                marker={"size": points.get("size", 7), "color": "#222"},
                text=points["label"],
                hoverinfo="text",
                name="",
            )
        )
    center, zoom = view_for(gj["features"] or geojson["features"], height=height)
    fig.update_layout(map={"style": "white-bg", "center": center, "zoom": zoom}, showlegend=False)
    return base_layout(fig, title, lang, source, height=height)


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


def village_map(
    villages: pd.DataFrame,
    color_col: str,
    color_label: str,
    title: str,
    lang: str,
    source: str = "",
    height: int = 560,
    services: pd.DataFrame | None = None,
    highlight: str | None = None,
    cmax: float | None = None,
    outlines: dict | None = None,
    outlines_url: str | None = None,
) -> go.Figure:
    """Villages as dots sized by population and coloured by a value (e.g. km to the nearest service).

    `outlines` (GeoJSON of kommuner) is drawn underneath as a light base map that needs no tiles; with
    `outlines_url` the figure names the served file instead of carrying the boundaries (see area_choropleth).
    """
    v = villages.copy()
    fig = go.Figure()
    if outlines is not None and outlines["features"]:
        codes = [f["properties"]["code"] for f in outlines["features"]]
        fig.add_trace(
            go.Choroplethmap(
                geojson=outlines_url or outlines,
                locations=codes,
                z=[0] * len(codes),
                featureidkey="properties.code",
                colorscale=[[0, "#f4f4f4"], [1, "#f4f4f4"]],
                showscale=False,
                marker={"line": {"width": 0.8, "color": "#9a9a9a"}},
                hoverinfo="skip",
            )
        )
    size = np.clip(np.sqrt(v["population"].fillna(50).to_numpy()) / 3, 4, 28)
    has = v[color_col].notna().to_numpy()
    if (~has).any():
        fig.add_trace(
            go.Scattermap(
                lat=v.loc[~has, "lat"],
                lon=v.loc[~has, "lon"],
                mode="markers",
                marker={"size": size[~has], "color": MISSING_GREY},
                text=v.loc[~has, "name"] + " (–)",
                hoverinfo="text",
                name="–",
            )
        )
    fig.add_trace(
        go.Scattermap(
            lat=v.loc[has, "lat"],
            lon=v.loc[has, "lon"],
            mode="markers",
            marker={
                "size": size[has],
                "color": v.loc[has, color_col],
                "colorscale": SEQ_SCALE,
                "reversescale": False,
                "cmin": 0,
                "cmax": cmax if cmax else float(np.nanmax(v[color_col])) if has.any() else 1,
                "colorbar": {"title": {"text": color_label}, "thickness": 12},
                "opacity": 0.85,
            },
            # a list, not Series arithmetic: with no value at all (e.g. village_access missing) the empty
            # float column would not add to the text column (TypeError)
            text=[
                f"{n}: {fmt.number(x, lang, 1)}" for n, x in zip(v.loc[has, "name"], v.loc[has, color_col], strict=True)
            ],
            hoverinfo="text",
            name="",
        )
    )
    if services is not None and not services.empty:
        fig.add_trace(
            go.Scattermap(
                lat=services["lat"],
                lon=services["lon"],
                mode="markers",
                marker={"size": 7, "color": "#000", "symbol": "circle"},
                text=services["label"],
                hoverinfo="text",
                name="service",
            )
        )
    if highlight is not None:
        h = v[v["village_id"] == highlight]
        if not h.empty:
            fig.add_trace(
                go.Scattermap(
                    lat=h["lat"],
                    lon=h["lon"],
                    mode="markers",  # no text layer: map labels would fetch glyph fonts from a CDN
                    text=h["name"],
                    marker={"size": 16, "color": "#D55E00"},
                    hoverinfo="text",
                    name="",
                )
            )
    if outlines is not None and outlines["features"]:
        center, zoom = view_for(outlines["features"], height=height)
    else:
        lat0, lat1 = float(v["lat"].min()), float(v["lat"].max())
        lon0, lon1 = float(v["lon"].min()), float(v["lon"].max())
        box = {
            "geometry": {"type": "Polygon", "coordinates": [[[lon0 - 0.05, lat0 - 0.03], [lon1 + 0.05, lat1 + 0.03]]]}
        }
        center, zoom = view_for([box], height=height)
    fig.update_layout(map={"style": "white-bg", "center": center, "zoom": zoom}, showlegend=False)
    return base_layout(fig, title, lang, source, height=height)


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
    return base_layout(fig, title, lang, source, height=420)


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
    return base_layout(fig, title, lang, source, height=320)


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
    return base_layout(fig, title, lang, source, height=440)


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
    return base_layout(fig, title, lang, source, height=360)


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
