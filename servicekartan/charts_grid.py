"""Populated 1 km squares + distance to a service type -> a Pipos-style grid map (plotly, offline, pure).

The squares are drawn as ONE heatmap trace on the grid's own lattice (SCB's 1 km grid in SWEREF 99 TM: the
cell id `SCB1km_E{e}N{n}` names the lower-left corner in km), never one shape per square. The heatmap's z is a
small integer class per lattice cell (uint8, sent to the browser as a binary array): the distance band, the same
band paler where the square has fewer than FEW_PEOPLE inhabitants (the population weight), and a transparent
class where nobody lives. The legend is one entry per class (in the page's language) drawn by empty marker
traces, so it survives PNG/SVG export. A what-if colours the squares by their distance after the change and
outlines the affected ones (one line trace). Framing to an area crops the raster to the area's squares plus a margin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from servicekartan import fmt
from servicekartan.chart_style import SOURCE_ANNOTATION
from servicekartan.charts import base_layout
from servicekartan.definitions import THRESHOLDS_KM
from servicekartan.geo import to_sweref
from servicekartan.i18n import t

FEW_PEOPLE = 10  # squares with fewer inhabitants are drawn paler
MARGIN_KM = 8  # around a framed area
SOURCE_ROOM_PX = 20  # the source line's height under the map
LEGEND_BOTTOM_PX = 160  # room under the map for the legend (horizontal) and the source line
HOVER_MAX_CELLS = 80_000  # hover text only on rasters up to this many lattice cells (a kommun or a län)
# Near (blue) to far (red): RdYlBu reversed without its pale middle, colour-blind safe; last = no service.
BAND_COLORS: tuple[str, ...] = ("#313695", "#4575b4", "#74add1", "#fdae61", "#f46d43", "#d73027", "#a50026")
NO_SERVICE_COLOR = "#4d4d4d"
_CELL = re.compile(r"_E(-?\d+)N(-?\d+)$")


def lattice(cell_id: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left corner (km, in the grid's CRS) of each square from its id (`…_E{e}N{n}`)."""
    ids = list(cell_id)
    e, n = np.empty(len(ids), np.int64), np.empty(len(ids), np.int64)
    for i, c in enumerate(ids):
        m = _CELL.search(str(c))
        if m is None:
            raise ValueError(f"not a grid cell id: {c!r}")
        e[i], n[i] = int(m.group(1)), int(m.group(2))
    return e, n


def band_of(distance_km: np.ndarray, edges: Sequence[float] = THRESHOLDS_KM) -> np.ndarray:
    """Distance band per square: 0 = within the first edge … len(edges) = beyond the last; NaN -> no service."""
    d = np.asarray(distance_km, float)
    band = np.searchsorted(np.asarray(edges, float), np.where(np.isnan(d), 0, d), "left")
    return np.where(np.isnan(d), len(edges) + 1, band).astype(np.uint8)


def _pale(hex_color: str, amount: float = 0.6) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    r, g, b = (round(c + (255 - c) * amount) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def class_colors(n_bands: int) -> list[str]:
    """Colours of the classes: bands, no service, the same paler, then transparent (empty)."""
    full = [*BAND_COLORS[:n_bands], NO_SERVICE_COLOR]
    return [*full, *(_pale(c) for c in full), "rgba(0,0,0,0)"]


def _discrete_scale(colors: list[str]) -> list[list]:
    k = len(colors)
    scale = []
    for i, c in enumerate(colors):
        scale += [[i / k, c], [(i + 1) / k, c]]
    return scale


def band_labels(lang: str, edges: Sequence[float] = THRESHOLDS_KM) -> list[str]:
    """Legend text of the bands in the page's language."""
    out = [t("gridmap.band_le", lang, b=fmt.number(edges[0], lang))]
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        out.append(t("gridmap.band", lang, a=fmt.number(a, lang), b=fmt.number(b, lang)))
    out.append(t("gridmap.band_gt", lang, a=fmt.number(edges[-1], lang)))
    return out


def band_table(distance_km: np.ndarray, population: np.ndarray, lang: str) -> pd.DataFrame:
    """The map as a table (its text alternative): people per distance band, and without any service of the type."""
    band = band_of(distance_km)
    people = np.bincount(band, np.asarray(population, float), minlength=len(THRESHOLDS_KM) + 2)
    labels = [*band_labels(lang), t("gridmap.no_service", lang)]
    return pd.DataFrame({"label": labels, "value": [fmt.number(v, lang) for v in people]})


def frame_bounds(e_km: np.ndarray, n_km: np.ndarray, margin_km: int = MARGIN_KM) -> tuple[int, int, int, int]:
    """(e0, e1, n0, n1) in km: the squares' extent plus a margin (e1/n1 exclusive)."""
    return (
        int(e_km.min()) - margin_km,
        int(e_km.max()) + 1 + margin_km,
        int(n_km.min()) - margin_km,
        int(n_km.max()) + 1 + margin_km,
    )


def outline_xy(geojson: dict, codes: set[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Boundary rings (WGS 84 GeoJSON) -> SWEREF 99 TM x, y with NaN between rings (one line trace)."""
    xs, ys = [], []
    for f in geojson.get("features", []):
        props = f.get("properties") or {}
        code = f.get("id") or props.get("code") or props.get("id")
        if codes is not None and str(code) not in codes:
            continue
        g = f.get("geometry") or {}
        polys = g.get("coordinates", []) if g.get("type") == "MultiPolygon" else [g.get("coordinates", [])]
        for poly in polys:
            for ring in poly:
                r = np.asarray(ring, float)
                if r.ndim != 2 or not len(r):
                    continue
                x, y = to_sweref(r[:, 1], r[:, 0])
                xs += [x, [np.nan]]
                ys += [y, [np.nan]]
    if not xs:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)


def grid_map(
    cell_id: Sequence[str],
    distance_km: np.ndarray,
    population: np.ndarray,
    title: str,
    lang: str,
    *,
    frame: np.ndarray | None = None,
    outlines: tuple[np.ndarray, np.ndarray] | None = None,
    area_outline: tuple[np.ndarray, np.ndarray] | None = None,
    points: Sequence[tuple[float, float, str, str]] = (),
    highlight: tuple[Sequence[str], str] | None = None,
    affected_cells: Sequence[str] = (),
    affected_change_km: np.ndarray | None = None,
    source: str = "",
    height: int | None = None,
) -> go.Figure:
    """The grid map: every square of `cell_id` coloured by its distance band, paler under FEW_PEOPLE.

    frame: a boolean mask of the squares to frame (the area's squares); the raster covers their extent plus
    MARGIN_KM, so neighbours show around the area. None frames every square (Sverige). affected_*: the what-if's
    changed squares and their change in distance (km), outlined over the map (pass the distances *after*
    the change as distance_km). area_outline: the framed area's boundary (drawn bold); points: (x, y, name,
    "closed" | "opened" | "place") markers; highlight: (cells, legend label) outlined, e.g. a catchment.
    """
    e, n = lattice(cell_id)
    d = np.asarray(distance_km, float)
    pop = np.asarray(population, float)
    sel = np.ones(len(e), bool) if frame is None or not np.any(frame) else np.asarray(frame, bool)
    e0, e1, n0, n1 = frame_bounds(e[sel], n[sel], MARGIN_KM if frame is not None else 2)
    inside = (e >= e0) & (e < e1) & (n >= n0) & (n < n1)
    nx, ny = e1 - e0, n1 - n0
    edges = THRESHOLDS_KM
    n_full = len(edges) + 2  # bands + no service
    empty = 2 * n_full
    z = np.full((ny, nx), empty, np.uint8)
    code = band_of(d[inside], edges) + np.where(pop[inside] < FEW_PEOPLE, n_full, 0).astype(np.uint8)
    rows, cols = n[inside] - n0, e[inside] - e0
    z[rows, cols] = code
    colors = class_colors(len(edges) + 1)
    heat = go.Heatmap(
        z=z,
        x0=e0 * 1000 + 500,
        dx=1000,
        y0=n0 * 1000 + 500,
        dy=1000,
        zmin=-0.5,
        zmax=empty + 0.5,
        colorscale=_discrete_scale(colors),
        showscale=False,
        name=t("gridmap.squares", lang),
        hoverinfo="skip",
    )
    if nx * ny <= HOVER_MAX_CELLS:
        text = np.full((ny, nx), "", object)
        km_word = t("gridmap.hover_km", lang)
        text[rows, cols] = [
            (f"{fmt.number(k, lang, 1)} {km_word}" if np.isfinite(k) else t("gridmap.no_service", lang))
            + f"<br>{fmt.number(p, lang)} {t('gridmap.hover_people', lang)}"
            for k, p in zip(d[inside], pop[inside], strict=True)
        ]
        heat.update(text=text.tolist(), hovertemplate="%{text}<extra></extra>", hoverinfo=None)
    fig = go.Figure(heat)
    for xy, line in ((outlines, {"color": "#222", "width": 0.8}), (area_outline, {"color": "#000", "width": 2.4})):
        if xy is not None and len(xy[0]):  # the neighbours' boundaries thin, the framed area's bold
            fig.add_trace(
                go.Scatter(
                    x=xy[0],
                    y=xy[1],
                    mode="lines",
                    line=line,
                    hoverinfo="skip",
                    showlegend=False,
                    name=t("gridmap.boundaries", lang),
                )
            )
    if highlight is not None and len(highlight[0]):
        x, y = square_outlines(highlight[0])
        fig.add_trace(
            go.Scatter(
                x=x, y=y, mode="lines", line={"color": "#000", "width": 1.4}, name=highlight[1], hoverinfo="skip"
            )
        )
    if len(affected_cells):
        _overlay(fig, affected_cells, affected_change_km, lang)
    for kind, symbol, color in (("closed", "x", "#000000"), ("opened", "star", "#1b7837"), ("place", "circle", "#000")):
        pts = [p for p in points if p[3] == kind]
        if pts:
            fig.add_trace(
                go.Scatter(
                    x=[p[0] for p in pts],
                    y=[p[1] for p in pts],
                    text=[p[2] for p in pts],
                    mode="markers",
                    marker={"symbol": symbol, "size": 13, "color": color, "line": {"color": "white", "width": 1}},
                    name=t(f"gridmap.{kind}", lang),
                    hovertemplate="%{text}<extra></extra>",
                )
            )
    for label, color in zip([*band_labels(lang, edges), t("gridmap.no_service", lang)], colors, strict=False):
        fig.add_trace(_legend_entry(label, color))
    fig.add_trace(_legend_entry(t("gridmap.few_people", lang, n=FEW_PEOPLE), _pale(BAND_COLORS[1]), "square-open"))
    h = height or (900 if frame is None else 760)
    base_layout(fig, title, lang, source, height=h)
    ax = {"showgrid": False, "zeroline": False, "showticklabels": False, "ticks": "", "showline": False}
    fig.update_xaxes(range=[e0 * 1000, e1 * 1000], constrain="domain", title=None, **ax)
    fig.update_yaxes(range=[n0 * 1000, n1 * 1000], scaleanchor="x", scaleratio=1, constrain="domain", title=None, **ax)
    plot_h = h - fig.layout.margin.t - LEGEND_BOTTOM_PX
    fig.update_layout(
        legend={
            "title": {"text": t("gridmap.legend_title", lang), "side": "top"},
            "itemsizing": "constant",
            "orientation": "h",
            "x": 0.0,
            "y": -SOURCE_ROOM_PX / plot_h,  # under the source line: on a phone its rows grow downwards, into the margin
            "yanchor": "top",
            "font": {"size": 13},
            "entrywidth": 250,  # fixed: plotly measures with a fallback font and clipped the longest labels
            "entrywidthmode": "pixels",
        },
        margin={"r": 10, "b": LEGEND_BOTTOM_PX},
    )
    fig.update_annotations(  # the source line right under the map, above the legend (which may wrap to 9 rows)
        {"y": 0, "yshift": -2, "yanchor": "top"}, selector={"name": SOURCE_ANNOTATION}
    )
    return fig


def _legend_entry(label: str, color: str, symbol: str = "square") -> go.Scatter:
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker={"symbol": symbol, "size": 14, "color": color, "line": {"color": "#555", "width": 1}},
        name=label,
        showlegend=True,
        hoverinfo="skip",
    )


def square_outlines(cells: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The squares' perimeters in metres as one line (NaN between squares)."""
    e, n = lattice(cells)
    ex = np.array([0, 1, 1, 0, 0, np.nan]) * 1000.0
    ny = np.array([0, 0, 1, 1, 0, np.nan]) * 1000.0
    x = (e[:, None] * 1000.0 + ex[None, :]).ravel()
    y = (n[:, None] * 1000.0 + ny[None, :]).ravel()
    return x.astype(np.float32), y.astype(np.float32)


def _overlay(fig: go.Figure, cells: Sequence[str], change_km: np.ndarray | None, lang: str) -> None:
    """The what-if's changed squares outlined over the map (black: farther, green: closer); hover = the change."""
    cells = np.asarray(cells, object)
    ch = np.asarray(change_km if change_km is not None else np.ones(len(cells)), float)
    for mask, color, key in (
        (~(ch < 0), "#000000", "gridmap.affected_farther"),
        (ch < 0, "#1b7837", "gridmap.affected_closer"),
    ):
        if not mask.any():
            continue
        x, y = square_outlines(cells[mask])
        fig.add_trace(
            go.Scatter(x=x, y=y, mode="lines", line={"color": color, "width": 1.6}, name=t(key, lang), hoverinfo="skip")
        )
        e, n = lattice(cells[mask])
        fig.add_trace(
            go.Scatter(
                x=(e * 1000 + 500).astype(np.float32),
                y=(n * 1000 + 500).astype(np.float32),
                mode="markers",
                marker={"size": 4, "color": color, "opacity": 0},
                customdata=np.round(np.where(np.isfinite(ch[mask]), ch[mask], np.nan), 2).astype(np.float32),
                hovertemplate=t("gridmap.change", lang) + ": %{customdata:+.1f}<extra></extra>",
                showlegend=False,
            )
        )
