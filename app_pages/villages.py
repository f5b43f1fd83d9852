"""Byar / Villages: filter villages by size and access, map them, and open one village's profile."""

import streamlit as st

from servicekartan import charts, fmt, ui, views
from servicekartan.definitions import PRIORITY_TYPES, SERVICE_TYPE_IDS, THRESHOLDS_KM, service_label
from servicekartan.i18n import code_label, t
from servicekartan.ui import grid_sections
from servicekartan.ui.captions import layer_qualities, quality_badges, source_caption
from servicekartan.ui.official import official_beside

lang = ui.page_header("page_villages")
area = ui.current_area()
names = ui.region_names()
villages, population, services = ui.load("villages"), ui.load("population"), ui.load("services")
ax = ui.access_index()  # village_access by year and by village; None before it is built
years = ax.values("year") if ax is not None else [2020]
labels = {s: service_label(s, lang) for s in SERVICE_TYPE_IDS}

with st.expander(t("filters", lang), expanded=not ui.presenting()):
    c1, c2, c3 = st.columns(3)
    with c1:
        stype = ui.url_select(t("service_type", lang), SERVICE_TYPE_IDS, key="svc", format_func=labels.get)
        # The service layer is one snapshot: the list has that one year (a stale link's year warns).
        year = ui.url_select(t("year", lang), years, key="year", default=years[-1], parse=int)
    with c2:
        km = ui.url_select(t("threshold_km", lang), THRESHOLDS_KM, key="km", default=10, parse=int)
        lacking = ui.url_bool(t("lacking_only", lang, s=labels[stype].lower(), n=km), key="lacking")
    with c3:
        minpop = int(ui.url_number(t("min_pop", lang), "minpop", 0, lang, 0, 2_000_000))
        maxpop = int(ui.url_number(t("max_pop", lang), "maxpop", 2_000_000, lang, 0, 2_000_000))

# A link or a search that names a village opens with its profile at the top (drawn into this box further down).
profile_first = st.session_state.setdefault("_villages_profile_first", ui.url_param("village") is not None)
profile_box = st.container() if profile_first else None

in_year = ax.get("year", year) if ax is not None else None
table = ui.memo(
    ("village_table", area, year, stype, km, minpop, maxpop, lacking),
    lambda: views.village_table(villages, population, in_year, area, year, stype, km, minpop, maxpop, lacking),
)
if ax is None:
    st.warning(t("truth.no_access_data", lang))
st.subheader(
    f"{names.get(area, area)}: "
    + fmt.count("count.villages", len(table), lang)
    + ", "
    + fmt.count("count.inhabitants", table["population"].sum(), lang)
)
st.caption(t("coverage_caveat", lang))
if len(years) == 1:
    st.caption(t("truth.snapshot_note", lang, year=year))
if table.empty:
    st.info(t("empty_filter", lang))
else:
    quality_badges(table["quality"], [stype])
    highlight = st.session_state.get("village")
    fig = ui.memo(
        ("fig_village_map", area, year, stype, km, minpop, maxpop, lacking, highlight, lang),
        lambda: charts.village_map(
            table,
            "distance_km",
            "km",
            t("village_map", lang, s=labels[stype].lower()) + f", {year}",
            lang,
            highlight=highlight,
            outlines=charts.subset_geojson(ui.geojson("municipality"), set(table["municipality_code"])),
            outlines_url=ui.geojson_url("municipality"),
        ),
    )
    ui.plotly_chart(fig, key="village_map")
    source_caption("villages", "village_access", "services", qualities=table["quality"], year=year)
    dist = views.distance_matrix(in_year, table["village_id"], year, PRIORITY_TYPES) if ax is not None else None
    own = ["distance_km", "minutes"] if stype not in PRIORITY_TYPES else ["minutes"]
    shown = table[["village_id", "name", "municipality_code", "population", *own]].assign(
        municipality_code=lambda d: d["municipality_code"].map(names)
    )
    if dist is not None:
        shown = shown.join(dist.rename(columns=lambda c: f"km_{c}"), on="village_id")
        quality_badges(layer_qualities(PRIORITY_TYPES), PRIORITY_TYPES)  # the table's distance columns
    ui.table(
        shown.drop(columns="village_id"),
        lang,
        {c: 1 for c in shown.columns if c.startswith("km_") or c == "distance_km"},
        labels={"municipality_code": "municipality"},
        headers={"distance_km": f"{labels[stype]} (km)", **{f"km_{s}": f"{labels[s]} (km)" for s in PRIORITY_TYPES}},
        key="village_table",
    )

# Village profile
with profile_box or st.container():
    st.header(t("village_profile", lang))
    in_area = ui.memo(("villages_in_area", area), lambda: views.villages_in_area(villages, population, area))
    in_area = in_area.sort_values("name")
    vnames = views.village_labels(villages, names)
    options = in_area["village_id"].tolist()
    vid = ui.url_select(
        t("choose_village", lang),
        options,
        key="village",
        default=options[0] if options else None,
        format_func=vnames.get,
    )
    if vid is None:
        st.stop()
    me = in_area[in_area["village_id"] == vid].iloc[0]
    st.subheader(f"{me['name']} — {names.get(me['municipality_code'], '')}, {names.get(me['county_code'], '')}")
    m1, m2, m3 = st.columns(3)
    m1.metric(t("population", lang), fmt.number(me["population"], lang))
    m2.metric(t("area_ha", lang), fmt.number(me["area_ha"], lang))
    m3.metric(t("kind", lang), t(me["kind"], lang))

    sp = ui.load_optional("servicepoints")
    here = sp[sp["village_id"] == vid] if sp is not None else None
    if here is not None and not here.empty:
        for _, row in here.iterrows():
            st.success(
                f"{t('servicepoint_here', lang)}: {row['name']} ({code_label(row.get('status'), lang)}, {row.get('opened', '')})"
            )
    else:
        st.caption(t("no_servicepoint", lang))
    grid_sections.village_catchment(vid, stype, lang)  # tätort and store catchments, kommun grid map (issue 13)

    if ax is not None:
        near = views.nearest_services(ax.get("village_id", vid), services, vid, year)
        quality_badges(near["quality"], near["service_type"])
        ui.plotly_chart(
            charts.distance_bars(
                near, labels, f"{t('distance_per_type', lang)}, {me['name']} {year}", lang, thresholds=(km,)
            ),
            key="profile_distances",
        )
        source_caption("village_access", "services", qualities=near["quality"], year=year)
        ui.table(
            near[["service_type", "name", "distance_km", "road_km", "minutes", "method", "quality"]].assign(
                service_type=lambda d: d["service_type"].map(labels),
                method=lambda d: d["method"].map(lambda c: code_label(c, lang)),
                quality=lambda d: d["quality"].map(lambda c: code_label(c, lang)),
            ),
            lang,
            {"distance_km": 1, "road_km": 1},
            key="profile_nearest",
        )
        if len(years) > 1:  # a line over years only where the service layer really has several years
            ui.plotly_chart(
                charts.lines_by_type(
                    views.access_over_years(ax.get("village_id", vid), vid),
                    labels,
                    t("access_over_years", lang),
                    lang,
                    "km",
                ),
                key="profile_years",
            )

    series = views.population_series(population, vid)
    if series["year"].nunique() >= 2:  # a line needs two years; one year is the metric above, not a chart
        ui.plotly_chart(charts.population_line(series, t("pop_over_time", lang), lang), key="profile_population")
        source_caption("population", year=f"{series['year'].min()}–{series['year'].max()}")
    else:
        st.caption(t("truth.only_one_year", lang))

    official_beside(me["municipality_code"], names)

    st.subheader(t("peers", lang))
    peer = ui.memo(("peers", vid), lambda: views.peers(villages, population, vid))
    pcols = ["name", "municipality_code", "population"]
    peer_table = peer[["village_id", *pcols]].assign(municipality_code=lambda d: d["municipality_code"].map(names))
    if ax is not None:
        peer_table = peer_table.join(
            views.distance_matrix(in_year, peer["village_id"], year, PRIORITY_TYPES), on="village_id"
        )
    ui.table(
        peer_table.drop(columns="village_id"),
        lang,
        dict.fromkeys(PRIORITY_TYPES, 1),
        labels={"municipality_code": "municipality"},
        headers={s: f"{labels[s]} (km)" for s in PRIORITY_TYPES},
        key="peer_table",
    )
