"""Seed 1 km population grids (SCB 2024, Census 2021, GEOSTAT 2006/2011/2018) + tätorter -> `grid_population`.

One row per populated square and year, only squares in Sweden: the Census grid's `in_se`, and for GEOSTAT
the same rule (a square of country `SE`, or a border square whose centre lies in a Swedish kommun polygon;
it reproduces `in_se` on every Census square). GEOSTAT 2021 duplicates the Census grid and is dropped.
The build fails when a year's national total is more than 1 % off the official total (same year; 2021,
with no official total in the snapshot, must lie within 1 % of the interval of the official totals of
2019 and 2024).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from etl import seed_population as sp
from servicekartan import grid
from servicekartan.catalog import Dataset, DatasetError, Provenance
from servicekartan.datasets import DATASETS
from servicekartan.definitions import QUALITY_MODELLED, QUALITY_OBSERVED
from servicekartan.indicators import village_population

NAME = "grid_population"
INPUTS: tuple[str, ...] = ("regions", "villages", "population")

GEOSTAT_YEARS: tuple[int, ...] = (2006, 2011, 2018)
GEOSTAT_MODELLED: frozenset[int] = frozenset({2018})  # labelled modelled by its producer
MAX_NATIONAL_DIFF = 0.01

SOURCE_SCB_2024 = "SCB 1 km grid 2024 (registered population 31 Dec)"
SOURCE_CENSUS_2021 = "Eurostat Census 2021 1 km grid (data from SCB)"
SOURCE_GEOSTAT = "Eurostat GEOSTAT 1 km grid {year}"

# Columns, types and key: the one description in servicekartan.datasets.
SCHEMA: pa.Schema = DATASETS[NAME].schema
KEY: tuple[str, ...] = DATASETS[NAME].key


def _frame(
    grid_name: str,
    year: int,
    x_ll: np.ndarray,
    y_ll: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    pop: np.ndarray,
    kommun: np.ndarray,
    in_polygon: np.ndarray,
    source: str,
    quality: str,
    ages: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    n = len(pop)
    nan = np.full(n, np.nan)
    ages = ages or {}
    return pd.DataFrame(
        {
            "cell_id": grid.cell_ids(grid_name, x_ll, y_ll),
            "year": np.full(n, year, np.int64),
            "grid": grid_name,
            "x": np.asarray(x, float),
            "y": np.asarray(y, float),
            "population": np.asarray(pop, float),
            "population_0_14": np.asarray(ages.get("0_14", nan), float),
            "population_15_64": np.asarray(ages.get("15_64", nan), float),
            "population_65plus": np.asarray(ages.get("65plus", nan), float),
            "municipality_code": np.asarray(kommun, object),
            "county_code": grid.county_of(np.asarray(kommun, object)),
            "in_kommun_polygon": np.asarray(in_polygon, bool),
            "source": source,
            "quality": quality,
        }
    )


def scb_2024(polygons: grid.KommunPolygons) -> pd.DataFrame:
    """SCB's squares with the file's kommun code (assigned by centre in the same okfse polygons)."""
    g = sp.scb_grid_2024()
    x, y = g["x_sweref99tm"].to_numpy(float), g["y_sweref99tm"].to_numpy(float)
    inside = np.array([c is not None for c in polygons.contains(x, y, grid.GRID_CRS[grid.GRID_SCB])], bool)
    return _frame(
        grid.GRID_SCB,
        2024,
        x - grid.HALF_CELL_M,
        y - grid.HALF_CELL_M,
        x,
        y,
        g["pop"].to_numpy(float),
        g["kommun_kod"].to_numpy(object),
        inside,
        SOURCE_SCB_2024,
        QUALITY_OBSERVED,
    )


def census_2021(polygons: grid.KommunPolygons) -> pd.DataFrame:
    """Census squares with in_se = 1 (kommun code from the file), with age bands."""
    c = sp.census_2021()
    c = c[c["in_se"] == 1].reset_index(drop=True)
    xl, yl = c["x_laea"].to_numpy(float), c["y_laea"].to_numpy(float)
    inside = np.array(
        [k is not None for k in polygons.contains(xl + grid.HALF_CELL_M, yl + grid.HALF_CELL_M, "EPSG:3035")], bool
    )
    return _frame(
        grid.GRID_EU,
        2021,
        xl,
        yl,
        c["x_sweref99tm"],
        c["y_sweref99tm"],
        c["pop"].to_numpy(float),
        c["kommun_kod"].to_numpy(object),
        inside,
        SOURCE_CENSUS_2021,
        QUALITY_OBSERVED,
        {"0_14": c["y_lt15"], "15_64": c["y_1564"], "65plus": c["y_ge65"]},
    )


def in_sweden(cntr_id: np.ndarray, inside_polygon: np.ndarray) -> np.ndarray:
    """A Swedish square: country `SE`, or a border square (e.g. `FI-SE`) whose centre is in a kommun polygon."""
    return (np.asarray(cntr_id, object) == "SE") | np.asarray(inside_polygon, bool)


def geostat(polygons: grid.KommunPolygons, years: tuple[int, ...] = GEOSTAT_YEARS) -> pd.DataFrame:
    """GEOSTAT squares in Sweden for each year (populated squares only), kommun by centre in the polygons."""
    g = sp.geostat()
    xl, yl = g["x_laea"].to_numpy(float), g["y_laea"].to_numpy(float)
    kommun, inside = polygons.locate(xl + grid.HALF_CELL_M, yl + grid.HALF_CELL_M, "EPSG:3035")
    swedish = in_sweden(g["cntr_id"].to_numpy(object), inside)
    parts = []
    for year in years:
        pop = g[f"pop_{year}"].to_numpy(float)
        keep = swedish & (pop > 0)
        parts.append(
            _frame(
                grid.GRID_EU,
                year,
                xl[keep],
                yl[keep],
                g["x_sweref99tm"].to_numpy(float)[keep],
                g["y_sweref99tm"].to_numpy(float)[keep],
                pop[keep],
                kommun[keep],
                inside[keep],
                SOURCE_GEOSTAT.format(year=year) + (" (modelled by its producer)" if year in GEOSTAT_MODELLED else ""),
                QUALITY_MODELLED if year in GEOSTAT_MODELLED else QUALITY_OBSERVED,
            )
        )
    return pd.concat(parts, ignore_index=True)


def add_tatort(cells: pd.DataFrame, villages: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """in_tatort / tatort_code (population-matched model) and in_tatort_circle, per grid year, on the tätorter
    among `villages` with their published population of the nearest vintage (`population`, level village)."""
    t = villages[villages["kind"] == "tatort"]
    txy, area, codes = t[["x", "y"]].to_numpy(float), t["area_ha"].to_numpy(float), t["village_id"].to_numpy(object)
    cells = cells.copy()
    cells["tatort_code"] = None
    cells["in_tatort_circle"] = False
    for year, rows in cells.groupby("year").groups.items():
        sub = cells.loc[rows]
        xy = sub[["x", "y"]].to_numpy(float)
        tpop = village_population(population, codes, int(year))
        cells.loc[rows, "tatort_code"] = grid.tatort_matched(
            xy, sub["population"].to_numpy(float), txy, area, tpop, codes
        )
        cells.loc[rows, "in_tatort_circle"] = pd.notna(grid.tatort_membership(xy, txy, area, codes))
    cells["in_tatort"] = cells["tatort_code"].notna()
    cells["in_tatort_circle"] = cells["in_tatort_circle"].astype(bool)
    return cells


def official_national_totals() -> pd.Series:
    """Official population of Sverige by year from the seed (1950-2019, 2024)."""
    a = sp.kommun_population_1950_2019().groupby("year")["population"].sum()
    b = sp.kommun_population_2024().groupby("year")["population"].sum()
    return pd.concat([a, b]).astype(float).sort_index()


def check_national_totals(df: pd.DataFrame, official: pd.Series, max_diff: float | None = None) -> list[str]:
    """Problems with a year's grid total vs the official total (empty when all are within `max_diff`,
    default MAX_NATIONAL_DIFF)."""
    max_diff = MAX_NATIONAL_DIFF if max_diff is None else max_diff
    errors = []
    for year, total in df.groupby("year")["population"].sum().items():
        if year in official.index:
            lo = hi = float(official[year])
        else:
            before, after = official[official.index < year], official[official.index > year]
            if not len(before) or not len(after):
                errors.append(f"{NAME}: no official total around {year}")
                continue
            lo, hi = sorted((float(before.iloc[-1]), float(after.iloc[0])))
        if not (lo * (1 - max_diff) <= total <= hi * (1 + max_diff)):
            ref = f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}-{hi:,.0f}"
            errors.append(f"{NAME}: national total {year} is {total:,.0f}, more than {max_diff:.0%} off official {ref}")
    return errors


def transform(villages: pd.DataFrame, population: pd.DataFrame, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    polygons = grid.KommunPolygons(sp.okfse_kommuner(), "id")
    df = pd.concat([scb_2024(polygons), census_2021(polygons), geostat(polygons)], ignore_index=True)
    df = add_tatort(df, villages, population)
    if regions is not None:
        known = set(regions.loc[regions["level"] == "municipality", "code"])
        bad = sorted(set(df["municipality_code"]) - known)
        if bad:
            raise DatasetError(f"{NAME}: unknown kommun codes {bad[:5]}")
    return df[SCHEMA.names].sort_values(["year", "cell_id"], ignore_index=True)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    df = transform(inputs["villages"], inputs["population"], inputs.get("regions"))
    errors = check_national_totals(df, official_national_totals())
    if errors:
        raise DatasetError("; ".join(errors))
    provs = [sp.provenance(sp.SCB_GRID_2024), sp.provenance(sp.CENSUS_2021), sp.provenance(sp.GEOSTAT)]
    totals = df.groupby("year")["population"].sum()
    prov = Provenance(
        source="; ".join(p.source for p in provs),
        licence="CC0 1.0 (SCB 2024); Eurostat/GISCO reuse policy with attribution (Census 2021, GEOSTAT)",
        attribution="Källa: SCB (2024); Källa: Eurostat (Census 2021, GEOSTAT 2006/2011/2018)",
        origin="; ".join(p.origin for p in provs)
        + "; data/seed/okfse_kommuner_wgs84.geojson; data/processed/villages.parquet, population.parquet",
        retrieved=sp.RETRIEVED,
        method=(
            "Populated 1 km squares in Sweden per year, one source per year (2024 SCB; 2021 Census with age bands; "
            "2006/2011/2018 GEOSTAT, 2018 modelled by its producer; GEOSTAT 2021 dropped as a duplicate of the "
            "Census grid). In Sweden: Census in_se; GEOSTAT: country SE or a border square whose centre lies in a "
            f"kommun polygon. {grid.KOMMUN_MODEL} {grid.TATORT_MODEL} {grid.TATORT_CIRCLE_MODEL} Sums of squares are grid estimates, not "
            "official totals."
        ),
        quality="mixed",
        extra={
            "national_totals": "; ".join(f"{y}: {t:,.0f}" for y, t in totals.items()),
            "cell_id": "SCB1km_E{e}N{n} (EPSG:3006) / EU1km_E{e}N{n} (EPSG:3035), lower-left corner in km",
            "kommun_polygons": "okfse/sweden-geojson (Valmyndigheten 2020, simplified); SCB's generalised "
            "polygons are clipped to the coast and miss 0.65 M people's squares",
        },
    )
    return Dataset(NAME, df, prov)
