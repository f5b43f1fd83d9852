"""Checks on built datasets: counts, unique keys, codes that join, coordinates inside Sweden."""

from __future__ import annotations

import numpy as np
import pandas as pd

from servicekartan import geo
from servicekartan.access import METHOD_ESTIMATE, METHOD_NETWORK, METHODS
from servicekartan.datasets import KEYS
from servicekartan.definitions import SERVICE_TYPE_IDS
from servicekartan.quality import QUALITY_LEVELS, SNAPSHOT_YEAR

# dataset -> the datasets its codes are checked against (when built in the same run): an ordering edge of the build
REFERENCES: dict[str, tuple[str, ...]] = {
    "villages": ("regions",),
    "services": ("regions",),
    "population": ("villages",),
    "village_access": ("villages", "services"),
}


class ValidationError(RuntimeError):
    pass


def check_unique(name: str, df: pd.DataFrame) -> list[str]:
    key = list(KEYS.get(name, ()))
    if not key:
        return []
    dup = df.duplicated(key, keep=False)
    return [f"{name}: {int(dup.sum())} rows share a key {key}"] if dup.any() else []


def check_dataset(name: str, df: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> list[str]:
    errors = check_unique(name, df)
    regions = frames.get("regions")
    if name == "regions":
        n_kom = int((df["level"] == "municipality").sum())
        n_lan = int((df["level"] == "county").sum())
        if n_kom != 290:
            errors.append(f"regions: {n_kom} kommuner, expected 290")
        if n_lan != 21:
            errors.append(f"regions: {n_lan} län, expected 21")
        kom = df[df["level"] == "municipality"]
        bad = set(kom["parent_code"]) - set(df.loc[df["level"] == "county", "code"])
        if bad:
            errors.append(f"regions: kommuner with unknown län {sorted(bad)}")
    if "lat" in df.columns and len(df):
        ok = geo.inside_sweden(df["lat"], df["lon"])
        if not ok.all():
            errors.append(f"{name}: {int((~ok).sum())} points outside Sweden's bounding box")
    if regions is not None and name in ("villages", "services"):
        codes = set(regions["code"])
        mc = df["municipality_code"].dropna()
        bad = sorted(set(mc) - codes)
        if bad:
            errors.append(f"{name}: unknown kommun codes {bad[:5]}")
        if name == "villages":
            bad = sorted(set(df["county_code"]) - codes)
            if bad:
                errors.append(f"villages: unknown län codes {bad[:5]}")
    if name == "village_access":
        errors += check_village_access(df, frames)
    villages = frames.get("villages")
    if villages is not None and name in ("population", "village_access"):
        col = "area_code" if name == "population" else "village_id"
        sub = df[df["level"] == "village"] if name == "population" else df
        bad = sorted(set(sub[col]) - set(villages["village_id"]))
        if bad:
            errors.append(f"{name}: unknown village ids {bad[:5]}")
    return errors


def check_village_access(df: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> list[str]:
    """Complete grid, known types/methods, no inf, NaN road values exactly where there is no road answer."""
    errors: list[str] = []
    if not len(df):
        return ["village_access: empty"]
    missing_years = sorted({SNAPSHOT_YEAR} - set(df["year"]))
    if missing_years:
        errors.append(f"village_access: years missing {missing_years}")
    bad = sorted(set(df["service_type"]) - set(SERVICE_TYPE_IDS))
    if bad:
        errors.append(f"village_access: unknown service types {bad}")
    bad = sorted(set(df["method"]) - set(METHODS))
    if bad:
        errors.append(f"village_access: unknown methods {bad}")
    if not df["quality"].isin(QUALITY_LEVELS).all():
        errors.append("village_access: quality must be one of " + ", ".join(QUALITY_LEVELS))
    n_grid = df["village_id"].nunique() * df["service_type"].nunique() * df["year"].nunique()
    if len(df) != n_grid:
        errors.append(f"village_access: {len(df)} rows, expected the full grid of {n_grid}")
    num = df[["distance_km", "road_km", "minutes"]].to_numpy(float)
    if np.isinf(num).any():
        errors.append("village_access: infinite distances (unreachable must be NaN)")
    if (num[~np.isnan(num)] < 0).any():
        errors.append("village_access: negative distances")
    answered = df["method"].isin([METHOD_ESTIMATE, METHOD_NETWORK]).to_numpy()
    if df.loc[answered, ["distance_km", "road_km", "minutes"]].isna().any().any():
        errors.append("village_access: estimate/network rows with missing distance")
    if df.loc[~answered, ["road_km", "minutes"]].notna().any().any():
        errors.append("village_access: unreachable/no_service rows must have NaN road_km and minutes")
    services = frames.get("services")
    if services is not None:
        ids = set(services["service_id"])
        bad = sorted(set(df["nearest_service_id"].dropna()) - ids)
        if bad:
            errors.append(f"village_access: unknown nearest_service_id {bad[:5]}")
    return errors
