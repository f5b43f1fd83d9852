"""Readers for the embedded snapshot in data/seed, each with the provenance of its file.

Every file is checked as it is read (`SPECS`: columns, types, ranges, codes, keys, coordinates; UTF-8):
a problem raises etl.validate.SeedError with one line per problem naming file, line and column.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from etl.validate import Col, CsvSpec, check_csv, parse_json
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


KOM = Col("municipality_code", pattern=r"\d{3,4}", what="a kommun code (4 digits)")
LAN = Col("county_code", pattern=r"\d{1,2}", what="a län code (2 digits)")
SPECS: dict[str, CsvSpec] = {
    "tatorter_2020_scb.csv": CsvSpec(
        (
            Col("id", "int"),
            Col("uu_id", optional=True),
            Col("code", pattern=r"\d{4}T[BC]\d{3}", what="a tätort code (like 0861TB103)"),
            Col("name", what="a name"),
            Col("mun_code", pattern=r"\d{3,4}", what="a kommun code (4 digits)"),
            Col("mun_name", optional=True),
            Col("lan_code", pattern=r"\d{1,2}", what="a län code (2 digits)"),
            Col("lan_name", optional=True),
            Col("area", "float", min=0, what="the area (ha)"),
            Col("pop", "int", min=0, what="the population"),
            Col("year", "int", min=1900, max=2100, what="the year"),
            Col("x_sweref99tm", "float", min=200_000, max=1_000_000, what="an easting in SWEREF 99 TM"),
            Col("y_sweref99tm", "float", min=6_100_000, max=7_700_000, what="a northing in SWEREF 99 TM"),
            Col("lon", "float", what="a longitude"),
            Col("lat", "float", what="a latitude"),
        ),
        key=("code",),
        latlon=("lat", "lon"),
    ),
    "counties.csv": CsvSpec(
        (LAN, Col("county_name", what="a name"), Col("county_name_short", optional=True)), key=("county_code",)
    ),
    "municipalities.csv": CsvSpec(
        (KOM, Col("municipality_name", optional=True), Col("municipality_name_short", what="a name"), LAN),
        key=("municipality_code",),
    ),
    "broadband_national.csv": CsvSpec(
        (
            Col("year", "int", min=1990, max=2100, what="the year"),
            Col("share_pct", "float", min=0, max=100, what="a share in %"),
            Col("base", what="the base (population or households)"),
            Col("note", optional=True),
            Col("source", optional=True),
        ),
        key=("year",),
    ),
    "sweden_health_facilities_osm_2020.csv": CsvSpec(
        (
            Col("osm_id", "int", what="an OSM id"),
            Col("facility", what="a facility type"),
            Col("name", optional=True),
            Col("lat", "float", what="a latitude"),
            Col("lng", "float", what="a longitude"),
        ),
        key=("osm_id",),
        latlon=("lat", "lng"),
    ),
}


def _path(name: str) -> Path:
    p = paths.seed_dir() / name
    if not p.exists():
        raise DatasetError(f"Seed file {p} is missing: restore data/seed/ from the repository (git checkout data/seed)")
    return p


def _display(p: Path) -> str:
    try:
        return str(p.relative_to(paths.REPO_ROOT))
    except ValueError:
        return str(p)


_CACHE: dict[tuple, pd.DataFrame] = {}


def read_csv(name: str) -> pd.DataFrame:
    """A seed CSV as text columns, checked against SPECS (read again when the file changes)."""
    p = _path(name)
    data = p.read_bytes()
    key = (str(p), hashlib.blake2b(data, digest_size=16).digest())
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = check_csv(data, SPECS.get(name, CsvSpec(())), _display(p))
    return _CACHE[key]


def read_json(name: str) -> dict:
    p = _path(name)
    return parse_json(p.read_bytes(), _display(p))


def tatorter() -> pd.DataFrame:
    df = read_csv("tatorter_2020_scb.csv").copy()
    for c in ("area", "pop", "x_sweref99tm", "y_sweref99tm", "lon", "lat"):
        df[c] = pd.to_numeric(df[c])
    df["mun_code"] = df["mun_code"].str.zfill(4)
    df["lan_code"] = df["lan_code"].str.zfill(2)
    return df
