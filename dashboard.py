"""Servicekartan entry point (composition root): page config, data built, language, shared sidebar, navigation.

The one place where the app meets the ETL: `servicekartan` never imports `etl`; the build writes every
dataset (including `data_status`, which the sidebar shows) and the app reads them through the catalog.
"""

import logging

import streamlit as st

from etl.build import BuildOrderError, ensure_built, missing
from etl.validate import ValidationError
from servicekartan import ui
from servicekartan.catalog import DatasetError
from servicekartan.i18n import t
from servicekartan.ui import not_found

st.set_page_config(page_title="Servicekartan", page_icon="🗺️", layout="wide")

lang = ui.lang()
if missing():  # first start (or a dataset deleted): build from the embedded snapshot, offline
    with st.spinner(t("building_data", lang)):
        try:
            ensure_built()
        except (ValidationError, DatasetError, BuildOrderError) as exc:  # say so; never a traceback
            logging.getLogger("servicekartan").error("the embedded data could not be built: %s", exc)
            st.error(t("build_error", lang), icon="🚫")  # the path and the fix are in the log, not on the page
            st.stop()
PAGES = [
    st.Page(
        "app_pages/overview.py",
        title=t("page_overview", lang),
        icon=":material/map:",
        url_path="home",
        default=True,
    ),
    st.Page("app_pages/villages.py", title=t("page_villages", lang), icon=":material/home_pin:", url_path="villages"),
    st.Page("app_pages/access.py", title=t("page_access", lang), icon=":material/route:", url_path="access"),
    st.Page("app_pages/targets.py", title=t("page_targets", lang), icon=":material/flag:", url_path="targets"),
    st.Page(
        "app_pages/servicepoints.py",
        title=t("page_servicepoints", lang),
        icon=":material/storefront:",
        url_path="servicepoints",
    ),
    st.Page("app_pages/own_data.py", title=t("own.page", lang), icon=":material/upload_file:", url_path="own_data"),
    st.Page("app_pages/data.py", title=t("page_data", lang), icon=":material/download:", url_path="data"),
    st.Page("app_pages/method.py", title=t("page_method", lang), icon=":material/info:", url_path="method"),
    # The default page lives at "/"; its own name still opens it (a hand-typed or older /overview link).
    st.Page("app_pages/overview.py", title=t("page_overview", lang), url_path="overview", visibility="hidden"),
]
lost = not_found.unknown_path([*(p.url_path for p in PAGES), "home"])  # e.g. /nonexistent: say so, offer the overview
page = st.navigation(PAGES, position="hidden" if ui.presenting() else "sidebar")
ui.sidebar()
if lost:
    not_found.not_found(lost, lang)
    st.stop()
page.run()
