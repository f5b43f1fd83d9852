"""Tillgänglighet / Access: distances for a service type and year, per kommun, over time, and the what-if tool."""

import streamlit as st

from servicekartan import charts, fmt, ui, views
from servicekartan.definitions import SERVICE_COLORS, SERVICE_TYPE_IDS, THRESHOLDS_KM, service_label
from servicekartan.i18n import t
from servicekartan.ui.official import official_beside

lang = ui.page_header("page_access")
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
    year = ui.url_select(t("year", lang), years, key="year", default=years[-1], parse=int)
with c3:
    km = ui.url_select(t("threshold_km", lang), THRESHOLDS_KM, key="km", default=10, parse=int)
slabel = labels[stype].lower()

table = ui.memo(
    ("village_table", area, year, stype, km),
    lambda: views.village_table(villages, population, ax.get("year", year), area, year, stype, km),
)
modelled = (table["quality"] == "modelled").any()
st.caption(t("coverage_caveat", lang))
if stype in ("pharmacy", "health") and ui.meta("services").get("retrieved", "").startswith("2020"):
    st.caption(t("osm_partial", lang))
if modelled:
    ui.modelled_badge()
left, right = st.columns([3, 2])
with left:
    fig = ui.memo(
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
    st.plotly_chart(fig, key="access_map")
with right:
    bands = ui.memo(
        ("fig_bands", area, year, stype, lang),
        lambda: charts.band_bars(
            views.distance_bands(table, lang), t("bands_title", lang, s=slabel, y=year), lang, SERVICE_COLORS[stype]
        ),
    )
    st.plotly_chart(bands, key="bands")
    tr = views.trend(ix.area(area), area, f"share_beyond_{km}km_{stype}").assign(service_type=stype)
    st.plotly_chart(
        charts.lines_by_type(tr, labels, t("trend_title", lang, n=km, s=slabel), lang, "%", y_col="value"), key="trend"
    )
ui.source_caption("village_access", "services", "indicators")
official_beside(area, names)  # Kolada N07530 beside our whole-population 2 km figure (truth, issue 14)

st.subheader(t("beyond_per_kommun", lang, n=km, s=slabel, y=year))
per_kommun = views.beyond_by_kommun(
    ix.indicators(f"pop_beyond_{km}km_{stype}", f"share_beyond_{km}km_{stype}"), area, km, stype, year
).assign(name=lambda d: d["area_code"].map(names))
ui.table(
    per_kommun[["name", "pop_beyond", "share_beyond"]],
    lang,
    {"share_beyond": 1},
    labels={"name": "municipality"},
    key="per_kommun",
)

# What-if
st.header(t("whatif", lang))
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
    st.warning(t("scenario_summary", lang, p=fmt.number(people, lang), n=n, s=slabel))
if not better.empty:
    people, n = views.affected(better)
    better_types = ", ".join(labels[s].lower() for s in better["service_type"].unique())
    st.success(t("scenario_summary_better", lang, p=fmt.number(people, lang), n=n, s=better_types))
changes = views.scenario_areas(result.areas, area)
st.plotly_chart(
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
