"""Kommun and län boundaries -> GeoJSON for figures, or a URL of the same file served by the app."""

from __future__ import annotations

import json

import streamlit as st
from streamlit import config

from servicekartan import catalog, paths


def _geojson_name(level: str) -> str:
    return "scb_kommuner_wgs84.geojson" if level == "municipality" else "scb_lan_wgs84.geojson"


@st.cache_resource(show_spinner=False)
def geojson(level: str) -> dict:
    """Kommun or län boundaries from the embedded snapshot (generalised, WGS 84)."""
    with open(paths.seed_dir() / _geojson_name(level), encoding="utf-8") as f:
        return json.load(f)


@st.cache_resource(show_spinner=False)
def geojson_url(level: str) -> str | None:
    """The boundaries as a file the app serves (`static/geo/`, a copy of the seed made on first use), or None.

    Maps name this URL instead of embedding ~15,000 boundary points in every figure (server CPU under load)."""
    if not config.get_option("server.enableStaticServing"):
        return None
    src = paths.seed_dir() / _geojson_name(level)
    dst = paths.REPO_ROOT / "static" / "geo" / src.name
    try:
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            catalog.atomic_write_bytes(dst, src.read_bytes())
    except OSError:  # a read-only checkout: embed the boundaries instead
        return None
    return f"app/static/geo/{src.name}"
