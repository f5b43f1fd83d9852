"""Om / Metod: definitions, how distances and estimates are made, sources, licences and data freshness."""

import pandas as pd
import streamlit as st

from servicekartan import catalog, datasets, method_text, quality, ui, views
from servicekartan.definitions import SERVICE_TYPES
from servicekartan.i18n import LANG_NAMES, LANGS, service_label, t
from servicekartan.ui import grid_data
from servicekartan.ui.captions import quality_badge

lang = ui.page_header("page_method")

st.header(t("definitions", lang))
st.markdown(method_text.definitions(lang))

st.header(t("service_types", lang))
names = [{"id": s.id, **{LANG_NAMES[code]: service_label(s.id, code) for code in LANGS}} for s in SERVICE_TYPES]
st.dataframe(pd.DataFrame(names), hide_index=True)

st.header(t("distances_method", lang))
st.markdown(method_text.distances(lang))

st.header(t("truth.quality_levels", lang))
for level in quality.QUALITY_LEVELS:
    quality_badge(level, ["pharmacy", "health"])
st.markdown(method_text.quality_levels(lang, (ui.meta("services") or {}).get("extra")))

st.header(t("truth.health_rule", lang))
st.markdown(method_text.health_rule(lang))
st.dataframe(quality.rule_table(), hide_index=True)

st.header(t("modelled_layer", lang))
quality_badge(quality.QUALITY_MODELLED)
st.markdown(method_text.modelled_layer(lang))
ui.table(method_text.RULE_TABLE(), lang, labels={"service_type": "service_type", "min_population": "min_population"})

st.header(t("targets_method", lang))
st.markdown(method_text.targets(lang))
st.markdown(method_text.official(lang))
st.header(t("costs_method", lang))
st.markdown(method_text.costs(lang))

st.header(t("sources_licences", lang))
st.markdown(method_text.sources(lang))

st.header(t("freshness", lang))
names = [n for n in datasets.SHOWN if catalog.exists(n)]
table = views.data_freshness({n: ui.meta(n) for n in names}, {n: grid_data.row_count(n) for n in names}, lang)
ui.table(table, lang, key="freshness")
status = ui.fetch_status()
if status is not None:
    ui.table(views.fetch_status_table(status, lang), lang, key="fetch_status")
