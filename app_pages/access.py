"""Placeholder page."""

import streamlit as st

from servicekartan import ui

ui.page_header("page_access")
st.info("…")
