"""Targets x indicators -> summary tables: every target of an area, or one target per kommun, with lights."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from servicekartan.areas import COUNTRY_CODE, normalise
from servicekartan.targets.series import prepare_series
from servicekartan.targets.status import Target, TargetStatus, evaluate, series_for
from servicekartan.targets.vocabulary import N_LAST, status_label

SUMMARY_COLUMNS: tuple[str, ...] = (
    "light",
    "status",
    "target_id",
    "name_sv",
    "name_en",
    "indicator_id",
    "area_code",
    "target_area",
    "direction",
    "target_value",
    "unit",
    "target_year",
    "value_at_target",
    "value_basis",
    "basis",
    "gap",
    "shortfall",
    "latest_year",
    "latest_value",
    "first_met_year",
    "projected_value",
    "trend_reaches",
    "method",
    "breaks",
    "quality",
    "scope",
    "source",
    "note",
)


def status_row(st: TargetStatus, area_code: str) -> dict:
    """One summary-table row (see SUMMARY_COLUMNS) for a TargetStatus."""
    t, p = st.target, st.projection
    return {
        "light": st.light,
        "status": st.status,
        "target_id": t.target_id,
        "name_sv": t.name("sv"),
        "name_en": t.name("en"),
        "indicator_id": t.indicator_id,
        "area_code": area_code,
        "target_area": t.area_code,
        "direction": t.direction,
        "target_value": t.value,
        "unit": t.unit,
        "target_year": t.year,
        "value_at_target": np.nan if st.value_at_target is None else st.value_at_target,
        "value_basis": st.value_basis,
        "basis": st.basis,
        "gap": np.nan if st.gap is None else st.gap,
        "shortfall": np.nan if st.shortfall is None else st.shortfall,
        "latest_year": pd.NA if st.latest_year is None else st.latest_year,
        "latest_value": np.nan if st.latest_value is None else st.latest_value,
        "first_met_year": pd.NA if st.first_met_year is None else st.first_met_year,
        "projected_value": np.nan if p is None else p.value_at_target_year,
        "trend_reaches": st.trend_reaches,
        "method": "" if p is None else p.method,
        "breaks": "; ".join(b.describe() for b in st.breaks),
        "quality": st.quality,
        "scope": t.scope,
        "source": t.source,
        "note": t.note,
    }


def summary_table(
    indicators: pd.DataFrame,
    targets: pd.DataFrame,
    area_code: str = COUNTRY_CODE,
    *,
    as_of: int | None = None,
    include_national: bool = True,
    n_last: int = N_LAST,
) -> pd.DataFrame:
    """Every target that applies to `area_code`, evaluated, one row each, with a traffic light.

    Applies: targets set for the area itself, plus (with `include_national`) the national targets
    (area 00) measured on the area's own series — e.g. the 95 % broadband goal on a kommun's
    Kolada N07900 series. `target_area` says where the target was set. `light` is green (met /
    on track), red (missed / off track) or grey (pending / no data); `LIGHT_SYMBOL`/`LIGHT_HEX`
    map it to a dot or colour. Numeric columns stay numbers (NaN = missing) for formatting.
    """
    area = normalise(area_code)
    mask = targets["area_code"] == area
    if include_national:
        mask |= targets["area_code"] == COUNTRY_CODE
    rows = []
    for _, row in targets[mask].iterrows():
        st = evaluate(series_for(indicators, str(row["indicator_id"]), area), row, as_of=as_of, n_last=n_last)
        rows.append(status_row(st, area))
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    for c in ("latest_year", "first_met_year", "target_year"):
        out[c] = out[c].astype("Int64")
    return out


def status_by_area(
    indicators: pd.DataFrame,
    target: Target | Mapping[str, object] | pd.Series,
    *,
    level: str | None = "municipality",
    area_codes: Iterable[str] | None = None,
    as_of: int | None = None,
    n_last: int = N_LAST,
) -> pd.DataFrame:
    """One target evaluated on every area that has its indicator (e.g. the 95 % goal per kommun from
    Kolada N07900): one summary row (SUMMARY_COLUMNS) per area, for a table or a map coloured by `light`.

    `level` filters the indicators' `level` column (None = any); `area_codes` restricts the areas.
    """
    t = target if isinstance(target, Target) else Target.from_row(target)
    sel = indicators[indicators["indicator_id"] == t.indicator_id]
    if level is not None and "level" in sel.columns:
        sel = sel[sel["level"] == level]
    if area_codes is not None:
        sel = sel[sel["area_code"].isin(list(area_codes))]
    cols = [c for c in ("year", "value", "unit", "source", "quality") if c in sel.columns]
    rows = [
        status_row(evaluate(prepare_series(g[cols], t.indicator_id), t, as_of=as_of, n_last=n_last), str(code))
        for code, g in sel.groupby("area_code", sort=True)
    ]
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    for c in ("latest_year", "first_met_year", "target_year"):
        out[c] = out[c].astype("Int64")
    return out


def in_language(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A summary table with `status` in words and `name` in the language (for showing it on a page)."""
    return summary.assign(
        status=summary["status"].map(lambda s: status_label(s, lang)),
        name=summary["name_sv" if lang == "sv" else "name_en"],
    )
