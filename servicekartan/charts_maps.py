"""Areas and villages -> framed, offline plotly geo maps (SVG: no tiles, no glyph fonts) with place labels.

Every map is a plotly *geo* subplot drawn from the app's own boundaries (`geo.visible=False`: no world
topojson is fetched), framed by explicit lon/lat ranges around the area's outline plus a margin (plotly
fits the whole range box into the plot, whatever the width), labelled with text traces (SVG text, not tile
glyphs), coloured by classes of equal count where the data is skewed (the legend states each class range),
on Viridis (colour-blind safe). The boundaries' outer rings run clockwise, as d3-geo wants them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from servicekartan import fmt
from servicekartan.chart_style import MISSING_GREY, SEQ_SCALE, base_layout, wrap
from servicekartan.i18n import t
from servicekartan.map_geometry import (  # noqa: F401 - re-exported: the maps' geometry lives there
    MARGIN,
    _bounds,
    _centroid,
    _inside,
    _merc,
    _outer_rings,
    _signed_area,
    clockwise,
    geo_layout,
    in_own_kommun,
    label_point,
    map_height,
    snap_inside,
    subset_geojson,
    view_for,
)

LABEL_FONT = {"size": 12, "color": "#111", "shadow": "0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff"}
# The seat kommun of every län: the labels of the Sverige map (290 kommun names would be unreadable).
SEAT_KOMMUNER = [
    "0180",
    "0380",
    "0480",
    "0580",
    "0680",
    "0780",
    "0880",
    "0980",
    "1080",
    "1280",
    "1380",
    "1480",
    "1780",
    "1880",
    "1980",
    "2080",
    "2180",
    "2281",
    "2380",
    "2480",
    "2580",
]
MAX_LABELS = 14


# ------------------------------------------------------------------------------------------ colours


def colour_classes(values: Iterable[float], lang: str, k: int = 5, reverse: bool = False) -> dict | None:
    """Classes of equal count (quantiles) for skewed values: the class of each value, a stepped Viridis scale
    and a legend naming each class's range. None when the values are too few or too even to class."""
    v = np.asarray(list(values), float)
    v = v[np.isfinite(v)]
    if len(v) < 8:
        return None
    lowest = float(v.min())
    floor = bool((v == lowest).mean() > 1 / k and (v > lowest).sum() >= k)  # e.g. many kommuner at 0 %
    rest = v[v > lowest] if floor else v
    edges = np.unique(np.quantile(rest, np.linspace(0, 1, (k - 1 if floor else k) + 1)))
    if floor:  # the repeated lowest value is a class of its own, the others are split by count
        edges = np.r_[lowest, edges]
    if len(edges) < 3:
        return None
    n = len(edges) - 1
    narrowest = float(np.min(np.diff(edges[1:] if floor else edges)))
    dec = 0 if narrowest >= 5 else 1 if narrowest >= 0.5 else 2
    colours = sample_colorscale(SEQ_SCALE, [i / max(n - 1, 1) for i in range(n)])
    if reverse:
        colours = colours[::-1]
    scale = []
    for i, c in enumerate(colours):
        scale += [[i / n, c], [(i + 1) / n, c]]
    ticks = [f"{fmt.number(edges[i], lang, dec)}–{fmt.number(edges[i + 1], lang, dec)}" for i in range(n)]
    if floor:
        ticks[0] = fmt.number(lowest, lang, dec)
        ticks[1] = f"> {fmt.number(lowest, lang, dec)}–{fmt.number(edges[2], lang, dec)}"
    tickvals = [i + 0.5 for i in range(n)]
    return {"edges": edges, "n": n, "scale": scale, "ticktext": ticks, "tickvals": tickvals, "floor": floor}


def class_of(values: Iterable[float], classes: dict) -> np.ndarray:
    """The class index + 0.5 (the middle of its colour step) of each value."""
    v = np.asarray(list(values), float)
    cls = np.searchsorted(classes["edges"][1:-1], v, side="right")
    if classes.get("floor"):  # only the exact lowest value is in the first class
        cls = np.where(v <= classes["edges"][0], 0, np.maximum(cls, 1))
    return np.clip(cls, 0, classes["n"] - 1) + 0.5


def _colorbar(title: str, classes: dict | None, lang: str) -> dict:
    note = wrap(t("maps.quantiles", lang), 16).replace("<br>", "</sub><br><sub>")
    bar = {"title": {"text": wrap(title, 18) + (f"<br><sub>{note}</sub>" if classes else "")}}
    bar |= {"thickness": 12, "len": 0.8}
    if classes:
        bar |= {"tickvals": classes["tickvals"], "ticktext": classes["ticktext"]}
    return bar


def _anchor(features: list[dict]) -> go.Scattergeo:
    """An invisible point, the figure's FIRST trace: plotly.js (3.x, geo.js `plot`) fetches the world topojson
    from cdn.plot.ly whenever the subplot's first trace has a `locationmode` (every choropleth has one, even
    with its own GeoJSON); a lon/lat scatter has none, so with this first nothing leaves the machine."""
    lon0, lon1, lat0, lat1 = _bounds(features)
    return go.Scattergeo(
        lon=[(lon0 + lon1) / 2],
        lat=[(lat0 + lat1) / 2],
        mode="markers",
        marker={"size": 1, "opacity": 0},
        hoverinfo="skip",
        showlegend=False,
        name="",
    )


def place_labels(
    lon: list[float],
    lat: list[float],
    text: list[str],
    features: list[dict],
    width: int = 560,
    height: int = 520,
    centred: bool = False,
) -> tuple[list[int], list[str]]:
    """Which labels to draw and where (greedy, in the given order of importance): the first of above / below /
    right / left of the point whose box overlaps no label already placed; a label with no free spot is left
    out. Boxes are estimated at a typical plot size (`width` × `height` px) from the framed view."""
    lon0, lon1, lat0, lat1 = _bounds(features)
    sx = width / max(lon1 - lon0, 1e-6)
    sy = height / max(float(_merc(lat1) - _merc(lat0)), 1e-6) / (180 / np.pi)
    scale = min(sx, sy)  # px per degree of longitude (and per Mercator degree of latitude)
    boxes: list[tuple[float, float, float, float]] = []
    keep, where = [], []
    for i, (x, y, name) in enumerate(zip(lon, lat, text, strict=True)):
        px, py = x * scale, float(_merc(y)) * (180 / np.pi) * scale
        w, h = 7.0 * len(str(name)) + 4, 15.0
        options = {
            **({"middle center": (px - w / 2, py - h / 2, px + w / 2, py + h / 2)} if centred else {}),
            "top center": (px - w / 2, py + 4, px + w / 2, py + 4 + h),
            "bottom center": (px - w / 2, py - 4 - h, px + w / 2, py - 4),
            "middle right": (px + 5, py - h / 2, px + 5 + w, py + h / 2),
            "middle left": (px - 5 - w, py - h / 2, px - 5, py + h / 2),
        }
        for pos, b in options.items():
            if centred and pos != "middle center":
                break  # an area's name sits on its area or not at all
            if all(b[2] < o[0] or b[0] > o[2] or b[3] < o[1] or b[1] > o[3] for o in boxes):
                boxes.append(b)
                keep.append(i)
                where.append(pos)
                break
    return keep, where


def _labels_trace(
    lon: list[float], lat: list[float], text: list[str], position: str | list[str] = "middle center"
) -> go.Scattergeo:
    return go.Scattergeo(
        lon=lon,
        lat=lat,
        text=text,
        mode="text",
        textposition=position,
        textfont=LABEL_FONT,
        hoverinfo="skip",
        showlegend=False,
        name="",
    )


# ------------------------------------------------------------------------------------------ figures


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
    height: int | None = None,
    geojson_url: str | None = None,
    label_codes: Iterable[str] | None = None,
) -> go.Figure:
    """Choropleth of areas from a local GeoJSON on a blank (offline) geo map; missing areas grey, never 0.

    With `geojson_url` (the same file served by the app) the figure names the file instead of carrying the
    boundaries: the browser fetches them once. Labels: every area up to MAX_LABELS areas, else the län seats
    (or `label_codes`)."""
    codes = codes if codes is not None else {f["properties"]["code"] for f in geojson["features"]}
    gj = subset_geojson(geojson, codes)
    feats = gj["features"] or geojson["features"]
    src = geojson_url or gj
    vals = values[values["area_code"].isin(codes)].dropna(subset=["value"])
    missing = sorted(codes - set(vals["area_code"]))
    line = {"width": 0.6, "color": "white"}
    fig = go.Figure(_anchor(feats))
    if missing:
        fig.add_trace(
            go.Choropleth(
                geojson=src,
                locations=missing,
                z=[0] * len(missing),
                featureidkey="properties.code",
                colorscale=[[0, MISSING_GREY], [1, MISSING_GREY]],
                showscale=False,
                marker={"line": line},
                text=[f"{names.get(c, c)}: {t('chart.no_data', lang)}" for c in missing],
                hoverinfo="text",
                name="–",
            )
        )
    if not vals.empty:
        classes = colour_classes(vals["value"], lang, reverse=reverse)
        hover = [
            f"{names.get(c, c)}<br>{value_label}: {fmt.number(v, lang, 1)}"
            for c, v in zip(vals["area_code"], vals["value"], strict=True)
        ]
        common = {
            "geojson": src,
            "locations": vals["area_code"],
            "featureidkey": "properties.code",
            "marker": {"line": line},
            "text": hover,
            "hoverinfo": "text",
            "colorbar": _colorbar(value_label, classes, lang),
            "name": "",
        }
        if classes:
            z = class_of(vals["value"], classes)
            fig.add_trace(go.Choropleth(z=z, zmin=0, zmax=classes["n"], colorscale=classes["scale"], **common))
        else:
            fig.add_trace(go.Choropleth(z=vals["value"], colorscale=SEQ_SCALE, reversescale=reverse, **common))
    if highlight and highlight in codes:
        fig.add_trace(
            go.Choropleth(
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
            go.Scattergeo(
                lat=points["lat"],
                lon=points["lon"],
                mode="markers",
                marker={"size": points.get("size", 7), "color": "#222"},
                text=points["label"],
                hoverinfo="text",
                name="",
            )
        )
    wanted = list(label_codes) if label_codes is not None else None
    if wanted is None:
        wanted = sorted(codes) if len(codes) <= MAX_LABELS else [c for c in SEAT_KOMMUNER if c in codes]
    by_code = {f["properties"]["code"]: f for f in feats}
    spots = [(label_point(by_code[c]), names.get(c, c)) for c in wanted if c in by_code]
    if spots:
        lon, lat, text = [p[0] for p, _ in spots], [p[1] for p, _ in spots], [n for _, n in spots]
        keep, where = place_labels(lon, lat, text, feats, centred=True)
        fig.add_trace(_labels_trace([lon[i] for i in keep], [lat[i] for i in keep], [text[i] for i in keep]))
    fig.update_layout(geo=geo_layout(feats), showlegend=False, dragmode=False)
    return base_layout(fig, title, lang, source, height=height or map_height(feats))


def marker_sizes(population: pd.Series, many: bool) -> np.ndarray:
    """Dot sizes (px) by the square root of the population, capped so big towns do not cover their region."""
    root = np.sqrt(population.fillna(50).to_numpy(float))
    return np.clip(2.5 + root / 20, 2.5, 12) if many else np.clip(5 + root / 6, 6, 24)


def village_map(
    villages: pd.DataFrame,
    color_col: str,
    color_label: str,
    title: str,
    lang: str,
    source: str = "",
    height: int | None = None,
    services: pd.DataFrame | None = None,
    highlight: str | None = None,
    cmax: float | None = None,
    outlines: dict | None = None,
    outlines_url: str | None = None,
    n_labels: int = 10,
) -> go.Figure:
    """Villages as dots sized by population (square root, capped) and coloured by a value (e.g. km to the
    nearest service), the biggest places named. Each dot lies in its own kommun's outline (Oknö).

    `outlines` (GeoJSON of kommuner) is drawn underneath as a light base map that needs no tiles; with
    `outlines_url` the figure names the served file instead of carrying the boundaries (see area_choropleth).
    """
    v = in_own_kommun(villages, outlines).sort_values("population", ascending=False, na_position="last")
    if outlines is not None and outlines["features"]:
        feats = outlines["features"]
    else:
        lon0, lon1 = float(v["lon"].min()) - 0.05, float(v["lon"].max()) + 0.05
        lat0, lat1 = float(v["lat"].min()) - 0.03, float(v["lat"].max()) + 0.03
        ring = [[lon0, lat0], [lon0, lat1], [lon1, lat1], [lon1, lat0], [lon0, lat0]]
        feats = [{"geometry": {"type": "Polygon", "coordinates": [ring]}}]
    fig = go.Figure(_anchor(feats))
    if outlines is not None and outlines["features"]:
        codes = [f["properties"]["code"] for f in outlines["features"]]
        fig.add_trace(
            go.Choropleth(
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
    size = marker_sizes(v["population"], many=len(v) > 300)
    has = v[color_col].notna().to_numpy()
    dot_line = {"width": 0.5, "color": "white"}
    if (~has).any():
        fig.add_trace(
            go.Scattergeo(
                lat=v.loc[~has, "lat"],
                lon=v.loc[~has, "lon"],
                mode="markers",
                marker={"size": size[~has], "color": MISSING_GREY, "line": dot_line},
                text=v.loc[~has, "name"] + " (–)",
                hoverinfo="text",
                name="–",
            )
        )
    values = v.loc[has, color_col]
    classes = colour_classes(values, lang)
    marker = {"size": size[has], "line": dot_line, "opacity": 0.9, "colorbar": _colorbar(color_label, classes, lang)}
    if classes:
        marker |= {"color": class_of(values, classes), "colorscale": classes["scale"], "cmin": 0, "cmax": classes["n"]}
    else:
        top = cmax if cmax else float(np.nanmax(values)) if has.any() else 1.0
        marker |= {"color": values, "colorscale": SEQ_SCALE, "cmin": 0, "cmax": top}
    fig.add_trace(
        go.Scattergeo(
            lat=v.loc[has, "lat"],
            lon=v.loc[has, "lon"],
            mode="markers",
            marker=marker,
            # a list, not Series arithmetic: with no value at all the empty float column would not add to text
            text=[
                f"{n}: {fmt.number(x, lang, 1)} {color_label}" for n, x in zip(v.loc[has, "name"], values, strict=True)
            ],
            hoverinfo="text",
            name="",
        )
    )
    if services is not None and not services.empty:
        fig.add_trace(
            go.Scattergeo(
                lat=services["lat"],
                lon=services["lon"],
                mode="markers",
                marker={"size": 7, "color": "#000", "symbol": "diamond"},
                text=services["label"],
                hoverinfo="text",
                name="service",
            )
        )
    named = v.head(n_labels)
    if highlight is not None:
        h = v[v["village_id"] == highlight]
        named = named[named["village_id"] != highlight]
        if not h.empty:
            fig.add_trace(
                go.Scattergeo(
                    lat=h["lat"],
                    lon=h["lon"],
                    mode="markers+text",
                    text=h["name"],
                    textposition="top center",
                    textfont=LABEL_FONT | {"size": 13},
                    marker={"size": 16, "color": "#D55E00", "line": {"width": 1.5, "color": "#000"}},
                    hoverinfo="text",
                    name="",
                )
            )
    if not named.empty:
        keep, where = place_labels(list(named["lon"]), list(named["lat"]), list(named["name"]), feats)
        named = named.iloc[keep]
        fig.add_trace(_labels_trace(list(named["lon"]), list(named["lat"]), list(named["name"]), where))
    fig.update_layout(geo=geo_layout(feats), showlegend=False, dragmode=False)
    return base_layout(fig, title, lang, source, height=height or map_height(feats))
