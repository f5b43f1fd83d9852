"""Presenter deck: slide kinds -> (title, figure, sources, modelled) built from the datasets and the shared selection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from servicekartan import areas, charts, fmt, places, views
from servicekartan.chart_style import wrap
from servicekartan.definitions import COUNTRY_CODE, SERVICE_TYPE_IDS, service_label
from servicekartan.i18n import indicator_label, t


@dataclass
class Context:
    """What a slide may use: the loaded datasets and the user's shared selection."""

    frames: dict[str, pd.DataFrame]
    lang: str
    area: str = COUNTRY_CODE
    village: str | None = None
    service_type: str = "grocery"
    km: int = 10
    year: int | None = None
    names: dict[str, str] = field(default_factory=dict)
    geojson: dict | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Slide:
    kind: str
    title: str
    figure: go.Figure | None
    sources: tuple[str, ...]
    modelled: bool = False
    note: str = ""
    table: pd.DataFrame | None = None  # the chart's text alternative when its own data is no table (a raster map)


def _year(ctx: Context) -> int:
    access = ctx.frames.get("village_access")
    years = sorted(access["year"].unique()) if access is not None else [2020]
    return ctx.year if ctx.year in years else int(years[-1])


def villages_population(ctx: Context) -> Slide:
    v = views.villages_in_area(ctx.frames["villages"], ctx.frames["population"], ctx.area).head(15)
    title = f"{t(places.villages_heading_key(ctx.frames['villages']), ctx.lang)}: {ctx.names.get(ctx.area, ctx.area)}"
    fig = go.Figure(
        go.Bar(
            x=v["population"],
            y=v["name"],
            orientation="h",
            marker_color="#0072B2",
            text=[fmt.number(p, ctx.lang) for p in v["population"]],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("population", ctx.lang), gridcolor="#eee")
    return Slide(
        "villages_population", title, charts.base_layout(fig, title, ctx.lang, height=620), ("villages", "population")
    )


def village_distances(ctx: Context) -> Slide:
    access = ctx.frames["village_access"]
    vid = ctx.village if ctx.village in set(ctx.frames["villages"]["village_id"]) else None
    if vid is None:
        vid = views.villages_in_area(ctx.frames["villages"], ctx.frames["population"], ctx.area)["village_id"].iloc[0]
    name = ctx.frames["villages"].set_index("village_id").loc[vid, "name"]
    year = _year(ctx)
    near = views.nearest_services(access, ctx.frames["services"], vid, year)
    labels = {s: service_label(s, ctx.lang) for s in SERVICE_TYPE_IDS}
    title = f"{t('distance_per_type', ctx.lang)}: {name}, {year}"
    fig = charts.distance_bars(near, labels, title, ctx.lang, thresholds=(ctx.km,))
    fig.update_layout(height=620)
    return Slide(
        "village_distances", title, fig, ("village_access", "services"), bool((near["quality"] == "modelled").any())
    )


def kommun_map(ctx: Context) -> Slide:
    ind = ctx.frames["indicators"]
    iid = f"share_beyond_{ctx.km}km_{ctx.service_type}"
    if iid not in set(ind["indicator_id"].unique()):
        iid = "tatort_population"
    years = sorted(ind.loc[(ind["indicator_id"] == iid) & (ind["level"] == "municipality"), "year"].unique())
    year = ctx.year if ctx.year in years else int(years[-1])
    county = areas.enclosing_county(ctx.area)
    values = views.kommun_values(ind, iid, year, None if county == COUNTRY_CODE else county)
    codes = set(areas.kommuner_in(county, ctx.names))
    label = indicator_label(iid, ctx.lang)
    title = f"{label}, {year}"
    fig = charts.area_choropleth(
        values,
        ctx.geojson,
        ctx.names,
        "%" if iid.startswith("share") else label,
        title,
        ctx.lang,
        codes=codes,
        highlight=ctx.area if areas.is_kommun(ctx.area) else None,
        height=620,
    )
    return Slide("kommun_map", title, fig, ("indicators",), bool((values["quality"] == "modelled").any()))


def access_bands(ctx: Context) -> Slide:
    year = _year(ctx)
    table = views.village_table(
        ctx.frames["villages"],
        ctx.frames["population"],
        ctx.frames["village_access"],
        ctx.area,
        year,
        ctx.service_type,
        ctx.km,
    )
    s = service_label(ctx.service_type, ctx.lang).lower()
    title = f"{t('bands_title', ctx.lang, s=s, y=year)} — {ctx.names.get(ctx.area, ctx.area)}"
    from servicekartan.definitions import SERVICE_COLORS

    fig = charts.band_bars(
        views.distance_bands(table, ctx.lang), title, ctx.lang, color=SERVICE_COLORS[ctx.service_type]
    )
    fig.update_layout(height=620)
    return Slide("access_bands", title, fig, ("village_access",), bool((table["quality"] == "modelled").any()))


# kind -> builder; pages and other modules add kinds with `register`.
KINDS: dict[str, Callable[[Context], Slide]] = {
    "villages_population": villages_population,
    "village_distances": village_distances,
    "kommun_map": kommun_map,
    "access_bands": access_bands,
}
DEFAULT_DECK: tuple[str, ...] = ("villages_population", "village_distances", "kommun_map", "access_bands")


def register(kind: str, builder: Callable[[Context], Slide], default: bool = True) -> None:
    global DEFAULT_DECK
    KINDS[kind] = builder
    if default and kind not in DEFAULT_DECK:
        DEFAULT_DECK = (*DEFAULT_DECK, kind)


def parse_deck(raw: str | None) -> tuple[list[str], list[str]]:
    """A deck from the URL (`deck=kind,kind`): (known kinds, unknown entries)."""
    if not raw:
        return list(DEFAULT_DECK), []
    items = [x.strip() for x in str(raw).split(",") if x.strip()]
    good = [x for x in items if x in KINDS]
    return (good or list(DEFAULT_DECK)), [x for x in items if x not in KINDS]


def build(kind: str, ctx: Context) -> Slide:
    return KINDS[kind](ctx)


def target_broadband(ctx: Context) -> Slide:
    """The national (or the area's) broadband series toward the 95 % goal of 2020."""
    from servicekartan import targets

    reg = targets.load_targets().set_index("target_id")
    row = reg.loc["broadband_2020_95"].to_dict() | {"target_id": "broadband_2020_95"}
    area = (
        ctx.area if not targets.series_for(ctx.frames["indicators"], "broadband_100", ctx.area).empty else COUNTRY_CODE
    )
    series = targets.series_for(ctx.frames["indicators"], "broadband_100", area)
    status = targets.evaluate(series, row, as_of=ctx.extra.get("as_of"))
    title = f"{status.target.name(ctx.lang)} — {ctx.names.get(area, area)}"
    fig = charts.target_chart(
        series,
        targets.trend_frame(status),
        status.target,
        status.label(ctx.lang),
        title,
        ctx.lang,
        unit=status.target.unit or "%",
        breaks=status.breaks,
    )
    fig.update_layout(height=620)
    return Slide("target_broadband", title, fig, ("indicators",), note=status.sentence(ctx.lang))


def servicepoint_effect(ctx: Context) -> Slide:
    """What the village's registered servicepunkt added: distance per service type the year before and after it opened."""
    from servicekartan import servicepoints

    reg = servicepoints.load_register(villages=ctx.frames["villages"])
    vid = ctx.village if ctx.village in set(reg["village_id"]) else reg["village_id"].iloc[0]
    sp = reg[reg["village_id"] == vid].iloc[0]
    types = servicepoints.split_list(sp["service_types"])
    opened = int(sp["opened"])
    a = ctx.frames["village_access"]
    a = a[(a["village_id"] == vid) & a["service_type"].isin(types) & a["year"].isin([opened - 1, opened])]
    fig = go.Figure()
    for year, color in ((opened - 1, "#999999"), (opened, "#009E73")):
        g = a[a["year"] == year]
        fig.add_trace(
            go.Bar(
                x=[service_label(s, ctx.lang) for s in g["service_type"]],
                y=g["distance_km"],
                name=str(year),
                marker_color=color,
                text=[fmt.km(v, ctx.lang) for v in g["distance_km"]],
                textposition="outside",
            )
        )
    title = t("slide.servicepoint_effect", ctx.lang, name=sp["name"], year=opened)
    if a.empty:  # e.g. a one-snapshot build: say so instead of drawing empty axes
        fig.add_annotation(
            text=wrap(t("deck.no_before_after", ctx.lang, y0=opened - 1, y1=opened), 60),
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            font={"size": 20, "color": "#444"},
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    fig.update_yaxes(title="km", gridcolor="#eee", rangemode="tozero")
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
    fig = charts.base_layout(fig, title, ctx.lang, height=620)
    return Slide(
        "servicepoint_effect", title, fig, ("village_access", "servicepoints"), bool((a["quality"] == "modelled").any())
    )


def financing(ctx: Context) -> Slide:
    """How the registered servicepunkt (Fliseryd) was financed."""
    from servicekartan import costs

    split = costs.financing_split(costs.FLISERYD_ACTUAL, ctx.lang)
    title = t("financing_split", ctx.lang) + " — Servicepunkt Fliseryd"
    fig = charts.financing_bars(split, title, ctx.lang)
    fig.update_layout(height=420)
    return Slide("financing", title, fig, ("servicepoints",), note=costs.fliseryd_note(ctx.lang))


def grid_map(ctx: Context) -> Slide:
    """Everyone on the 1 km grid, coloured by distance to the chosen service type, framed to the area. The figure
    is drawn by the provider the app passes as `ctx.extra["grid_map"]` (area, type, language -> Slide), which
    holds the shared grid state; without one the slide says where the map is."""
    draw = ctx.extra.get("grid_map")
    if draw is not None:
        return draw(ctx.area, ctx.service_type, ctx.lang)
    title = t("gridmap.header", ctx.lang)
    return Slide("grid_map", title, None, ("grid_population", "services"), note=t("deck.grid_map_in_app", ctx.lang))


KINDS.update(
    {
        "target_broadband": target_broadband,
        "servicepoint_effect": servicepoint_effect,
        "financing": financing,
        "grid_map": grid_map,
    }
)
DEFAULT_DECK = (
    "villages_population",
    "village_distances",
    "servicepoint_effect",
    "target_broadband",
    "kommun_map",
    "grid_map",
    "access_bands",
    "financing",
)
# The slide each page adds to the deck with "save view".
PAGE_SLIDE: dict[str, str] = {
    "page_overview": "kommun_map",
    "page_villages": "village_distances",
    "page_access": "grid_map",
    "page_targets": "target_broadband",
    "page_servicepoints": "financing",
}
