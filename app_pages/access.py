"""Tillgänglighet / Access: whole-population access to a service type (1 km grid; basis: everyone, outside tätorter,\n65+) per distance band and kommun; the tätort points (villages, trend) as the labelled alternative; the what-if tool."""

import streamlit as st

from servicekartan import charts, fmt, grid_views, ui, views
from servicekartan.definitions import SERVICE_COLORS, SERVICE_TYPE_IDS, THRESHOLDS_KM, service_label
from servicekartan.i18n import t, tn
from servicekartan.ui import grid_data, grid_sections
from servicekartan.ui.official import official_beside

lang = ui.page_header("page_access")
st.page_link("app_pages/own_data.py", label=t("own.link_to", lang), icon=":material/upload_file:")
area = ui.current_area()
names = ui.region_names()
villages, population, services = ui.load("villages"), ui.load("population"), ui.load("services")
ui.load("village_access")  # stops the page with a clear message when the dataset is missing or damaged
ax, ix = ui.access_index(), ui.indicator_index()
labels = {s: service_label(s, lang) for s in SERVICE_TYPE_IDS}
years = ax.values("year")

c1, c2, c3 = st.columns(3)
with c1:
    stype = ui.url_select(t("service_type", lang), SERVICE_TYPE_IDS, key="svc", format_func=labels.get)
with c2:
    km = ui.url_select(t("threshold_km", lang), THRESHOLDS_KM, key="km", default=10, parse=int)
with c3:
    basis = ui.url_select(
        t("grid.basis_label", lang),
        grid_views.PAGE_BASES,
        key="basis",
        default=grid_views.PAGE_BASES[0],
        format_func=lambda b: t(f"grid.basis_choice_{b}", lang),
    )
slabel = labels[stype].lower()
# A what-if link (?close=… or ?open=…) shows its result first, here under the controls (drawn further down).
whatif_first = st.session_state.setdefault(
    "_whatif_first", ui.url_param("close") is not None or ui.url_param("open") is not None
)
whatif_box = st.container() if whatif_first else None

# Whole population (1 km grid): share within the threshold, people per distance band and per kommun
gix = grid_data.grid_index()
gyear = gix.latest_year(basis)
grid_rows = gix.area(area)
who = grid_views.basis_label(basis, lang)
all_types = grid_data.memo(
    ("grid_shares", area, gyear, basis, km), lambda: grid_views.shares(grid_rows, gyear, basis, km)
)
row = all_types.set_index("service_type").reindex([stype]).iloc[0]
st.subheader(t("grid.access_header", lang, who=who[:1].upper() + who[1:], s=slabel, y=gyear))
ui.quality_badge(row["quality"], [stype])
ui.own_badge([stype], shown=[row["quality"]])
m1, m2, m3 = st.columns(3)
m1.metric(
    t("grid.share_within", lang, n=km),
    fmt.percent(row["share_within"], lang),
    help=grid_views.layer_note(stype, row["quality"], lang),
)
m2.metric(t("grid.people_beyond", lang, n=km), fmt.number(row["pop_beyond"], lang))
m3.metric(t("grid.people_in_basis", lang), fmt.number(row["population"], lang))
st.caption(
    grid_views.basis_text(basis, gyear, "km", lang) + " " + grid_views.layers_caption({stype: row["quality"]}, lang)
)
g_left, g_right = st.columns([2, 3])
with g_left:
    fig = grid_data.memo(
        ("fig_grid_bands", area, gyear, basis, stype, lang),
        lambda: charts.band_bars(
            grid_views.bands(grid_rows, gyear, basis, stype, t("grid.no_service", lang)),
            t("grid.bands_title", lang, who=who[:1].upper() + who[1:], s=slabel, y=gyear),
            lang,
            SERVICE_COLORS[stype],
        ),
    )
    ui.plotly_chart(fig, key="grid_bands")
with g_right:
    points = {s: grid_views.tatort_point_share_within(ix.area(area), s, km)[0] for s in SERVICE_TYPE_IDS}
    fig = grid_data.memo(
        ("fig_grid_shares", area, gyear, basis, km, lang),
        lambda: charts.share_within_bars(
            all_types,
            labels,
            t("grid.cards_title", lang, n=km, y=gyear),
            lang,
            points=points if basis == grid_views.PAGE_BASES[0] else None,
            points_name=t("grid.tatort_points_legend", lang, y=years[-1]),
        ),
    )
    ui.plotly_chart(fig, key="grid_shares")
st.subheader(t("grid.per_kommun", lang, who=who[:1].upper() + who[1:], n=km, s=slabel, y=gyear))
per_kommun = grid_data.memo(
    ("grid_per_kommun", area, gyear, basis, stype, km),
    lambda: grid_views.by_kommun(gix.frame, area, gyear, basis, stype, km).assign(
        name=lambda d: d["area_code"].map(names)
    ),
)
ui.table(
    per_kommun[["name", "population", "pop_within", "share_within", "pop_beyond", "share_beyond"]],
    lang,
    {"share_within": 1, "share_beyond": 1},
    labels={"name": "municipality"},
    headers={
        "population": t("grid.people_in_basis", lang),
        "pop_within": t("grid.share_within", lang, n=km),
        "share_within": t("grid.share_within", lang, n=km) + " (%)",
        "pop_beyond": t("grid.people_beyond", lang, n=km),
        "share_beyond": t("grid.people_beyond", lang, n=km) + " (%)",
    },
    key="per_kommun",
)
ui.source_caption("grid_indicators")
grid_sections.grid_map(area, stype, lang)  # every inhabited square coloured by distance (issue 13)

# Tätort points (the labelled alternative basis): villages on the map and the trend over the village years
st.header(t("grid.tatort_points_header", lang))
st.caption(t("grid.tatort_points_caption", lang, years=f"{years[0]}–{years[-1]}" if len(years) > 1 else years[0]))
year = ui.url_select(t("year", lang), years, key="year", default=years[-1], parse=int)
table = ui.memo(
    ("village_table", area, year, stype, km),
    lambda: views.village_table(villages, population, ax.get("year", year), area, year, stype, km),
)
ui.quality_badges(table["quality"], [stype])
ui.own_badge([stype], shown=table["quality"])
left, right = st.columns([3, 2])
with left:
    if table.empty:  # e.g. Solna: its people live in Stockholm's tätort, whose point lies in another kommun
        st.info(t("grid.no_tatort_points", lang))
    fig = (
        None
        if table.empty
        else ui.memo(
            ("fig_access_map", area, year, stype, km, lang),
            lambda: charts.village_map(
                table,
                "distance_km",
                "km",
                t("village_map", lang, s=slabel) + f", {year}",
                lang,
                outlines=charts.subset_geojson(ui.geojson("municipality"), set(table["municipality_code"])),
                outlines_url=ui.geojson_url("municipality"),
            ),
        )
    )
    if fig is not None:
        ui.plotly_chart(fig, key="access_map")
with right:
    tr = views.trend(ix.area(area), area, f"share_beyond_{km}km_{stype}").assign(service_type=stype)
    # a trend only where the service layer varies over the years: one snapshot draws no line (honest time)
    if tr["year"].nunique() > 1:
        ui.plotly_chart(
            charts.lines_by_type(tr, labels, t("trend_title", lang, n=km, s=slabel), lang, "%", y_col="value"),
            key="trend",
        )
ui.source_caption("village_access", "services", "indicators")
official_beside(area, names)  # Kolada N07530 beside our whole-population 2 km figure (truth, issue 14)

# What-if
with whatif_box or st.container():
    st.header(t("whatif", lang))
    ui.own_badge([stype])
    st.caption(t("whatif_help", lang))
    active = views.active_services(services, area, stype, year)
    snames = views.service_labels(active, names)
    w1, w2 = st.columns(2)
    with w1:
        close = ui.url_multiselect(
            t("close_services", lang) + f" — {slabel}",
            list(active["service_id"]),
            key="close",
            default=[],
            format_func=snames.get,
        )
    with w2:
        in_area = ui.memo(("villages_in_area", area), lambda: views.villages_in_area(villages, population, area))
        vopts = ["", *in_area.sort_values("name")["village_id"]]
        vname = dict(zip(villages["village_id"], villages["name"], strict=True))
        open_v = ui.url_select(
            t("open_in_village", lang), vopts, key="open", default="", format_func=lambda v: vname.get(v, "–")
        )
        open_types = ui.url_multiselect(
            t("open_types", lang),
            list(SERVICE_TYPE_IDS),
            key="opentypes",
            default=["parcel", "atm"],
            format_func=labels.get,
        )
    points = views.planned_points(open_v, open_types, f"{t('page_servicepoints', lang)} {vname.get(open_v, '')}")
    if not close and not points:
        st.info(t("no_change", lang))
        st.stop()
    result = ui.access_model().scenario(year, close_ids=close, open_points=points)
    v = result.villages
    worse, better = v[v["change_km"] > 0], v[v["change_km"] < 0]
    if not worse.empty:
        people, n = views.affected(worse)
        st.warning(tn("plural.scenario_worse", n, lang, p=fmt.count("count.inhabitants", people, lang), s=slabel))
    if not better.empty:
        people, n = views.affected(better)
        better_types = ", ".join(labels[s].lower() for s in better["service_type"].unique())
        st.success(
            tn("plural.scenario_better", n, lang, p=fmt.count("count.inhabitants", people, lang), s=better_types)
        )
    changes = views.scenario_areas(result.areas, area)
    ui.plotly_chart(
        charts.scenario_bars(changes, labels, t("change_beyond", lang) + f" — {names.get(area, area)}", lang),
        key="scenario_bars",
    )
    st.subheader(t("affected_villages", lang))
    scenario_cols = ["name", "service_type", "population", "old_service_name", "old_distance_km"]
    scenario_cols += ["new_service_name", "new_distance_km", "change_km"]
    ui.table(
        v[scenario_cols].assign(service_type=lambda d: d["service_type"].map(labels)),
        lang,
        {"old_distance_km": 1, "new_distance_km": 1, "change_km": 1},
        labels={"name": "village", "old_service_name": "old_nearest", "new_service_name": "new_nearest"},
        headers={
            "old_distance_km": t("before", lang) + " (km)",
            "new_distance_km": t("after", lang) + " (km)",
            "change_km": t("change", lang) + " (km)",
        },
        key="scenario_villages",
    )
    ui.source_caption("services", "villages")
    grid_sections.grid_whatif(area, stype, close, points, lang)  # the same change on the 1 km grid (issue 13)
