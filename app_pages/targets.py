"""Målbild / Targets: each target against its indicator series, status and projection; user targets."""

from datetime import date

import streamlit as st

from servicekartan import areas, charts, targets, ui
from servicekartan.i18n import indicator_label, t

lang = ui.page_header("page_targets")
area = ui.current_area()
names = ui.region_names()
ix = ui.indicator_index()
registry = ui.target_registry()
as_of = date.today().year

st.subheader(f"{t('targets_summary', lang)}: {names.get(area, area)}")
summary = ui.targets_summary(area, as_of)
shown = targets.in_language(summary, lang).assign(
    trend_reaches=summary["trend_reaches"].replace({"never": t("never", lang)}),
    **{c: summary[c].astype(float) for c in ("target_value", "value_at_target", "latest_value")},
)
cols = [
    "name",
    "status",
    "target_value",
    "target_year",
    "value_at_target",
    "latest_value",
    "latest_year",
    "trend_reaches",
    "source",
]
lights = summary["light"].map(targets.LIGHT_HEX)
ui.table(
    shown[cols],
    lang,
    {"target_value": 2, "value_at_target": 1, "latest_value": 2},
    labels={"name": "target", "target_value": "target", "target_year": "year"},
    max_rows=None,
    style=lambda s: s.apply(
        lambda col: [f"background-color: {c}; color: white; font-weight: 600" for c in lights], subset=["status"]
    ),
    key="targets_summary",
)
st.caption(targets.method_text(lang))

ids = summary["target_id"].tolist()
label = dict(zip(summary["target_id"], shown["name"], strict=True))
tid = ui.url_select(
    t("target", lang),
    ids,
    key="target",
    default="broadband_2020_95" if "broadband_2020_95" in ids else ids[0],
    format_func=label.get,
)
row = targets.target_row(registry, tid)
series = targets.series_for(ix.area(area), row["indicator_id"], area)
status = targets.evaluate(series, row, as_of=as_of)
if status.quality == "modelled":
    ui.modelled_badge()
fig = charts.target_chart(
    series,
    targets.trend_frame(status),
    status.target,
    status.label(lang),
    f"{status.target.name(lang)} — {names.get(area, area)}",
    lang,
    unit=status.target.unit or "",
    breaks=status.breaks,
)
st.plotly_chart(fig, key="target_chart")
st.markdown(status.sentence(lang))
st.caption(f"{t('source', lang)}: {row.get('source', '')} · {indicator_label(row['indicator_id'], lang)}")
ui.source_caption("indicators")

by_kommun = targets.status_by_area(
    ix.indicator(row["indicator_id"]),
    row,
    as_of=as_of,
    area_codes=areas.kommuner_in(area, names),
)
st.subheader(t("per_kommun_status", lang))
if by_kommun.empty:
    st.info(t("no_kommun_series", lang))
else:
    values = by_kommun.assign(value=by_kommun["light"].map({"green": 1.0, "red": 0.0}))
    st.plotly_chart(
        charts.area_choropleth(
            values[["area_code", "value"]].assign(quality="observed"),
            ui.geojson("municipality"),
            names,
            t("status", lang),
            status.target.name(lang),
            lang,
            codes=set(values["area_code"]),
            geojson_url=ui.geojson_url("municipality"),
        ),
        key="target_kommun_map",
    )

st.header(t("add_target", lang))
ui.target_editor(lang, registry)
