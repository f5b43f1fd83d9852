"""Data / Ladda ner: filter a dataset, preview it and download it with sources, licences and a citation."""

from datetime import date

import streamlit as st

from servicekartan import areas, catalog, downloads, fmt, ui
from servicekartan.definitions import SERVICE_TYPE_IDS, service_label
from servicekartan.i18n import code_label, column_label, t
from servicekartan.ui import grid_data

lang = ui.page_header("page_data")
area = ui.current_area()
names = ui.region_names()
# Only the chosen dataset is loaded (the square-level grid has 1.9 million rows); villages and population filter.
available = [d for d in downloads.DOWNLOADABLE if d != "village_access" or catalog.exists(d)]

c1, c2 = st.columns([2, 3])
with c1:
    ds = ui.url_select(t("dataset", lang), available, key="ds", format_func=lambda d: t(f"ds_{d}", lang))
    st.caption(f"{t('area', lang)}: {names.get(area, area)}")
frames = {"villages": ui.load("villages"), "population": ui.load("population")}
if ds in downloads.SQUARE_DATASETS:  # only the area's squares, from a per-kommun index
    frames[ds] = grid_data.rows_in_area(ds, area, areas.kommuner_in(area, names))
else:
    frames[ds] = ui.load(ds)
df_all = frames[ds]
years = None
if "year" in df_all.columns and df_all["year"].nunique() > 1:
    lo, hi = int(df_all["year"].min()), int(df_all["year"].max())
    with c2:
        years = ui.url_range(t("years", lang), lo, hi, key="years")
types: list[str] = []
if "service_type" in df_all.columns or ds == "indicators":
    with c2:
        types = ui.url_multiselect(
            t("service_type", lang),
            list(SERVICE_TYPE_IDS),
            key="types",
            default=[],
            format_func=lambda s: service_label(s, lang),
            placeholder=t("all_types", lang),
        )
minpop = maxpop = None
if ds in ("villages", "village_access", "population"):
    p1, p2 = st.columns(2)
    with p1:
        minpop = int(ui.url_number(t("min_pop", lang), "minpop", 0, lang, 0, 2_000_000))
    with p2:
        maxpop = int(ui.url_number(t("max_pop", lang), "maxpop", 2_000_000, lang, 0, 2_000_000))

filters = downloads.Filters(
    dataset=ds,
    area=area,
    years=years,
    service_types=tuple(types),
    min_pop=minpop or None,
    max_pop=maxpop if maxpop not in (None, 2_000_000) else None,
)
sel = downloads.select(frames, filters)  # positions only: the full frame is built when a file is made
meta = ui.meta(ds)

st.subheader(f"{t('preview', lang)} — {fmt.count('count.rows', len(sel), lang)}")
ui.quality_badges(sel.qualities(), filters.service_types or None)
if not len(sel):
    st.warning(t("empty_download", lang))
    st.stop()
PREVIEW_ROWS = 200
if len(sel) > PREVIEW_ROWS:
    st.caption(t("preview_first", lang, n=fmt.number(PREVIEW_ROWS, lang)))
preview = sel.head(PREVIEW_ROWS)
coded = {c: preview[c].map(lambda v: code_label(v, lang)) for c in ("kind", "quality", "method") if c in preview}
st.dataframe(  # readable headers and codes; each header's help names the column as it is in the files
    fmt.formatted(preview.assign(**coded), lang, {"distance_km": 1, "road_km": 1, "minutes": 0, "lat": 5, "lon": 5}),
    hide_index=True,
    column_config={
        c: st.column_config.Column(
            column_label(c, lang),
            help=t("datapage.in_file", lang, c=c),
            alignment="right" if c in fmt.number_columns(preview) else None,
        )
        for c in preview.columns
    },
)
ui.source_caption(ds)
if ds in downloads.SQUARE_DATASETS or ds.startswith(("grid_", "area_")):
    st.caption(t("grid.licence_note", lang))

link = ui.page_link_url()
cite = downloads.citation(meta, filters, link, date.today().isoformat(), lang)
b1, b2, b3, b4 = st.columns(4)
# Files are made when clicked (callables), not on every rerun of the page.
b1.download_button(
    t("download_csv", lang), lambda: downloads.to_csv(sel.rows()), f"{ds}.csv", "text/csv", on_click="ignore"
)
b2.download_button(
    t("download_xlsx", lang),
    lambda: downloads.to_excel(sel.rows(), meta, cite),
    f"{ds}.xlsx",
    on_click="ignore",
    disabled=len(sel) > downloads.EXCEL_MAX_ROWS,
    help=t("grid.excel_too_long", lang, n=fmt.number(downloads.EXCEL_MAX_ROWS, lang))
    if len(sel) > downloads.EXCEL_MAX_ROWS
    else None,
)
b3.download_button(
    t("download_parquet", lang), lambda: downloads.to_parquet(sel.rows(), meta), f"{ds}.parquet", on_click="ignore"
)
b4.download_button(
    t("download_zip", lang),
    lambda: downloads.to_zip(sel.rows(), meta, filters, cite),
    f"servicekartan_{ds}.zip",
    "application/zip",
    on_click="ignore",
)
st.markdown(f"**{t('stable_link', lang)}**")
st.code(link, language=None)
st.markdown(f"**{t('citation', lang)}**")
st.code(cite, language=None, wrap_lines=True)
