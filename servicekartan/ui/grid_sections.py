"""Catchments, the grid what-if and the grid map -> page sections (access, villages, servicepoints), cached.

The heavy state (the latest grid year's squares and their tree; per service type the nearest point of every square)
is built once per data version and shared by every session (st.cache_resource); figures and tables are memoised
per (area, type, language) with the versions of the datasets they read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from servicekartan import catchments, charts_grid, downloads, fmt, quality, slides
from servicekartan.charts import base_layout
from servicekartan.definitions import COUNTRY_CODE, SERVICE_COLORS, service_label
from servicekartan.grid_views import is_modelled
from servicekartan.grid_whatif import GridBase, GridScenario, TypeState, scenario
from servicekartan.i18n import t
from servicekartan.ui.a11y import plotly_chart
from servicekartan.ui.captions import quality_badges, source_caption
from servicekartan.ui.data import data_dir, load, meta, own_key, region_names, versions
from servicekartan.ui.geo_files import geojson
from servicekartan.ui.shared_memo import memo as _memo
from servicekartan.ui.tables import table

DATASETS = ("grid_population", "services", "villages", "population")
LICENCE = "SCB data: CC0 1.0; OpenStreetMap-derived points: ODbL 1.0 (© OpenStreetMap contributors)"


def _key(*parts: object) -> tuple:
    return (*parts, data_dir(), versions(*DATASETS))


def memo(key: tuple, compute):  # noqa: ANN001, ANN201 - the shared memo with this module's dataset versions
    return _memo(_key(*key), compute)


@st.cache_resource(show_spinner=False, max_entries=2)
def _base(directory: str, mtime: float) -> GridBase:
    return GridBase.build(catchments.squares(load("grid_population")))


def grid_base() -> GridBase:
    """The latest grid year's inhabited squares and their tree (shared)."""
    return _base(data_dir(), versions("grid_population")[0])


@st.cache_resource(show_spinner=False, max_entries=24)
def _state(service_type: str, directory: str, mtimes: tuple[float, ...], own: str = "") -> TypeState:
    return TypeState.build(grid_base(), load("services"), service_type)


def type_state(service_type: str) -> TypeState:
    """Per service type: each square's nearest point and distance, base counts (shared by the sessions with the
    same data; a session's own service layer has its own state)."""
    return _state(service_type, data_dir(), versions("grid_population", "services"), own_key())


def _area_mask(base: GridBase, area: str) -> np.ndarray | None:
    sq = base.sq
    if area == COUNTRY_CODE:
        return None
    col = sq.county_code if len(area) == 2 else sq.municipality_code
    return col == area


def _outlines(area: str) -> tuple[np.ndarray, np.ndarray]:
    """Län outlines for Sverige; the kommun outlines of the län otherwise."""
    if area == COUNTRY_CODE:
        return memo(("grid_outlines", "00"), lambda: charts_grid.outline_xy(geojson("county")))
    lan = area[:2]
    gj = geojson("municipality")
    codes = {
        str(f.get("properties", {}).get("code"))
        for f in gj["features"]
        if str(f.get("properties", {}).get("code"))[:2] == lan
    }
    return memo(("grid_outlines", lan), lambda: charts_grid.outline_xy(gj, codes))


def _area_outline(area: str) -> tuple[np.ndarray, np.ndarray] | None:
    if area == COUNTRY_CODE:
        return None
    level = "county" if len(area) == 2 else "municipality"
    return memo(("grid_area_outline", area), lambda: charts_grid.outline_xy(geojson(level), {area}))


def _map(
    area: str,
    stype: str,
    lang: str,
    title: str,
    res: GridScenario | None = None,
    place: str | None = None,
) -> go.Figure:
    stt = type_state(stype)
    sq = stt.base.sq
    dist = stt.dist_m / 1000.0
    cells, change, points = (), None, []
    if res is not None:
        p = stt.points.set_index("service_id")
        points = [(p.at[c, "x"], p.at[c, "y"], p.at[c, "name"], "closed") for c in res.closed]
        points += [(o["x"], o["y"], o["name"], "opened") for o in res.opened_points]
    highlight = None
    if place is not None:  # the village's point and the squares of its store's catchment
        v = load("villages").set_index("village_id").loc[place]
        points.append((v["x"], v["y"], v["name"], "place"))
        ids = stt.points["service_id"].astype(str)
        rows = np.flatnonzero(ids.str.endswith(":" + place).to_numpy())  # its points of the type (as in catchments)
        cells = sq.cell_id[stt.squares_of(rows)]
        slabel = service_label(stype, lang).lower()
        highlight = (cells, t("gridmap.catchment_squares", lang, s=slabel))
        cells = ()
    if res is not None and len(res.cells):
        dist = dist.copy()
        dist[res.cells] = res.new_km
        cells, change = sq.cell_id[res.cells], res.change_km
    return charts_grid.grid_map(
        sq.cell_id,
        np.where(np.isfinite(dist), dist, np.nan),
        sq.population,
        title,
        lang,
        frame=_area_mask(stt.base, area),
        outlines=_outlines(area),
        area_outline=_area_outline(area),
        points=points,
        highlight=highlight,
        affected_cells=cells,
        affected_change_km=change,
        source=_source(stt, sq.year, lang),
    )


def _bands(stt: TypeState, area: str, lang: str, res: GridScenario | None = None) -> pd.DataFrame:
    """A grid map's text alternative (ui.a11y): the framed area's people per distance band (after a what-if's
    change when given), not a table of up to a million squares."""
    sq = stt.base.sq
    dist = np.where(np.isfinite(stt.dist_m), stt.dist_m / 1000.0, np.nan)
    if res is not None and len(res.cells):
        dist[res.cells] = np.where(np.isfinite(res.new_km), res.new_km, np.nan)  # none left: "no service"
    mask = _area_mask(stt.base, area)
    keep = slice(None) if mask is None else mask
    return charts_grid.band_table(dist[keep], sq.population[keep], lang)


def _source(stt: TypeState, year: int, lang: str) -> str:
    """The map's source line: SCB's grid, and OpenStreetMap's attribution when the points come from it."""
    text = t("source", lang) + ": SCB (" + t("catch.source_grid", lang, y=year) + ")"
    if len(stt.points) and stt.points["source"].astype(str).str.contains("OpenStreetMap").any():
        text += " · © OpenStreetMap contributors"
    return text


def _years(lang: str) -> str:
    """A grid figure joins two years: the squares' people and the service points' snapshot; its source line says both."""
    snapshot = (meta("services").get("extra") or {}).get("snapshot_year", quality.SNAPSHOT_YEAR)
    return t("caption.years_people_services", lang, p=grid_base().sq.year, s=snapshot)


def map_figure(area: str, stype: str, lang: str) -> tuple[go.Figure, str]:
    """The grid map of the area (Sverige, a län or a kommun) for a service type, and its title (shared memo)."""
    year = grid_base().sq.year
    name = region_names().get(area, area)
    title = t("gridmap.title", lang, s=service_label(stype, lang).lower(), name=name, y=year)
    return memo(("fig_grid_map", area, stype, lang), lambda: _map(area, stype, lang, title)), title


def slide_map(area: str, stype: str, lang: str) -> slides.Slide:
    """The presenter deck's grid map slide: the same figure, its people-per-band table and its layer's quality."""
    stt = type_state(stype)
    fig, title = map_figure(area, stype, lang)
    modelled = bool(len(stt.points) and stt.points["quality"].map(is_modelled).any())
    return slides.Slide(
        "grid_map", title, fig, ("grid_population", "services"), modelled, table=_bands(stt, area, lang)
    )


def grid_map(area: str, stype: str, lang: str) -> None:
    """Access page: the grid map of the area (Sverige, a län or a kommun) for the chosen service type."""
    stt = type_state(stype)
    sq, names = stt.base.sq, region_names()
    name = names.get(area, area)
    slabel = service_label(stype, lang).lower()
    st.subheader(t("gridmap.header", lang))
    quality_badges(stt.points["quality"] if len(stt.points) else [], [stype])
    fig, _ = map_figure(area, stype, lang)
    plotly_chart(fig, key="grid_map", table=_bands(stt, area, lang))
    mask = _area_mask(stt.base, area)
    people = sq.population.sum() if mask is None else sq.population[mask].sum()
    n_sq = len(sq) if mask is None else int(mask.sum())
    st.caption(
        t(
            "gridmap.caption",
            lang,
            y=sq.year,
            s=slabel,
            n=charts_grid.FEW_PEOPLE,
            squares=fmt.number(n_sq, lang),
            people=fmt.number(people, lang),
            name=name,
        )
    )
    source_caption("grid_population", "services", year=_years(lang))


def _open_xy(open_points: Sequence[Mapping], stype: str) -> list[dict]:
    """The what-if's opened points of this type with SWEREF 99 TM positions (from their village)."""
    v = load("villages").set_index("village_id")
    out = []
    for p in open_points:
        if p.get("service_type") != stype or p.get("village_id") not in v.index:
            continue
        row = v.loc[p["village_id"]]
        out.append(
            {"service_id": f"planned:{p['village_id']}:{stype}", "x": row["x"], "y": row["y"], "name": row["name"]}
        )
    return out


def run_scenario(stype: str, close_ids: Sequence[str], open_points: Sequence[Mapping]) -> GridScenario:
    """The grid what-if of one type (cached state; only the affected squares recomputed)."""
    return scenario(type_state(stype), close_ids, _open_xy(open_points, stype))


def increase_bars(hist: pd.DataFrame, title: str, lang: str, color: str) -> go.Figure:
    """People per band of distance increase."""
    labels = [
        f"{fmt.number(a, lang)}–{fmt.number(b, lang)}" if np.isfinite(b) else f"> {fmt.number(a, lang)}"
        for a, b in zip(hist["lower_km"], hist["upper_km"], strict=True)
    ]
    fig = go.Figure(go.Bar(x=labels, y=hist["people"], marker_color=color, hovertemplate="%{y:,.0f}<extra></extra>"))
    base_layout(fig, title, lang, height=340)
    fig.update_xaxes(title=t("catch.hist_x", lang), type="category")
    fig.update_yaxes(title=t("catch.hist_y", lang), rangemode="tozero")
    return fig


def grid_whatif(area: str, stype: str, close_ids: Sequence[str], open_points: Sequence[Mapping], lang: str) -> None:
    """Access page, under the what-if: the same closure/opening on the 1 km grid (everyone counted)."""
    types = list(dict.fromkeys(([stype] if close_ids else []) + [p["service_type"] for p in open_points]))
    names = region_names()
    for s in types:
        res = run_scenario(s, close_ids if s == stype else (), open_points)
        _whatif_type(area, s, res, names, lang)


def _whatif_type(area: str, stype: str, res: GridScenario, names: Mapping[str, str], lang: str) -> None:
    sq = res.state.base.sq
    slabel = service_label(stype, lang).lower()
    st.subheader(t("catch.whatif_header", lang) + f" — {service_label(stype, lang)}")
    quality_badges(res.state.points["quality"] if len(res.state.points) else [], [stype])
    st.caption(t("catch.whatif_caption", lang, s=slabel, y=sq.year))
    if res.ignored:
        st.caption(t("catch.ignored", lang, s=slabel, ids=", ".join(res.ignored)))
    if not len(res.cells):
        st.info(t("catch.no_effect", lang, s=slabel))
        return
    q = res.increase_quantiles()
    m = st.columns(5)
    m[0].metric(t("catch.squares_changed", lang), fmt.number(len(res.cells), lang))
    m[1].metric(t("catch.people_farther", lang), fmt.number(res.people_farther(), lang))
    m[2].metric(t("catch.people_closer", lang), fmt.number(res.people_closer(), lang))
    m[3].metric(t("catch.median_increase", lang), _km(q[0.5], lang))
    m[4].metric(
        t("catch.p90_increase", lang), _km(q[0.9], lang), help=t("catch.max_increase", lang) + ": " + _km(q[1.0], lang)
    )
    kom = sq.municipality_code[res.cells]
    frame = str(pd.Series(kom).mode().iloc[0]) if len(area) == 2 or area == COUNTRY_CODE else area
    plotly_chart(
        _map(frame, stype, lang, t("catch.map_title", lang, s=slabel, name=names.get(frame, frame), y=sq.year), res),
        key=f"grid_whatif_map_{stype}",
        table=_bands(type_state(stype), frame, lang, res),
    )
    left, right = st.columns([2, 3])
    with left:
        if res.people_farther() > 0:
            plotly_chart(
                increase_bars(
                    res.increase_histogram(), t("catch.hist_title", lang, y=sq.year), lang, SERVICE_COLORS[stype]
                ),
                key=f"grid_whatif_hist_{stype}",
            )
    with right:
        th = res.thresholds([area]).assign(area=lambda d: d["area_code"].map(names).fillna(d["area_code"]))
        st.markdown("**" + t("catch.thresholds_header", lang, y=sq.year) + "**")
        table(
            th[["area", "threshold_km", "share_within_before", "share_within_after", "change_pp"]],
            lang,
            {"share_within_before": 1, "share_within_after": 1, "change_pp": 2},
            headers={
                "area": t("catch.col_area", lang),
                "threshold_km": t("catch.col_threshold", lang),
                "share_within_before": t("catch.col_before", lang),
                "share_within_after": t("catch.col_after", lang),
                "change_pp": t("catch.col_change", lang),
            },
            key=f"grid_whatif_thresholds_{stype}",
        )
    out = res.table().assign(
        source=t("catch.source_grid", lang, y=sq.year), quality=_quality(res.state), licence=LICENCE
    )
    st.download_button(
        t("catch.download_whatif", lang),
        downloads.to_csv(out),
        file_name=f"whatif_grid_{stype}_{sq.year}.csv",
        mime="text/csv",
        key=f"grid_whatif_csv_{stype}",
    )
    source_caption("grid_population", "services", year=_years(lang))


def _km(v: float, lang: str) -> str:
    return "–" if not np.isfinite(v) else f"{fmt.number(v, lang, 1)} km"


def _quality(state: TypeState) -> str:
    q = state.points["quality"].dropna().unique() if len(state.points) else []
    return ",".join(sorted(str(x) for x in q))


# ------------------------------------------------------------------------------------- catchments


def tatort_table() -> pd.DataFrame:
    """Catchments of every tätort (cached)."""
    return memo(
        ("tatort_catchments",),
        lambda: catchments.tatort_catchments(grid_base().sq, load("villages"), load("population")),
    )


def point_table(stype: str) -> pd.DataFrame:
    """Catchments of every active service point of the type (cached)."""
    return memo(
        ("point_catchments", stype), lambda: catchments.service_catchments(grid_base().sq, load("services"), stype)
    )


def village_catchment(vid: str, stype: str, lang: str) -> None:
    """Village profile: "Fliseryd: 716 in the tätort, N in its catchment; its grocery store is the nearest for M
    people", the grid map of the village's kommun, and the catchment downloads."""
    tc = tatort_table().set_index("village_id")
    if vid not in tc.index:
        return
    me = tc.loc[vid]
    sq = grid_base().sq
    slabel = service_label(stype, lang).lower()
    pts = point_table(stype)
    mine = catchments.village_service_catchment(pts, vid)
    sentence = t(
        "catch.village_sentence",
        lang,
        name=me["name"],
        tp=fmt.number(me["tatort_population"], lang),
        ty=str(me["tatort_population_year"]) if pd.notna(me["tatort_population_year"]) else "–",
        cp=fmt.number(me["catchment_population"], lang),
        gy=sq.year,
    )
    if len(mine):
        sentence += t("catch.village_store", lang, s=slabel, m=fmt.number(mine["catchment_population"].sum(), lang))
    else:
        sentence += t("catch.village_no_store", lang, s=slabel)
    quality_badges(pts["quality"], [stype])  # the store figure and the map below use the type's layer
    st.markdown(sentence.replace("*", "\\*"))
    st.caption(
        t("catch.rule_tatort", lang, km=fmt.number(catchments.CATCHMENT_KM, lang)) + " " + t("catch.rule_service", lang)
    )
    kommun = str(me["municipality_code"])
    names = region_names()
    fig = memo(
        ("fig_grid_map", kommun, stype, lang, "village", vid),  # the village decides its outline
        lambda: _map(
            kommun,
            stype,
            lang,
            t("catch.map_village_title", lang, s=slabel, name=me["name"], kommun=names.get(kommun, kommun), y=sq.year),
            place=vid,
        ),
    )
    plotly_chart(fig, key="village_grid_map", table=_bands(type_state(stype), kommun, lang))
    d1, d2 = st.columns(2)
    src = {
        "source": t("catch.source_grid", lang, y=sq.year) + "; SCB tätorter",
        "rule": t("catch.rule_tatort", lang, km=fmt.number(catchments.CATCHMENT_KM, lang)),
        "licence": LICENCE,
    }
    d1.download_button(
        t("catch.download_tatort", lang),
        downloads.to_csv(tatort_table().assign(**src)),
        file_name=f"catchments_tatort_{sq.year}.csv",
        mime="text/csv",
        key="dl_catch_tatort",
    )
    d2.download_button(
        t("catch.download_points", lang, s=slabel),
        downloads.to_csv(pts.assign(source=src["source"], rule=t("catch.rule_service", lang), licence=LICENCE)),
        file_name=f"catchments_{stype}_{sq.year}.csv",
        mime="text/csv",
        key="dl_catch_points",
    )
    source_caption("grid_population", "villages", "services", year=_years(lang))


def servicepoint_catchment(
    vid: str, annual_with: float, annual_without: float, lang: str, stype: str = "grocery"
) -> None:
    """Servicepunkt page: the business case per customer — the catchment of the village's store (else of the
    tätort), customers per year from an assumed visit rate, cost per inhabitant served."""
    sq = grid_base().sq
    vname = load("villages").set_index("village_id")["name"].get(vid, vid)
    slabel = service_label(stype, lang).lower()
    mine = catchments.village_service_catchment(point_table(stype), vid)
    st.subheader(t("catch.sp_header", lang))
    if len(mine):
        people = float(mine["catchment_population"].sum())
        label = t("catch.sp_store", lang, s=slabel, name=vname, y=sq.year)
        quality_badges(mine["quality"], [stype])
    else:
        tc = tatort_table().set_index("village_id")
        people = float(tc["catchment_population"].get(vid, np.nan))
        label = t("catch.sp_tatort", lang, s=slabel, name=vname, y=sq.year)
    c1, c2 = st.columns(2)
    c1.metric(label, fmt.number(people, lang))
    visits = c2.number_input(t("catch.visits", lang), 0.0, 1000.0, 52.0, step=1.0, key="sp_visits")
    m1, m2, m3 = st.columns(3)
    m1.metric(t("catch.customers", lang), fmt.number(catchments.customers_per_year(people, visits), lang))
    m2.metric(t("catch.cost_with", lang), _kr(catchments.cost_per_inhabitant(annual_with, people), lang))
    m3.metric(t("catch.cost_without", lang), _kr(catchments.cost_per_inhabitant(annual_without, people), lang))
    st.caption(t("catch.sp_caption", lang) + " " + t("catch.rule_service", lang))


def _kr(v: float, lang: str) -> str:
    return "–" if not np.isfinite(v) else f"{fmt.number(v, lang)} kr"
