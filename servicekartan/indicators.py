"""Village access + population -> area indicators (people and share beyond distance/time thresholds) and service levels.

What is counted: the population of the villages in the access table of the counted kinds (by default
tätorter, i.e. places with >= 200 inhabitants; about 88 % of Sweden's population) — not the whole
population: people in småorter and the countryside between places are not in these figures.
Population per year: SCB publishes tätort population every 5 years, so a year takes the latest
vintage at or before it, else the earliest one (2015-2019 use 2020 when 2020 is the only vintage).

Threshold semantics: "beyond N km" is a straight-line distance > N km (SWEREF 99 TM); "beyond N min"
is a travel time > N minutes (road estimate or network). A village with no road link to any service
of the type (`method = unreachable`) counts as beyond every minutes threshold. A service type with no
service at all in a year gives NaN (missing), never 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from servicekartan.definitions import (
    COUNTRY_CODE,
    PRIORITY_TYPES,
    THRESHOLDS_KM,
    THRESHOLDS_MIN,
)
from servicekartan.quality import from_rank as quality_from_rank
from servicekartan.quality import rank as quality_rank

# Village kinds whose population the aggregates count (matches the `share of tätort population` convention).
DEFAULT_KINDS: tuple[str, ...] = ("tatort",)
# Default radius of the per-village service level (the regional target "within 10 km of a grocery store").
SERVICE_LEVEL_KM: float = 10.0

ACCESS_SOURCE = "Servicekartan access engine (straight line in SWEREF 99 TM; minutes by road estimate or network)"
LEVEL_KEYS: tuple[tuple[str, str | None], ...] = (
    ("municipality", "municipality_code"),
    ("county", "county_code"),
    ("country", None),
)
INDICATOR_COLUMNS = ["area_code", "year", "indicator_id", "level", "value", "unit", "source", "quality"]


def _fmt(t: float) -> str:
    return f"{float(t):g}"


def indicator_id(kind: str, threshold: float, unit: str, service_type: str) -> str:
    """e.g. ('pop', 10, 'km', 'grocery') -> 'pop_beyond_10km_grocery'; kind is 'pop' or 'share'."""
    return f"{kind}_beyond_{_fmt(threshold)}{unit}_{service_type}"


def village_population(population: pd.DataFrame, village_ids: Sequence[str], year: int) -> np.ndarray:
    """Population per village for a year: latest vintage <= year, else the earliest; NaN when unknown."""
    p = population.loc[population["level"] == "village", ["area_code", "year", "population"]]
    p = p[p["population"].notna()].sort_values(["area_code", "year"])
    first = p.groupby("area_code")["population"].first()
    before = p[p["year"] <= year].groupby("area_code")["population"].last()
    chosen = before.reindex(first.index).fillna(first)
    return pd.Series(np.asarray(village_ids, dtype=object)).map(chosen).to_numpy(float)


def access_aggregates(
    access: pd.DataFrame,
    villages: pd.DataFrame,
    population: pd.DataFrame,
    thresholds_km: Sequence[float] = THRESHOLDS_KM,
    thresholds_min: Sequence[float] = THRESHOLDS_MIN,
    kinds: tuple[str, ...] | None = DEFAULT_KINDS,
) -> pd.DataFrame:
    """Population and share (%) beyond each threshold, per service type, kommun / län / Sverige and year.

    Returns `indicators` rows: pop_beyond_{N}km_{type} (persons), share_beyond_{N}km_{type} (%),
    pop_beyond_{N}min_{type}, share_beyond_{N}min_{type}; quality: the worst quality among the
    counted rows (modelled > observed_partial > observed, servicekartan.quality). Sums run on integer group codes
    (np.bincount), which keeps the national table well under a second.
    """
    v = villages if kinds is None else villages[villages["kind"].isin(kinds)]
    v = v.reset_index(drop=True)
    vpos = pd.Index(v["village_id"]).get_indexer(access["village_id"])
    years_u, year_i = np.unique(access["year"].to_numpy(np.int64), return_inverse=True)
    pop_by_year = np.vstack([village_population(population, v["village_id"], int(y)) for y in years_u] or [[]])
    pop = np.where(vpos >= 0, pop_by_year[year_i, np.maximum(vpos, 0)] if len(v) else np.nan, np.nan)
    keep = ~np.isnan(pop)
    a = access[keep]
    pop, vpos, year_i = pop[keep], vpos[keep], year_i[keep]
    types_u, type_i = np.unique(a["service_type"].to_numpy(object).astype(str), return_inverse=True)
    km = a["distance_km"].to_numpy(float)
    unreachable = (a["method"] == "unreachable").to_numpy()
    minutes = np.where(unreachable, np.inf, a["minutes"].to_numpy(float))
    qrank = quality_rank(a["quality"]).to_numpy(np.int64)
    known = {"km": np.where(np.isnan(km), 0.0, pop), "min": np.where(np.isnan(minutes), 0.0, pop)}
    specs = [(float(t), "km") for t in thresholds_km] + [(float(t), "min") for t in thresholds_min]
    ny, nt = len(years_u), len(types_u)
    out: dict[str, list[np.ndarray]] = {
        c: [] for c in ("area_code", "year", "indicator_id", "level", "value", "unit", "quality")
    }
    for level, key in LEVEL_KEYS:
        codes, area_of_v = np.unique(
            v[key].astype(str).to_numpy() if key else np.full(len(v), COUNTRY_CODE), return_inverse=True
        )
        group = (area_of_v[vpos] * ny + year_i) * nt + type_i
        size = len(codes) * ny * nt
        present = np.flatnonzero(np.bincount(group, minlength=size) > 0)
        area_g, rest = np.divmod(present, ny * nt)
        year_g, type_g = np.divmod(rest, nt)
        n = len(present)
        worst = np.zeros(size, np.int64)
        np.maximum.at(worst, group, qrank)
        quality = np.array([quality_from_rank(r) for r in worst[present]], object)
        known_sum = {u: np.bincount(group, w, minlength=size)[present] for u, w in known.items()}
        for t, unit in specs:
            value = km if unit == "km" else minutes
            with np.errstate(invalid="ignore"):
                beyond_w = np.where(value > t, pop, 0.0)
            k = known_sum[unit]
            beyond = np.where(k > 0, np.bincount(group, beyond_w, minlength=size)[present], np.nan)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = beyond / k * 100.0
            for kind, values, unit_label in (("pop", beyond, "persons"), ("share", share, "%")):
                ids = np.array([indicator_id(kind, t, unit, s) for s in types_u], object)
                out["area_code"].append(codes[area_g].astype(object))
                out["year"].append(years_u[year_g])
                out["indicator_id"].append(ids[type_g])
                out["level"].append(np.full(n, level, object))
                out["value"].append(values)
                out["unit"].append(np.full(n, unit_label, object))
                out["quality"].append(quality.astype(object))
    if not out["value"]:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    df = pd.DataFrame({c: np.concatenate(x) for c, x in out.items()})
    df.insert(6, "source", ACCESS_SOURCE + "; population: SCB tätorter")
    return df


def service_level(
    access: pd.DataFrame, within_km: float = SERVICE_LEVEL_KM, types: Sequence[str] = PRIORITY_TYPES
) -> pd.DataFrame:
    """Per village and year: how many of `types` have a service within `within_km` (straight line).

    A type with no service at all counts as not within reach. Columns: village_id, year, n_within,
    n_types, within_km, quality (modelled if any counted type's data is modelled).
    """
    a = access[access["service_type"].isin(types)]
    frame = pd.DataFrame(
        {
            "village_id": a["village_id"].to_numpy(object),
            "year": a["year"].to_numpy(np.int64),
            "within": (a["distance_km"].to_numpy(float) <= within_km).astype(int),
            "modelled": quality_rank(a["quality"]).to_numpy(int),
        }
    )
    g = frame.groupby(["village_id", "year"], sort=True).agg(within=("within", "sum"), modelled=("modelled", "max"))
    g = g.reset_index()
    return pd.DataFrame(
        {
            "village_id": g["village_id"],
            "year": g["year"].astype("int64"),
            "n_within": g["within"].astype("int64"),
            "n_types": len(tuple(types)),
            "within_km": float(within_km),
            "quality": [quality_from_rank(r) for r in g["modelled"]],
        }
    )


def service_level_indicators(
    access: pd.DataFrame, within_km: float = SERVICE_LEVEL_KM, types: Sequence[str] = PRIORITY_TYPES
) -> pd.DataFrame:
    """`service_level_{N}km` indicator rows at level "village" (area_code = village_id), unit count."""
    lvl = service_level(access, within_km, types)
    return pd.DataFrame(
        {
            "area_code": lvl["village_id"],
            "year": lvl["year"],
            "indicator_id": f"service_level_{_fmt(within_km)}km",
            "level": "village",
            "value": lvl["n_within"].astype(float),
            "unit": "count",
            "source": f"{ACCESS_SOURCE}; priority types: {', '.join(types)}",
            "quality": lvl["quality"],
        }
    )


def access_indicators(
    access: pd.DataFrame,
    villages: pd.DataFrame,
    population: pd.DataFrame,
    thresholds_km: Sequence[float] = THRESHOLDS_KM,
    thresholds_min: Sequence[float] = THRESHOLDS_MIN,
    within_km: float = SERVICE_LEVEL_KM,
) -> pd.DataFrame:
    """Everything the access engine adds to `indicators`: threshold aggregates + per-village service level."""
    return pd.concat(
        [
            access_aggregates(access, villages, population, thresholds_km, thresholds_min),
            service_level_indicators(access, within_km),
        ],
        ignore_index=True,
    )
