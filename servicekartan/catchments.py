"""Populated 1 km squares + tätorter + service points -> catchments (omland): who depends on each place and shop.

Pure numpy/pandas (no Streamlit). Both catchments use the squares of the latest grid year (`latest_year`) and
the square's centre, straight line in SWEREF 99 TM (EPSG:3006):

- **Tätort catchment** (`TATORT_RULE`): a square inside a tätort (the grid's population-matched tätort model,
  `grid_population.tatort_code`) belongs to that tätort; any other populated square belongs to the tätort whose
  SCB tätort point is nearest, when that point is within `CATCHMENT_KM` (10 km); beyond that it belongs to no
  tätort. The catchment's people are the sum over its squares (its own squares included).
- **Service-point catchment** (`SERVICE_RULE`): every populated square belongs to the nearest active service
  point of the type (active in the grid year: `opened <= year < closed`), with no distance limit; ties go to the
  first point in the services table (cKDTree order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from servicekartan.access import is_active
from servicekartan.kdtree import cKDTree

CATCHMENT_KM: float = 10.0
TATORT_RULE = (
    "A square inside a tätort (the grid's tätort model) belongs to it; any other populated square belongs to the "
    f"tätort whose SCB point is nearest in a straight line, within {CATCHMENT_KM:g} km (square centre, SWEREF 99 TM)."
)
SERVICE_RULE = (
    "Every populated square belongs to the nearest active service point of the type (straight line from the square's "
    "centre, SWEREF 99 TM), without a distance limit."
)
CATCHMENT_COLUMNS = ("catchment_population", "catchment_squares")


@dataclass(frozen=True)
class Squares:
    """The populated squares of one grid year as arrays (aligned)."""

    year: int
    cell_id: np.ndarray
    xy: np.ndarray  # SWEREF 99 TM centre, metres
    population: np.ndarray
    municipality_code: np.ndarray
    county_code: np.ndarray
    tatort_code: np.ndarray  # None outside every tätort
    quality: str
    source: str

    def __len__(self) -> int:
        return len(self.cell_id)


def latest_year(grid_population: pd.DataFrame) -> int:
    """The latest year of the grid (the catchments' year)."""
    return int(grid_population["year"].max())


def squares(grid_population: pd.DataFrame, year: int | None = None) -> Squares:
    """Populated squares (population > 0) of `year` (default: the latest grid year)."""
    year = latest_year(grid_population) if year is None else int(year)
    g = grid_population[(grid_population["year"] == year) & (grid_population["population"] > 0)]
    tat = g["tatort_code"].astype(object).where(g["tatort_code"].notna(), None).to_numpy(object)
    return Squares(
        year=year,
        cell_id=g["cell_id"].to_numpy(object),
        xy=np.c_[g["x"].to_numpy(float), g["y"].to_numpy(float)],
        population=g["population"].to_numpy(float),
        municipality_code=g["municipality_code"].astype(str).to_numpy(object),
        county_code=g["county_code"].astype(str).to_numpy(object),
        tatort_code=tat,
        quality=str(g["quality"].iloc[0]) if len(g) else "",
        source=str(g["source"].iloc[0]) if len(g) else "",
    )


def tatort_owner(sq: Squares, villages: pd.DataFrame, max_km: float = CATCHMENT_KM) -> np.ndarray:
    """The tätort code each square belongs to under TATORT_RULE (None = no tätort within max_km)."""
    v = villages[(villages["kind"] == "tatort") & villages["x"].notna() & villages["y"].notna()]
    codes = v["village_id"].to_numpy(object)
    owner = np.array(sq.tatort_code, dtype=object)
    free = np.flatnonzero(pd.isna(owner))
    if len(free) and len(v):
        d, j = cKDTree(np.c_[v["x"].to_numpy(float), v["y"].to_numpy(float)]).query(
            sq.xy[free], distance_upper_bound=max_km * 1000.0
        )
        ok = np.isfinite(d)
        owner[free[ok]] = codes[j[ok]]
        owner[free[~ok]] = None
    return owner


def tatort_catchments(
    sq: Squares, villages: pd.DataFrame, population: pd.DataFrame, max_km: float = CATCHMENT_KM
) -> pd.DataFrame:
    """One row per tätort: its published population (latest year), the people and squares of its catchment."""
    owner = tatort_owner(sq, villages, max_km)
    has = ~pd.isna(owner)
    agg = (
        pd.DataFrame({"village_id": owner[has].astype(str), "population": sq.population[has]})
        .groupby("village_id")["population"]
        .agg(catchment_population="sum", catchment_squares="size")
    )
    pop = population[population["level"] == "village"].sort_values("year").groupby("area_code").last()
    v = villages[villages["kind"] == "tatort"][["village_id", "name", "municipality_code", "county_code"]]
    out = v.assign(
        tatort_population=v["village_id"].map(pop["population"]),
        tatort_population_year=v["village_id"].map(pop["year"]).astype("Int64"),
    ).join(agg, on="village_id")
    out["catchment_population"] = out["catchment_population"].fillna(0.0)
    out["catchment_squares"] = out["catchment_squares"].fillna(0).astype(int)
    return out.assign(grid_year=sq.year, max_km=float(max_km)).reset_index(drop=True)


def active_points(services: pd.DataFrame, service_type: str, year: int) -> pd.DataFrame:
    """The active service points of a type in `year`, with a position."""
    s = services[(services["service_type"] == service_type) & services["x"].notna() & services["y"].notna()]
    return s[is_active(s["opened"], s["closed"], int(year))].reset_index(drop=True)


def nearest_point(sq: Squares, points: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(distance in metres, row of `points`) of the nearest point per square; inf / -1 without points."""
    if not len(points):
        return np.full(len(sq), np.inf), np.full(len(sq), -1, np.int64)
    d, j = cKDTree(np.c_[points["x"].to_numpy(float), points["y"].to_numpy(float)]).query(sq.xy)
    return d, j.astype(np.int64)


def service_catchments(sq: Squares, services: pd.DataFrame, service_type: str) -> pd.DataFrame:
    """One row per active service point of the type: the people (and squares) for whom it is the nearest."""
    pts = active_points(services, service_type, sq.year)
    d, j = nearest_point(sq, pts)
    ok = j >= 0
    people = np.bincount(j[ok], sq.population[ok], minlength=len(pts))
    count = np.bincount(j[ok], minlength=len(pts))
    far = np.zeros(len(pts))
    if ok.any():  # the farthest square served (km)
        np.maximum.at(far, j[ok], d[ok] / 1000.0)
    cols = ["service_id", "service_type", "name", "municipality_code", "quality"]
    return pts[cols].assign(
        catchment_population=people,
        catchment_squares=count.astype(int),
        max_distance_km=np.round(far, 3),
        grid_year=sq.year,
    )


def all_service_catchments(sq: Squares, services: pd.DataFrame, types: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """service_catchments for every type, one table."""
    parts = [service_catchments(sq, services, s) for s in types]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def village_service_catchment(table: pd.DataFrame, village_id: str) -> pd.DataFrame:
    """The rows of a service-catchment table whose service point sits in the village (modelled ids end in it)."""
    ids = table["service_id"].astype(str)
    return table[ids.str.endswith(":" + village_id)]


def customers_per_year(catchment_people: float, visits_per_person_year: float) -> float:
    """People in the catchment x visits per person and year (the business case's demand estimate)."""
    return float(catchment_people) * float(visits_per_person_year)


def cost_per_inhabitant(annual_cost: float, catchment_people: float) -> float:
    """Annual cost per inhabitant served (NaN for an empty catchment, never a division by zero)."""
    return float(annual_cost) / float(catchment_people) if catchment_people and catchment_people > 0 else float("nan")
