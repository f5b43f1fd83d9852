"""Readers for the population and Kolada files of the embedded snapshot (data/seed/population/, kolada_values/),
each with the provenance of its file.

A module of its own (not etl/seed.py) because etl/seed.py is being moved in the restructure; it depends only
on servicekartan (paths, catalog) and can be folded into the seed module later without changes to callers'
data. Every reader returns typed columns (codes as zero-padded strings, counts as numbers).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

import pandas as pd

from servicekartan import paths
from servicekartan.catalog import DatasetError, Provenance

CC0 = "CC0 1.0"
SCB_ATTR = "Källa: SCB"
KOLADA_ATTR = "Källa: Kolada"
EUROSTAT_CENSUS_ATTR = "Källa: Eurostat, Census 2021 grid (data from SCB)"
EUROSTAT_GEOSTAT_ATTR = "Källa: Eurostat/GISCO, GEOSTAT population grid"
RETRIEVED = "2026-12-01"  # copied from the project's shared data folder

SCB_GRID_2024 = "population/scb_grid_1km_2024.csv.gz"
CENSUS_2021 = "population/eurostat_census2021_grid_1km.csv.gz"
GEOSTAT = "population/eurostat_geostat_grid_1km_2006_2011_2018_2021.csv.gz"
KOMMUN_1950_2019 = "population/scb_population_kommun_1950_2019.csv"
KOLADA_POP_2024 = "population/kolada_population_kommun_2024.csv"
KOLADA_KOMMUN = "kolada_values/kolada_kommun_values.csv"
KOLADA_LAN_RIKET = "kolada_values/kolada_lan_riket_values.csv"
KOLADA_KPIS = "kolada_values/kolada_kpis_in_values.csv"
SKR_GROUPS = "kolada_values/skr_kommungrupp_2017.csv"
OKFSE_KOMMUNER = "okfse_kommuner_wgs84.geojson"

_KOLADA_VALUES = Provenance(
    source="Kolada (RKA) KPI values, scraped 2024-08-30, via open-numbers/ddf--kolada--dump (commit 8501d5c); "
    "producers PTS, Tillväxtverket, SCB, Internetstiftelsen",
    licence="Kolada terms: free use incl. commercial, cite the source; processed data is not Kolada's own",
    attribution=KOLADA_ATTR,
    origin="data/seed/kolada_values/kolada_kommun_values.csv, data/seed/kolada_values/kolada_lan_riket_values.csv",
    retrieved="2024-08-30",
)

PROVENANCE: dict[str, Provenance] = {
    SCB_GRID_2024: Provenance(
        source="Statistiska centralbyrån (SCB), befolkning per 1 km-ruta 2024 (stat:befolkning_1km_2024), "
        "via jonsam19/pharmacy_accessibility_sweden (commit 1d45beb)",
        licence=CC0,
        attribution=SCB_ATTR,
        origin="data/seed/" + SCB_GRID_2024,
        retrieved=RETRIEVED,
        method="Registered population 2024-12-31 per populated 1 km square of SCB's SWEREF 99 TM grid; "
        "values under 4 may be adjusted by SCB; kommun_kod assigned by cell centre in okfse kommun polygons",
    ),
    CENSUS_2021: Provenance(
        source="Eurostat, Census 2021 population grid 1 km (EPSG:3035), data from SCB, via jgaffuri/tiled-census2021",
        licence="Eurostat reuse policy, attribution required",
        attribution=EUROSTAT_CENSUS_ATTR,
        origin="data/seed/" + CENSUS_2021,
        retrieved=RETRIEVED,
        method="Population 2021-01-01 per 1 km square with age bands 0-14, 15-64, 65+; SCB added small random "
        "noise; border squares mix countries (in_se = 1 counts as Swedish)",
    ),
    GEOSTAT: Provenance(
        source="Eurostat/GISCO GEOSTAT 1 km population grids 2006, 2011, 2018 (EPSG:3035), via jgaffuri/tiled-popgrid",
        licence="Eurostat/GISCO reuse policy, attribution required",
        attribution=EUROSTAT_GEOSTAT_ATTR,
        origin="data/seed/" + GEOSTAT,
        retrieved=RETRIEVED,
        method="2006 and 2011 from national counts; 2018 is modelled by its producer; the 2021 column duplicates "
        "the Census 2021 grid and is not used",
    ),
    KOMMUN_1950_2019: Provenance(
        source="Statistiska centralbyrån (SCB), folkmängd 31 december per kommun 1950-2019 (BE0101), "
        "via odectra/popu-sweden",
        licence=CC0,
        attribution=SCB_ATTR,
        origin="data/seed/" + KOMMUN_1950_2019,
        retrieved=RETRIEVED,
        method="Official population at today's kommun division (SCB back-cast before a kommun existed)",
    ),
    KOLADA_POP_2024: Provenance(
        source="Kolada KPI N01951 (folkmängd 31 december, SCB), via ordnaswe/val26",
        licence="CC BY 4.0",
        attribution=KOLADA_ATTR + " (data from SCB)",
        origin="data/seed/" + KOLADA_POP_2024,
        retrieved=RETRIEVED,
        method="Official population 2024-12-31 per kommun",
    ),
    KOLADA_KOMMUN: _KOLADA_VALUES,
    KOLADA_LAN_RIKET: _KOLADA_VALUES,
    KOLADA_KPIS: _KOLADA_VALUES,
    SKR_GROUPS: Provenance(
        source="SKR, kommungruppsindelning 2017 (reviderad), via "
        "simonabisiani/Swedish-municipalities--white-spots--local-journalism-funding",
        licence="free to use with attribution",
        attribution="Källa: SKR",
        origin="data/seed/" + SKR_GROUPS,
        retrieved=RETRIEVED,
    ),
    OKFSE_KOMMUNER: Provenance(
        source="Kommun polygons (Valmyndigheten boundaries 2020, simplified) via okfse/sweden-geojson",
        licence="public-sector data; the repository says 'feel free to reuse'",
        attribution="Källa: Valmyndigheten via okfse/sweden-geojson",
        origin="data/seed/" + OKFSE_KOMMUNER,
        retrieved=RETRIEVED,
    ),
}


def provenance(name: str) -> Provenance:
    """A copy of a seed file's provenance (safe to edit)."""
    return copy.deepcopy(PROVENANCE[name])


def _path(name: str) -> Path:
    p = paths.seed_dir() / name
    if not p.exists():
        raise DatasetError(f"Seed file {p} is missing: restore data/seed/ from the repository (git checkout data/seed)")
    return p


def _codes(s: pd.Series, width: int) -> pd.Series:
    return s.astype("string").str.strip().str.zfill(width).astype(object).where(s.notna(), None)


@cache
def _scb_grid_2024(seed: str) -> pd.DataFrame:
    df = pd.read_csv(_path(SCB_GRID_2024), dtype={"kommun_kod": str})
    df["kommun_kod"] = _codes(df["kommun_kod"], 4)
    return df


def scb_grid_2024() -> pd.DataFrame:
    """SCB 1 km squares 2024: x_sweref99tm, y_sweref99tm (centre), pop, year, kommun_kod (4 digits)."""
    return _scb_grid_2024(str(paths.seed_dir())).copy()


@cache
def _census_2021(seed: str) -> pd.DataFrame:
    df = pd.read_csv(_path(CENSUS_2021), dtype={"kommun_kod": str, "cntr_id": str})
    df["kommun_kod"] = _codes(df["kommun_kod"], 4)
    return df


def census_2021() -> pd.DataFrame:
    """Census 2021 squares: pop, y_lt15, y_1564, y_ge65, centre (SWEREF 99 TM), x_laea/y_laea (lower-left corner,
    EPSG:3035), kommun_kod (None outside Sweden), in_se, cntr_id."""
    return _census_2021(str(paths.seed_dir())).copy()


@cache
def _geostat(seed: str) -> pd.DataFrame:
    return pd.read_csv(_path(GEOSTAT), dtype={"cntr_id": str})


def geostat() -> pd.DataFrame:
    """GEOSTAT squares, wide: x_laea/y_laea (lower-left corner, EPSG:3035), centre in SWEREF 99 TM,
    pop_2006, pop_2011, pop_2018, pop_2021, cntr_id (SE, or a border mix such as FI-SE)."""
    return _geostat(str(paths.seed_dir())).copy()


def kommun_population_1950_2019() -> pd.DataFrame:
    """Official kommun population 31 Dec 1950-2019: kommun_code, kommun_name, lan_code, year, population."""
    df = pd.read_csv(_path(KOMMUN_1950_2019), dtype={"kommun_code": str, "lan_code": str})
    df["kommun_code"] = _codes(df["kommun_code"], 4)
    df["lan_code"] = _codes(df["lan_code"], 2)
    return df


def kommun_population_2024() -> pd.DataFrame:
    """Official kommun population 31 Dec 2024 (Kolada N01951): kommun_code, kommun_name, lan_code, year, population."""
    df = pd.read_csv(_path(KOLADA_POP_2024), dtype={"kommun_code": str, "lan_code": str})
    df["kommun_code"] = _codes(df["kommun_code"], 4)
    df["lan_code"] = _codes(df["lan_code"], 2)
    return df


def kolada_kommun_values() -> pd.DataFrame:
    """Kolada values per kommun: municipality (4 digits), year, kpi, value."""
    df = pd.read_csv(_path(KOLADA_KOMMUN), dtype={"municipality": str, "kpi": str})
    df["municipality"] = _codes(df["municipality"], 4)
    return df


def kolada_lan_riket_values() -> pd.DataFrame:
    """Kolada values per län and Sverige: municipality ("08", "00"), geo_level, year, kpi, value."""
    df = pd.read_csv(_path(KOLADA_LAN_RIKET), dtype={"municipality": str, "kpi": str})
    df["municipality"] = _codes(df["municipality"], 2)
    return df


def kolada_kpis() -> pd.DataFrame:
    """The KPIs in the Kolada value files: kpi, indicator, unit, kpi_title."""
    return pd.read_csv(_path(KOLADA_KPIS), dtype=str)


def skr_groups() -> pd.DataFrame:
    """SKR kommun groups 2017 (A1-C9) per kommun_code."""
    df = pd.read_csv(_path(SKR_GROUPS), dtype=str)
    df["kommun_code"] = _codes(df["kommun_code"], 4)
    return df


def tatortsgrad() -> pd.DataFrame:
    """Kolada N00954 (share of residents living in a tätort, %) per kommun and year: municipality_code, year, value."""
    df = kolada_kommun_values()
    df = df[df["kpi"] == "N00954"]
    return df.rename(columns={"municipality": "municipality_code"})[["municipality_code", "year", "value"]].reset_index(
        drop=True
    )


def okfse_kommuner() -> dict:
    """okfse kommun polygons (WGS 84 GeoJSON; properties id = 4-digit code, kom_namn, lan_code)."""
    with open(_path(OKFSE_KOMMUNER), encoding="utf-8") as f:
        return json.load(f)
