"""Readers for the embedded snapshot in data/seed, each with the provenance of its file."""

from __future__ import annotations

import json
from functools import cache

import pandas as pd

from servicekartan import paths
from servicekartan.catalog import DatasetError, Provenance

SCB = "Statistiska centralbyrån (SCB)"
CC0 = "CC0 1.0"
SCB_ATTR = "Källa: SCB"
OSM_ATTR = "© OpenStreetMap contributors"
KOLADA_ATTR = "Källa: Kolada"

PROVENANCE: dict[str, Provenance] = {
    "tatorter_2020_scb.csv": Provenance(
        source=SCB + ", tätorter 2020 (Tatorter_1980_2020.gpkg, layer To2020_SR99TM)",
        licence=CC0,
        attribution=SCB_ATTR,
        origin="data/seed/tatorter_2020_scb.csv (via borstell/swemapdata)",
        retrieved="2026-11-01",
    ),
    "municipalities.csv": Provenance(
        source="Kommun- och länskoder (SCB), via sjbrg/swedish-geodata",
        licence=CC0,
        attribution=SCB_ATTR,
        origin="data/seed/municipalities.csv, data/seed/counties.csv",
        retrieved="2026-11-01",
    ),
    "scb_kommuner_wgs84.geojson": Provenance(
        source=SCB + ", digitala gränser 2024 (generaliserade)",
        licence=CC0,
        attribution=SCB_ATTR,
        origin="data/seed/scb_kommuner_wgs84.geojson, data/seed/scb_lan_wgs84.geojson",
        retrieved="2026-11-01",
    ),
    "sweden_health_facilities_osm_2020.csv": Provenance(
        source="OpenStreetMap, HOT export hotosm_swe_health_facilities",
        licence="ODbL 1.0",
        attribution=OSM_ATTR,
        origin="data/seed/sweden_health_facilities_osm_2020.csv",
        retrieved="2020-09-04",
    ),
    "kolada_values": Provenance(
        source="Kolada (RKA): N07900, N07918–N07920 (PTS), N07530, N07531 (Tillväxtverket), N00954 (SCB) per kommun, "
        "län and Sverige, via open-numbers/ddf--kolada--dump (commit 8501d5c)",
        licence="Kolada's terms: free use with attribution 'Källa: Kolada' (no CC licence named)",
        attribution=KOLADA_ATTR,
        origin="data/seed/kolada_values/kolada_kommun_values.csv, kolada_lan_riket_values.csv",
        retrieved="2024-08-30",
    ),
    "broadband_national.csv": Provenance(
        source="PTS bredbandskartläggning (national shares as listed in the domain brief)",
        licence="Public facts (PTS)",
        attribution="Källa: PTS",
        origin="data/seed/broadband_national.csv",
        retrieved="2026-11-01",
    ),
}


def _path(name: str):
    p = paths.seed_dir() / name
    if not p.exists():
        raise DatasetError(f"Seed file {p} is missing: restore data/seed/ from the repository (git checkout data/seed)")
    return p


@cache
def read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(_path(name), dtype=str, keep_default_na=False)


def read_json(name: str) -> dict:
    with open(_path(name), encoding="utf-8") as f:
        return json.load(f)


def tatorter() -> pd.DataFrame:
    df = read_csv("tatorter_2020_scb.csv").copy()
    for c in ("area", "pop", "x_sweref99tm", "y_sweref99tm", "lon", "lat"):
        df[c] = pd.to_numeric(df[c])
    df["mun_code"] = df["mun_code"].str.zfill(4)
    df["lan_code"] = df["lan_code"].str.zfill(2)
    return df
