"""Indicator series -> measurement bases, series breaks and a least-squares projection towards a target."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from servicekartan.targets.vocabulary import N_LAST, REACH_HORIZON

_BASE_RE = re.compile(r"\bbase[:\s]+([A-Za-zåäöÅÄÖ_]+)")


def _known_base(indicator_id: str | None, year: int) -> str | None:
    """Documented base of a series that does not name it (Kolada N07900/N07918 text, seed kolada_kpis.csv).

    "Till och med 2014 avsågs befolkning istället för hushåll. Från och med 2021 avser det befolkning."
    """
    if indicator_id and indicator_id.startswith("broadband_"):
        if year <= 2014:
            return "population"
        return "households" if year <= 2020 else "population"
    return None


def series_base(series: pd.DataFrame, indicator_id: str | None = None) -> pd.Series:
    """The measurement base of each observation: `base` column, else "base X" in `source`, else the
    documented base of broadband series, else the source text itself (a change of source is a break)."""
    if "base" in series.columns:
        return series["base"].astype(object).where(series["base"].notna(), "").astype(str)
    src = series["source"].astype(str) if "source" in series.columns else pd.Series("", index=series.index)
    out = []
    for y, s in zip(series["year"], src, strict=True):
        m = _BASE_RE.search(s)
        if m:
            out.append(m.group(1).lower())
        else:
            out.append(_known_base(indicator_id, int(y)) or s)
    return pd.Series(out, index=series.index, dtype=object)


@dataclass(frozen=True)
class SeriesBreak:
    """A change of measurement base between two consecutive observations."""

    year_before: int
    year_after: int
    base_before: str
    base_after: str

    def describe(self, lang: str = "en") -> str:
        """'2014→2015: andel av befolkningen → andel av hushållen' (bases in words where the catalog has them)."""
        return f"{self.year_before}→{self.year_after}: {_base_words(self.base_before, lang)} → {_base_words(self.base_after, lang)}"


def localise_breaks(text: str, lang: str) -> str:
    """A summary table's language-neutral `breaks` text ('2014→2015: population → households; …') in words."""
    parts = []
    for item in filter(None, (x.strip() for x in str(text or "").split(";"))):
        years, _, bases = item.partition(": ")
        parts.append(f"{years}: " + " → ".join(_base_words(b.strip(), lang) for b in bases.split(" → ")))
    return "; ".join(parts)


def _base_words(base: str, lang: str) -> str:
    from servicekartan.i18n import has, t

    return t(f"base_{base}", lang) if base and has(f"base_{base}", lang) else base


def prepare_series(series: pd.DataFrame, indicator_id: str | None = None) -> pd.DataFrame:
    """Clean a series: numeric year/value, missing values dropped (missing is not zero), one row per
    year (last wins), sorted; adds `base` and `segment` (0, 1, … increasing at each series break)."""
    df = series.copy()
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df = df.dropna(subset=["year", "value"])
    df["year"] = df["year"].astype("int64")
    df = df.sort_values("year", kind="stable").drop_duplicates("year", keep="last").reset_index(drop=True)
    df["base"] = series_base(df, indicator_id).to_numpy() if len(df) else pd.Series(dtype=object)
    change = df["base"].ne(df["base"].shift()) & df.index.to_series().gt(0)
    df["segment"] = change.cumsum().astype("int64")
    return df


def find_breaks(series: pd.DataFrame, indicator_id: str | None = None) -> list[SeriesBreak]:
    """Every series break (change of base between consecutive observed years)."""
    df = series if "segment" in series.columns else prepare_series(series, indicator_id)
    out = []
    for i in range(1, len(df)):
        if df["segment"].iat[i] != df["segment"].iat[i - 1]:
            out.append(
                SeriesBreak(
                    int(df["year"].iat[i - 1]), int(df["year"].iat[i]), df["base"].iat[i - 1], df["base"].iat[i]
                )
            )
    return out


@dataclass(frozen=True)
class Projection:
    """A linear trend over the last observed years of the latest series segment."""

    years: tuple[int, ...]
    slope: float  # indicator units per year
    intercept: float  # value at year 0 (use `value_at`)
    base: str
    target_year: int
    value_at_target_year: float
    reaches_by_target_year: bool
    # First whole year (≥ the first fitted year) the line meets the target; None = never (or after 2100).
    reach_year: int | None

    def value_at(self, year: float) -> float:
        return self.intercept + self.slope * year

    @property
    def method(self) -> str:
        n = len(self.years)
        return f"linear least squares over {n} observed years {self.years[0]}–{self.years[-1]} (base: {self.base})"


def meets(value: float, target: float, direction: str) -> bool:
    eps = 1e-9
    return value >= target - eps if direction == "at_least" else value <= target + eps


def project(
    prepared: pd.DataFrame, target_value: float, direction: str, target_year: int, n_last: int = N_LAST
) -> Projection | None:
    """Fit the trend on the last `n_last` observations of the latest segment; None with fewer than 2."""
    if prepared.empty:
        return None
    seg = prepared[prepared["segment"] == prepared["segment"].iat[-1]].tail(n_last)
    if len(seg) < 2:
        return None
    x = seg["year"].to_numpy(float)
    y = seg["value"].to_numpy(float)
    # Ordinary least squares on centred years: slope = Sxy / Sxx, line through (mean year, mean value).
    xm, ym = x.mean(), y.mean()
    slope = float(((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum())
    intercept = float(ym - slope * xm)
    if abs(slope) < 1e-9 * max(1.0, float(np.abs(y).max())):
        slope, intercept = 0.0, float(y.mean())  # flat: rounding noise must not invent a far-off crossing
    at_target = intercept + slope * target_year
    first = int(x[0])
    toward = slope > 0 if direction == "at_least" else slope < 0
    reach: int | None
    if meets(intercept + slope * first, target_value, direction):
        reach = first
    elif toward:
        reach = max(first, math.ceil((target_value - intercept) / slope - 1e-9))
        if reach > REACH_HORIZON:
            reach = None  # not before the horizon: reported as "never"
    else:
        reach = None
    return Projection(
        years=tuple(int(v) for v in x),
        slope=slope,
        intercept=intercept,
        base=str(seg["base"].iat[-1]),
        target_year=int(target_year),
        value_at_target_year=at_target,
        reaches_by_target_year=meets(at_target, target_value, direction),
        reach_year=reach,
    )
