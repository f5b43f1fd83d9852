"""Servicekartan entry point: page config, language, shared sidebar and navigation. Nothing else."""

import streamlit as st

from servicekartan import ui
from servicekartan.i18n import t

st.set_page_config(page_title="Servicekartan", page_icon="🗺️", layout="wide")

lang = ui.lang()
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
    st.Page("app_pages/data.py", title=t("page_data", lang), icon=":material/download:", url_path="data"),
    st.Page("app_pages/method.py", title=t("page_method", lang), icon=":material/info:", url_path="method"),
    # The default page lives at "/"; its own name still opens it (a hand-typed or older /overview link).
    st.Page("app_pages/overview.py", title=t("page_overview", lang), url_path="overview", visibility="hidden"),
]
page = st.navigation(PAGES, position="hidden" if ui.presenting() else "sidebar")
ui.sidebar()
page.run()
