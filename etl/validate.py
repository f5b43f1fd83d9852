"""Checks on built datasets: counts, unique keys, codes that join, coordinates inside Sweden."""

from __future__ import annotations

import pandas as pd

from servicekartan import geo
from servicekartan.catalog import KEYS


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
    villages = frames.get("villages")
    if villages is not None and name in ("population", "village_access"):
        col = "area_code" if name == "population" else "village_id"
        sub = df[df["level"] == "village"] if name == "population" else df
        bad = sorted(set(sub[col]) - set(villages["village_id"]))
        if bad:
            errors.append(f"{name}: unknown village ids {bad[:5]}")
    return errors
