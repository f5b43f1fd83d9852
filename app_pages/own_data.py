"""Egna data / Own data: upload a service register for this session; the validation report, replace or add per type,
the uploader's source and date, and a button to remove it again (logic in servicekartan.own_data, ui.own_layer)."""

import datetime as dt

import streamlit as st

from servicekartan import fmt, own_data, ui
from servicekartan.definitions import service_label
from servicekartan.i18n import t, tn
from servicekartan.own_read import MAX_BYTES
from servicekartan.ui import own_layer

lang = ui.page_header("own.page")
st.markdown(t("own.intro", lang))

layer = own_layer.current()
if layer is not None:
    if st.button(t("own.clear", lang), icon=":material/delete:", key="own_clear"):
        own_layer.clear()
        st.session_state["own_cleared"] = True
        st.rerun()
    st.page_link("app_pages/access.py", label=t("page_access", lang), icon=":material/route:")
if st.session_state.pop("own_cleared", False):
    st.success(t("own.cleared", lang))

limit = fmt.number(MAX_BYTES / 1e6, lang) + "\u00a0MB"
upload = st.file_uploader(
    t("own.upload", lang, limit=limit),
    type=["csv", "txt", "xlsx", "geojson", "json"],
    key="own_upload",
)
st.caption(t("own.format_help", lang))
st.caption(t("own.example", lang))
if upload is None:
    st.stop()

result = own_data.validate(upload.getvalue(), upload.name)
if result.fatal is not None:
    st.error(own_data.md_escape(t("own.nothing_used", lang, why=result.fatal.message(lang))), icon=":material/block:")
    st.stop()
if result.points.empty:
    st.error(t("own.no_rows", lang), icon=":material/block:")
st.success(
    t("own.accepted", lang, count=tn("count.rows", len(result.points), lang, n=fmt.number(len(result.points), lang)))
)
if result.rejected:
    st.warning(
        t(
            "own.rejected",
            lang,
            count=tn("count.rows", len(result.rejected), lang, n=fmt.number(len(result.rejected), lang)),
        )
    )
    st.dataframe(result.report(lang), hide_index=True, key="own_rejected")  # plain text cells, never HTML
if result.points.empty:
    st.stop()

with st.form("own_use"):
    c1, c2 = st.columns([3, 1])
    source = c1.text_input(t("own.source", lang), max_chars=200, help=t("own.source_help", lang), key="own_source")
    date = c2.date_input(t("own.date", lang), value=dt.date.today(), format="YYYY-MM-DD", key="own_date")
    st.markdown(f"**{t('own.mode_header', lang)}**")
    modes = {}
    for stype, n in result.counts().items():
        modes[stype] = st.radio(
            t(
                "own.mode_label",
                lang,
                s=service_label(stype, lang),
                count=tn("count.service_points", n, lang, n=fmt.number(n, lang)),
            ),
            own_data.MODES,
            index=own_data.MODES.index(own_data.ADD),  # adding is the cautious default
            format_func=lambda m: t(f"own.mode_{m}", lang),
            horizontal=True,
            key=f"own_mode_{stype}",
        )
    if st.form_submit_button(t("own.use", lang), type="primary"):
        own_layer.activate(own_layer.make(result.points, modes, source, date.isoformat() if date else ""))
        st.rerun()
