"""Översikt / Overview: headline figures, a kommun map and the villages of the chosen area."""

import streamlit as st

from servicekartan import areas, charts, fmt, targets, ui, views
from servicekartan.definitions import PRIORITY_TYPES, THRESHOLDS_KM, service_label
from servicekartan.i18n import indicator_label, t

lang = ui.page_header("page_overview")
area = ui.current_area()
names = ui.region_names()
villages, population = ui.load("villages"), ui.load("population")
services, ix = ui.load("services"), ui.indicator_index()
here = ix.area(area)
st.subheader(names.get(area, area))

# Headline cards
pop, pop_year = views.indicator_value(here, area, "tatort_population")
n_tat, _ = views.indicator_value(here, area, "tatort_count")
c1, c2 = st.columns(2)
c1.metric(f"{t('tatort_population', lang)} ({pop_year or '–'})", fmt.number(pop, lang))
c2.metric(t("tatort_count", lang), fmt.number(n_tat, lang))
st.caption(t("coverage_caveat", lang))

# Access cards: share of the tätort population beyond a distance, now and in a base year
access_years = ix.years(prefix="share_beyond_")
if access_years:
    a1, a2, a3 = st.columns(3)
    with a1:
        km = ui.url_select(t("threshold_km", lang), THRESHOLDS_KM, key="km", default=10, parse=int)
    with a2:
        year_now = ui.url_select(t("year", lang), access_years, key="year", default=access_years[-1], parse=int)
    with a3:
        base = ui.url_select(t("base_year", lang), access_years, key="base", default=access_years[0], parse=int)
    cards = ui.memo(
        ("access_cards", area, km, year_now, base),
        lambda: views.access_cards(here, area, PRIORITY_TYPES, km, year_now, base),
    )
    if cards["modelled"].any():
        ui.modelled_badge()
    st.markdown(f"**{t('share_beyond_cards', lang, n=km, y=year_now)}**")
    cols = st.columns(len(cards))
    for col, row in zip(cols, cards.itertuples(), strict=True):
        col.metric(
            service_label(row.service_type, lang),
            fmt.percent(row.share, lang),
            delta=None if row.change != row.change else t("pp_since", lang, d=fmt.signed(row.change, lang, 1), y=base),
            delta_color="off" if not abs(row.change) >= 0.05 else "inverse",
            delta_arrow="off" if not abs(row.change) >= 0.05 else "auto",
            help=t("pp_help", lang, y=base),
        )
    ui.source_caption("indicators")

counts = ui.memo(("service_counts", area), lambda: views.service_counts(services, area))
labels = {s: service_label(s, lang) for s in counts["service_type"]}
left, right = st.columns([2, 3])
with left:
    if counts["modelled"].any():
        ui.modelled_badge()
    title = t("service_points", lang) + (
        " (* = " + t("modelled", lang).lower() + ")" if counts["modelled"].any() else ""
    )
    fig = ui.memo(("fig_counts", area, lang), lambda: charts.service_count_bars(counts, labels, title, lang))
    st.plotly_chart(fig, key="service_counts")
    ui.source_caption("services")
    st.subheader(t("targets_status", lang))
    tsum = ui.targets_summary(area)
    ui.table(
        targets.in_language(tsum, lang)[["status", "name"]],
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
    # Choropleth of kommuner for any indicator and year
    kommun_ids = ix.ids(level="municipality")
    ind = ui.url_select(
        t("indicator", lang),
        kommun_ids,
        key="ind",
        default="tatort_population",
        format_func=lambda i: indicator_label(i, lang),
    )
    years = ix.years(ind, level="municipality")
    year = (
        ui.url_select(t("year", lang), years, key="mapyear", default=years[-1], parse=int, widget=st.select_slider)
        if len(years) > 1
        else years[-1]
    )
    county = areas.enclosing_county(area)  # a kommun is shown among the kommuner of its län
    values = views.kommun_values(ix.indicator(ind), ind, year, county)
    codes = set(areas.kommuner_in(county, names))
    if (values["quality"] == "modelled").any():
        ui.modelled_badge()
    fig = ui.memo(
        ("fig_kommun_map", ind, year, area, lang),
        lambda: charts.area_choropleth(
            values,
            ui.geojson("municipality"),
            names,
            indicator_label(ind, lang),
            f"{indicator_label(ind, lang)}, {year}",
            lang,
            codes=codes,
            highlight=area if areas.is_kommun(area) else None,
            geojson_url=ui.geojson_url("municipality"),
        ),
    )
    st.plotly_chart(fig, key="kommun_map")
    ui.source_caption("indicators")


# Villages of the area
st.subheader(t("villages_in_area", lang))
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
