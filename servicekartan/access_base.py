"""The access engine's basics: road-estimate constants and sources, methods, active-year rule, nearest neighbour,
and the per-(type, active set) state. `servicekartan.access` re-exports everything here (see its docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from servicekartan.datasets import columns as dataset_columns
from servicekartan.definitions import ACCESS_YEARS, QUALITY_MODELLED, QUALITY_OBSERVED
from servicekartan.kdtree import cKDTree

# Road distance ~ straight line x circuity. Ballou, Rahardja & Sakai (2002) estimate national road
# circuity factors from sampled city pairs, about 1.3 for Europe. Corroborated by Wang, Bette,
# Schreckenberg & Guhr (2024), npj Complexity 1, 22 (doi:10.1038/s44260-024-00023-x): "1.3 +/- 0.1
# times longer than the crow flies" on large motorway networks, and by an average radial detour of
# 1.343 over 300 European urban regions (Environment and Planning B, 2023, doi:10.1177/23998083231168870).
CIRCUITY_FACTOR: float = 1.3
CIRCUITY_SOURCE: str = (
    "Ballou, R.H., Rahardja, H. & Sakai, N. (2002). Selected country circuity factors for road and rail "
    "network planning. Transportation Research Part A 36(9), 843-848 (road circuity about 1.3 for Europe)"
)
# Average door-to-door speed by car on rural roads: Sweden's default limit outside built-up areas.
AVERAGE_SPEED_KMH: float = 70.0
SPEED_SOURCE: str = (
    "70 km/h: Swedish default speed limit outside built-up areas (trafikförordningen 1998:1276, 3 kap. 17 §)"
)
# A village or service farther than this from every road node is off the network.
MAX_SNAP_M: float = 5_000.0

METHOD_ESTIMATE = "estimate"
METHOD_NETWORK = "network"
METHOD_UNREACHABLE = "unreachable"
METHOD_NO_SERVICE = "no_service"
METHOD_NO_LOCATION = "no_location"
METHODS: tuple[str, ...] = (METHOD_ESTIMATE, METHOD_NETWORK, METHOD_UNREACHABLE, METHOD_NO_SERVICE, METHOD_NO_LOCATION)

# Years outside this window are not tabulated even if a service's opened/closed lies there.
YEAR_FLOOR, YEAR_CEILING = 2000, 2050

# The village_access columns (datasets.py, the one description) plus, in memory only, the service nearest by road
# (network mode; = nearest_service_id for estimates).
ACCESS_COLUMNS: tuple[str, ...] = (*dataset_columns("village_access"), "road_service_id")


def method_text(circuity: float = CIRCUITY_FACTOR, speed_kmh: float = AVERAGE_SPEED_KMH) -> str:
    """One paragraph for provenance and the method page."""
    return (
        "Nearest active service per village, type and year (opened <= year < closed); distance_km is the "
        f"straight line in SWEREF 99 TM. method=estimate: road_km = straight line x {circuity:g} ({CIRCUITY_SOURCE}); "
        f"minutes at {speed_kmh:g} km/h ({SPEED_SOURCE}). method=network: shortest path on the road graph "
        "(multi-source Dijkstra) plus straight snap legs; unreachable = no road link (NaN)."
    )


# --------------------------------------------------------------------------------------------- basics


def is_active(opened: Iterable, closed: Iterable, year: int) -> np.ndarray:
    """`opened <= year < closed` per service, a missing opened/closed year being open-ended."""
    o = pd.to_numeric(pd.Series(list(opened), dtype=object), errors="coerce").to_numpy(float, na_value=np.nan)
    c = pd.to_numeric(pd.Series(list(closed), dtype=object), errors="coerce").to_numpy(float, na_value=np.nan)
    return _active(o, c, year)


def _active(opened: np.ndarray, closed: np.ndarray, year: int) -> np.ndarray:
    o = np.where(np.isnan(opened), -np.inf, opened)
    c = np.where(np.isnan(closed), np.inf, closed)
    return (o <= year) & (year < c)


def years_in_data(services: pd.DataFrame, base: Sequence[int] = ACCESS_YEARS) -> list[int]:
    """ACCESS_YEARS plus every year spanned by the services' opened/closed years (within YEAR_FLOOR..YEAR_CEILING),
    starting the year before the first opening so that every change has a "before"."""
    years = set(int(y) for y in base)
    events = pd.concat([services["opened"], services["closed"]]).dropna() if len(services) else pd.Series([])
    if len(events):
        lo = max(min(int(events.min()) - 1, min(years, default=int(events.min()))), YEAR_FLOOR)
        hi = min(max(int(events.max()), max(years, default=int(events.max()))), YEAR_CEILING)
        years |= set(range(lo, hi + 1))
    return sorted(years)


def nearest(points: np.ndarray, targets: np.ndarray, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line nearest target per point via cKDTree: (distance in input units, target index).

    Points with a NaN coordinate, or no targets at all, give distance NaN and index -1.
    """
    points = np.asarray(points, float).reshape(-1, 2)
    targets = np.asarray(targets, float).reshape(-1, 2)
    dist = np.full(len(points), np.nan)
    idx = np.full(len(points), -1, np.int64)
    ok = np.isfinite(points).all(axis=1)
    if len(targets) and ok.any():
        d, j = cKDTree(targets).query(points[ok], workers=workers)
        dist[ok], idx[ok] = d, j
    return dist, idx


def road_estimate(
    distance_km: np.ndarray, circuity: float = CIRCUITY_FACTOR, speed_kmh: float = AVERAGE_SPEED_KMH
) -> tuple[np.ndarray, np.ndarray]:
    """Straight line (km) -> (road_km, minutes) by the circuity factor and average speed."""
    road = np.asarray(distance_km, float) * circuity
    return road, road / speed_kmh * 60.0


# --------------------------------------------------------------------------------------------- model


@dataclass
class _Services:
    ids: np.ndarray
    types: np.ndarray
    names: np.ndarray
    xy: np.ndarray
    opened: np.ndarray
    closed: np.ndarray
    modelled: np.ndarray
    quality: np.ndarray  # observed / observed_partial / modelled per service (servicekartan.quality)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> _Services:
        df = df[np.isfinite(df["x"].to_numpy(float)) & np.isfinite(df["y"].to_numpy(float))]
        quality = df["quality"] if "quality" in df.columns else pd.Series(QUALITY_OBSERVED, index=df.index)
        names = df["name"] if "name" in df.columns else pd.Series(None, index=df.index, dtype=object)
        return cls(
            ids=df["service_id"].to_numpy(object),
            types=df["service_type"].to_numpy(object),
            names=names.to_numpy(object),
            xy=np.c_[df["x"].to_numpy(float), df["y"].to_numpy(float)],
            opened=pd.to_numeric(df["opened"], errors="coerce").to_numpy(float, na_value=np.nan),
            closed=pd.to_numeric(df["closed"], errors="coerce").to_numpy(float, na_value=np.nan),
            modelled=(quality == QUALITY_MODELLED).to_numpy(bool),
            quality=quality.astype(str).to_numpy(object),
        )


@dataclass
class _State:
    """Nearest active service of one type for every village, for one set of active services."""

    idx: np.ndarray  # global indices of the active services
    tree: cKDTree | None
    dist_m: np.ndarray  # straight line, NaN when no service / no location
    near: np.ndarray  # global service index, -1 when none
    modelled: bool
    layer_quality: str = QUALITY_OBSERVED  # worst quality among the active services (servicekartan.quality)
    columns: dict | None = None  # per-village output columns (built once per state)
    beyond: dict = field(default_factory=dict)  # (threshold, unit) -> cached area sums
