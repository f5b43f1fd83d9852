"""Översikt / Overview: the area's population (official, and in/outside tätorter), its series since 1950,
whole-population access cards, service points, targets, a kommun map and the villages of the chosen area."""

import streamlit as st

from servicekartan import areas, charts, evaluable, fmt, grid_views, places, targets, ui, views
from servicekartan.definitions import PRIORITY_TYPES, THRESHOLDS_KM, service_label
from servicekartan.grid import BASIS_ALL
from servicekartan.i18n import indicator_label, t
from servicekartan.ui import grid_data

lang = ui.page_header("page_overview")
area = ui.current_area()
names = ui.region_names()
villages, population = ui.load("villages"), ui.load("population")
services, ix = ui.load("services"), ui.indicator_index()
here = ix.area(area)
st.subheader(names.get(area, area))

# Headline: the official population of the latest official year, and the grid's tätort split (a model)
gix, pix = grid_data.grid_index(), grid_data.population_index()
grid_year = gix.latest_year()
pop_rows, grid_rows = pix.get("area_code", area), gix.area(area)
head = grid_data.memo(("grid_headline", area), lambda: grid_views.headline(pop_rows, grid_rows, grid_year))
n_tat, _ = views.indicator_value(here, area, "tatort_count")
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    t("grid.population", lang, y=head.year or "–"),
    fmt.number(head.population, lang),
    help=t("grid.population_help", lang, y=head.year or "–"),
)
c2.metric(t("grid.in_tatort", lang, y=grid_year), fmt.number(head.in_tatort, lang), help=t("grid.split_help", lang))
tat_pop, tat_year = views.indicator_value(here, area, "tatort_population")  # SCB's published tätort population
c2.caption(
    t("grid.share_of_grid", lang, p=fmt.percent(head.share_in, lang))
    + " · "
    + t("grid.official_tatort", lang, y=tat_year or "–", v=fmt.number(tat_pop, lang))
)
c3.metric(
    t("grid.outside_tatort", lang, y=grid_year), fmt.number(head.outside_tatort, lang), help=t("grid.split_help", lang)
)
c3.caption(t("grid.share_of_grid", lang, p=fmt.percent(head.share_outside, lang)))
c4.metric(t("tatort_count", lang), fmt.number(n_tat, lang))
st.caption(
    t(
        "grid.headline_caption",
        lang,
        y=head.year or "–",
        gy=grid_year,
        total=fmt.number(head.grid_total, lang),
        method=t("grid.tatort_method", lang),
    )
)

# Population series 1950 onwards: missing years are gaps, the grid estimate is marked as such
series = grid_data.memo(("grid_series", area), lambda: grid_views.population_series(pop_rows))
years_all, est_year = series["year"], grid_views.estimate_year(series)
fig = grid_data.memo(
    ("fig_grid_series", area, lang),
    lambda: charts.population_series(
        series,
        t("grid.series_official", lang),
        t("grid.series_estimate", lang, y=est_year),
        t("grid.series_title", lang, a=names.get(area, area), y0=years_all.min(), y1=years_all.max()),
        lang,
    ),
)
ui.plotly_chart(fig, key="population_series")
gaps = grid_views.missing_years(series)
st.caption(t("grid.series_gaps", lang, years=", ".join(map(str, gaps)) or "–", y=est_year))
ui.source_caption("area_population")

# Access cards: share of the whole population within a distance (grid, latest year), tätort points beside
km = ui.url_select(t("threshold_km", lang), THRESHOLDS_KM, key="km", default=10, parse=int)
cards = grid_data.memo(
    ("grid_cards", area, km), lambda: grid_views.shares(grid_rows, grid_year, BASIS_ALL, km).set_index("service_type")
)
cards = cards.reindex(list(PRIORITY_TYPES))
modelled = cards["quality"].map(grid_views.is_modelled).fillna(False)
ui.own_badge(PRIORITY_TYPES, shown=cards["quality"])  # figures recomputed from the user's own service data
st.markdown(f"**{t('grid.cards_title', lang, n=km, y=grid_year)}**")
cols = st.columns(len(cards))
for col, (stype, row) in zip(cols, cards.iterrows(), strict=True):
    col.metric(
        service_label(stype, lang) + (" *" if modelled[stype] else ""),
        fmt.percent(row["share_within"], lang),
        help=grid_views.layer_note(stype, row["quality"], lang),
    )
    with col:  # each card says what it is built from (modelled / observed, incomplete with coverage / observed)
        ui.quality_badge(row["quality"], [stype])
    point, point_year = grid_views.tatort_point_share_within(here, stype, km)
    col.caption(
        t("grid.tatort_points", lang, y=point_year, v=fmt.percent(point, lang))
        if point_year
        else t("grid.tatort_points_none", lang),
        help=t("grid.tatort_points_help", lang),
    )
st.caption(
    grid_views.basis_text(BASIS_ALL, grid_year, "km", lang) + " " + grid_views.layers_caption(cards["quality"], lang)
)
ui.source_caption("grid_indicators", "indicators")

counts = ui.memo(("service_counts", area), lambda: views.service_counts(services, area))
labels = {s: service_label(s, lang) for s in counts["service_type"]}
left, right = st.columns([2, 3])
with left:
    ui.quality_badges(services.loc[services["service_type"].isin(counts["service_type"]), "quality"], labels)
    ui.own_badge(shown=services["quality"])
    title = t("service_points", lang) + (
        " (* = " + t("modelled", lang).lower() + ")" if counts["modelled"].any() else ""
    )
    fig = ui.memo(("fig_counts", area, lang), lambda: charts.service_count_bars(counts, labels, title, lang))
    ui.plotly_chart(fig, key="service_counts")
    ui.source_caption("services")
    st.subheader(t("targets_status", lang))
    tsum = ui.targets_summary(area)
    ui.table(
        targets.in_language(tsum, lang).assign(status=evaluable.in_words(tsum, lang))[["status", "name"]],
        lang,
        labels={"name": "target"},
        style=lambda s: s.apply(
            lambda c: [f"background-color: {targets.LIGHT_HEX[x]}; color: white" for x in tsum["light"]],
            subset=["status"],
        ),
        key="overview_targets",
    )
    st.page_link("app_pages/targets.py", label=t("page_targets", lang) + " →")
with right:
    # Choropleth of kommuner: whole-population access from the grid (every kommun has it), or any indicator
    grid_ids = [grid_views.MAP_PREFIX + s for s in PRIORITY_TYPES]
    kommun_ids = ix.ids(level="municipality")
    ind = ui.url_select(
        t("indicator", lang),
        [*grid_ids, *kommun_ids],
        key="ind",
        default=grid_ids[0],
        format_func=lambda i: grid_views.map_label(i, km, lang) if i in grid_ids else indicator_label(i, lang),
    )
    county = areas.enclosing_county(area)  # a kommun is shown among the kommuner of its län
    if ind in grid_ids:
        year, label = grid_year, grid_views.map_label(ind, km, lang)
        short = t("grid.share_within", lang, n=km) + " (%)"
        values = grid_data.memo(
            ("grid_kommun_values", ind, km, county),
            lambda: grid_views.kommun_shares(gix.frame, county, grid_year, ind.removeprefix(grid_views.MAP_PREFIX), km),
        )
    else:
        years = ix.years(ind, level="municipality")
        year = (
            ui.url_select(t("year", lang), years, key="mapyear", default=years[-1], parse=int, widget=st.select_slider)
            if len(years) > 1
            else years[-1]
        )
        label = short = indicator_label(ind, lang)
        values = views.kommun_values(ix.indicator(ind), ind, year, county)
    codes = set(areas.kommuner_in(county, names))
    ui.quality_badges(values["quality"], [ind.removeprefix(grid_views.MAP_PREFIX)] if ind in grid_ids else None)
    ui.own_badge(
        ind.removeprefix(grid_views.MAP_PREFIX) if ind in grid_ids else evaluable.access_service(ind) or [],
        shown=values["quality"],
    )
    fig = ui.memo(
        ("fig_kommun_map", ind, year, area, km, lang),
        lambda: charts.area_choropleth(
            values,
            ui.geojson("municipality"),
            names,
            short,
            f"{label}, {year}",
            lang,
            codes=codes,
            highlight=area if areas.is_kommun(area) else None,
            geojson_url=ui.geojson_url("municipality"),
        ),
    )
    ui.plotly_chart(fig, key="kommun_map")
    ui.source_caption("grid_indicators" if ind in grid_ids else "indicators")


# Villages of the area
st.subheader(t(places.villages_heading_key(villages), lang))
table = ui.memo(("villages_in_area", area), lambda: views.villages_in_area(villages, population, area))
ui.table(
    table[["name", "kind", "municipality_code", "population", "area_ha"]].assign(
        municipality_code=lambda d: d["municipality_code"].map(names)
    ),
    lang,
    labels={"municipality_code": "municipality"},
    key="village_table",
)
ui.source_caption("villages", "population")
st.caption(t("missing_note", lang))
