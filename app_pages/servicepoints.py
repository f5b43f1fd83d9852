"""Servicepunkter: the register, planning a new one, the business case and what it changes in access."""

import pandas as pd
import streamlit as st

from servicekartan import charts, costs, fmt, servicepoints, ui, views
from servicekartan.definitions import SERVICE_TYPE_IDS, service_label
from servicekartan.i18n import code_label, column_label, t
from servicekartan.ui import grid_sections

lang = ui.page_header("page_servicepoints")
area = ui.current_area()
names = ui.region_names()
villages, population = ui.load("villages"), ui.load("population")
labels = {s: service_label(s, lang) for s in SERVICE_TYPE_IDS}
register = ui.servicepoint_register()

st.subheader(t("register", lang))
reg = views.register_rows(register, names, labels, lang)
ui.table(
    reg[["name", "municipality", "status", "opened", "service_types", "offered", "investment", "annual_cost"]],
    lang,
    labels={
        "opened": "year",
        "service_types": "sp_types",
        "investment": "truth.investment_total",
        "annual_cost": "annual_with",
    },
    headers={"offered": ""},
    key="register",
)
pts = register.assign(
    label=register["name"] + " (" + register["status"].map(lambda s: code_label(s, lang)) + ")", size=16
)
views_area = villages[views.area_mask(villages, area)]
fig = charts.area_choropleth(
    pd.DataFrame(columns=["area_code", "value", "quality"]),
    ui.geojson("municipality"),
    names,
    "",
    t("sp_map", lang),
    lang,
    codes=set(views_area["municipality_code"]),
    points=pts,
    geojson_url=ui.geojson_url("municipality"),
)
ui.plotly_chart(fig, key="sp_map")
ui.source_caption("servicepoints", "villages")

# Plan a new servicepunkt
st.header(t("plan_new", lang))
vopts = views_area.sort_values("name")["village_id"].tolist()
vname = views.village_labels(villages, names)
c1, c2 = st.columns(2)
with c1:
    vid = ui.url_select(
        t("choose_village", lang),
        vopts,
        key="village",
        default="0861TB103" if "0861TB103" in vopts else vopts[0],
        format_func=vname.get,
    )
    sp_name = st.text_input(
        t("sp_name", lang), value=f"Servicepunkt {villages.set_index('village_id').loc[vid, 'name']}", max_chars=120
    )
with c2:
    types = ui.url_multiselect(
        t("sp_types", lang), list(SERVICE_TYPE_IDS), key="sptypes", default=["parcel", "atm"], format_func=labels.get
    )

# Business case
st.header(t("calculator", lang))
f = costs.FLISERYD_ACTUAL
k1, k2, k3, k4 = st.columns(4)
# Typed in the page's style ("545 333", "0,2") and kept in the URL (building=545333&fte=0.2): a link reproduces them.
building = ui.url_number(t("building", lang), "building", f.building, lang, 0, 1e9, k1)
equipment = ui.url_number(t("equipment", lang), "equipment", f.equipment, lang, 0, 1e9, k1)
years = ui.url_number(t("dep_years", lang), "depyears", f.years, lang, 1, 100, k2)
rate = ui.url_number(t("rate_pct", lang), "rate", f.rate * 100, lang, 0, 50, k2)
running = ui.url_number(t("running", lang), "running", f.running, lang, 0, 1e9, k3)
fte = ui.url_number(t("fte", lang), "fte", f.fte, lang, 0, 50, k3)
per_fte = ui.url_number(t("cost_per_fte", lang), "perfte", f.cost_per_fte, lang, 0, 1e8, k4)
grants = ui.url_grants(t("financier", lang), dict(f.grants), lang)
try:
    inputs = costs.CostInputs(building, equipment, years, rate / 100, running, fte, per_fte, grants)
except costs.InvalidCostInputs as exc:
    st.error(t("input_error", lang, msg=exc.text(lang)))
    st.stop()
result = costs.business_case(inputs)
m1, m2, m3 = st.columns(3)
m1.metric(t("annual_without", lang), fmt.number(result.annual_without_grants, lang) + " kr")
m2.metric(t("annual_with", lang), fmt.number(result.annual_with_grants, lang) + " kr")
m3.metric(
    t("building", lang).split(" (")[0] + " + " + t("equipment", lang).split(" (")[0].lower(),
    fmt.number(result.investment, lang) + " kr",
)
grid_sections.servicepoint_catchment(vid, result.annual_with_grants, result.annual_without_grants, lang)  # issue 13
ui.plotly_chart(
    charts.financing_bars(costs.financing_split(inputs, lang), t("financing_split", lang), lang), key="financing"
)
st.caption(costs.fliseryd_note(lang))
st.subheader(t("pre_post", lang))
cmp = costs.compare(inputs, costs.FLISERYD_ACTUAL, lang)
# each row with its own decimals and unit ("Ränta 3 %", "Personal (årsarbeten) 0,2"), right-aligned
ui.table(
    costs.compare_shown(cmp, lang),
    lang,
    key="pre_post",
    column_config={
        c: st.column_config.TextColumn(column_label(c, lang), alignment="right") for c in ("pre", "post", "difference")
    },
)
ui.plotly_chart(charts.sensitivity_heatmap(costs.sensitivity(inputs), t("sensitivity", lang), lang), key="sensitivity")

# Link to access
st.header(t("access_link", lang))
ui.load("village_access")  # stops the page with a clear message when the dataset is missing or damaged
year = ui.access_index().values("year")[-1]
if types:
    effect = servicepoints.access_effect(ui.access_model(), vid, types, year, name=sp_name)
    if effect.quality == "modelled":
        ui.modelled_badge()
    ui.own_badge(types)
    summ = effect.summary
    km_rows = summ[summ["unit"] == "km"] if "unit" in summ else summ
    ui.plotly_chart(
        charts.scenario_bars(
            km_rows, labels, t("brought_within", lang) + f" ({year})", lang, y_col="people_brought_within"
        ),
        key="effect",
    )
    effect_cols = ["service_type", "threshold", "villages_brought_within", "people_brought_within"]
    ui.table(
        km_rows.assign(service_type=km_rows["service_type"].map(labels))[effect_cols],
        lang,
        labels={
            "threshold": "threshold_km",
            "villages_brought_within": "villages_brought",
            "people_brought_within": "people_brought",
        },
        key="effect_table",
    )
    st.caption(t("coverage_caveat", lang))
if st.button(t("plan_new", lang) + " ➕", key="add_planned"):
    new, errs = servicepoints.add_planned(register, vid, sp_name, types, costs=inputs, villages=villages, lang=lang)
    if errs:
        st.error("; ".join(errs))
    else:
        st.session_state["planned_servicepoints"] = new[new["status"] == "planned"]
        st.success(t("sp_added", lang, name=sp_name))
        st.rerun()
