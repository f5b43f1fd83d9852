"""One target and one indicator series -> a status (met, missed, on track …) with its basis, in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from servicekartan import fmt, i18n
from servicekartan.areas import COUNTRY_CODE, normalise
from servicekartan.definitions import QUALITY_MODELLED, QUALITY_OBSERVED
from servicekartan.targets.series import Projection, SeriesBreak, find_breaks, meets, prepare_series, project
from servicekartan.targets.vocabulary import LIGHTS, N_LAST, status_label


@dataclass(frozen=True)
class Target:
    """One target (a registry row)."""

    target_id: str
    indicator_id: str
    value: float
    year: int
    direction: str
    area_code: str = COUNTRY_CODE
    kind: str = "by_year"
    unit: str = ""
    name_sv: str = ""
    name_en: str = ""
    source: str = ""
    scope: str = "national"
    note: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, object] | pd.Series) -> Target:
        get = row.get
        return cls(
            target_id=str(get("target_id", "")),
            indicator_id=str(get("indicator_id", "")),
            value=float(get("value")),  # type: ignore[arg-type]
            year=int(get("year")),  # type: ignore[arg-type]
            direction=str(get("direction", "at_least")),
            area_code=str(get("area_code", "") or COUNTRY_CODE),
            kind=str(get("kind", "") or "by_year"),
            unit=str(get("unit", "") or ""),
            name_sv=str(get("name_sv", "") or ""),
            name_en=str(get("name_en", "") or ""),
            source=str(get("source", "") or ""),
            scope=str(get("scope", "") or ""),
            note=str(get("note", "") or ""),
        )

    def name(self, lang: str = "en") -> str:
        return getattr(self, i18n.lang_field("name", lang)) or self.name_sv or self.target_id


@dataclass(frozen=True)
class TargetStatus:
    """Where an indicator stands against a target.

    `value_at_target` is the value used for the status of a past target (see `value_basis`);
    for a future target it is the latest observation. `gap` = that value − target (indicator
    units, signed); `shortfall` = how far it is from meeting the target (0 when met).
    """

    target: Target
    status: str
    as_of: int
    value_at_target: float | None
    basis: str  # observed / latest / interpolated / neighbours_agree / neighbours_disagree / none / none_from / no_observations
    basis_years: tuple[int, ...]
    gap: float | None
    shortfall: float | None
    latest_year: int | None
    latest_value: float | None
    first_met_year: int | None
    projection: Projection | None
    breaks: tuple[SeriesBreak, ...]
    quality: str
    n_observations: int

    @property
    def light(self) -> str:
        return LIGHTS[self.status]

    def basis_text(self, lang: str = "en") -> str:
        """How `value_at_target` was obtained, in words (`target_basis.<basis>` in the catalog)."""
        ys = self.basis_years + (0, 0)
        return i18n.t(f"target_basis.{self.basis}", lang, y0=ys[0], y1=ys[1], year=self.target.year)

    @property
    def value_basis(self) -> str:
        return self.basis_text("en")

    @property
    def trend_reaches(self) -> str:
        """The year the trend meets the target as text, "never", or "" without a projection."""
        if self.projection is None:
            return ""
        return "never" if self.projection.reach_year is None else str(self.projection.reach_year)

    def label(self, lang: str = "en") -> str:
        return status_label(self.status, lang)

    def sentence(self, lang: str = "en") -> str:
        """One plain sentence about the status, for a caption."""
        tg, unit = self.target, (" " + self.target.unit if self.target.unit else "")
        head = "head_at_least" if tg.direction == "at_least" else "head_at_most"
        parts = [
            i18n.t(
                f"target_sentence.{head}", lang, name=tg.name(lang), value=_fmt(tg.value, lang), unit=unit, year=tg.year
            ),
            self.label(lang).lower(),
        ]
        if self.value_at_target is not None:
            parts.append(f"{fmt.number(self.value_at_target, lang, 1)}{unit} ({self.basis_text(lang)})")
        if self.first_met_year is not None:
            parts.append(i18n.t("target_sentence.first_met", lang, year=self.first_met_year))
        if self.projection is not None and self.status not in ("met", "missed"):  # a trend speaks only of a future
            p = self.projection
            parts.append(
                i18n.t("target_sentence.never_reaches", lang)
                if p.reach_year is None
                else i18n.t("target_sentence.reaches", lang, year=p.reach_year)
            )
        if self.breaks:
            parts.append(
                i18n.t("target_sentence.series_break", lang, breaks=", ".join(b.describe(lang) for b in self.breaks))
            )
        return "; ".join(parts) + "."


def _fmt(x: float, lang: str = "en") -> str:
    """A target value with the decimals it has (at most 2), in the language's number format: 95, 0,3, 1,22."""
    decimals = len(f"{x:.2f}".rstrip("0").split(".")[1]) if abs(x - round(x)) > 1e-9 else 0
    return fmt.number(x, lang, decimals)


def _quality(series: pd.DataFrame) -> str:
    if "quality" not in series.columns or series.empty:
        return QUALITY_OBSERVED
    q = set(series["quality"].astype(str))
    if q <= {QUALITY_OBSERVED}:
        return QUALITY_OBSERVED
    return QUALITY_MODELLED if q <= {QUALITY_MODELLED} else "mixed"


def _value_at_year(df: pd.DataFrame, t: Target) -> tuple[float | None, str, tuple[int, ...]]:
    """Value standing for the target year of a past target, how it was obtained (code) and from which years."""
    if df.empty:
        return None, "no_observations", ()
    years = df["year"].to_numpy()
    if t.kind == "from_year":
        after = df[df["year"] >= t.year]
        if after.empty:
            return None, "none_from", ()
        r = after.iloc[-1]
        return float(r["value"]), "latest", (int(r["year"]),)
    exact = df[df["year"] == t.year]
    if not exact.empty:
        return float(exact["value"].iat[0]), "observed", (t.year,)
    before = df[years < t.year]
    after = df[years > t.year]
    if before.empty or after.empty:
        return None, "none", ()
    b, a = before.iloc[-1], after.iloc[0]
    yb, ya = int(b["year"]), int(a["year"])
    if b["segment"] == a["segment"]:
        v = float(b["value"]) + (float(a["value"]) - float(b["value"])) * (t.year - yb) / (ya - yb)
        return v, "interpolated", (yb, ya)
    mb, ma = meets(float(b["value"]), t.value, t.direction), meets(float(a["value"]), t.value, t.direction)
    if mb == ma:
        # Across a break there is no line to draw; the last value before the target year stands for it.
        return float(b["value"]), "neighbours_agree", (yb, ya)
    return None, "neighbours_disagree", (yb, ya)


def evaluate(
    series: pd.DataFrame,
    target: Target | Mapping[str, object] | pd.Series,
    as_of: int | None = None,
    n_last: int = N_LAST,
) -> TargetStatus:
    """Judge one target against one indicator series (columns `year`, `value`, optional `base`/`source`/`quality`).

    `as_of` (default: the current calendar year) is the year from which the target is judged: only
    observations up to `as_of` are used; a target year before `as_of` (or with an observation) is
    over. See the module docstring for the statuses and the projection method.
    """
    t = target if isinstance(target, Target) else Target.from_row(target)
    as_of = int(as_of) if as_of is not None else date.today().year
    df = prepare_series(series, t.indicator_id)
    df = df[df["year"] <= as_of].reset_index(drop=True)
    breaks = tuple(find_breaks(df))
    proj = project(df, t.value, t.direction, t.year, n_last)
    met_years = df.loc[[meets(float(v), t.value, t.direction) for v in df["value"]], "year"]
    first_met = int(met_years.iat[0]) if len(met_years) else None
    latest_year = int(df["year"].iat[-1]) if len(df) else None
    latest_value = float(df["value"].iat[-1]) if len(df) else None
    over = t.year < as_of or bool((df["year"] == t.year).any())
    if over:
        value, basis, basis_years = _value_at_year(df, t)
        status = "no_data" if value is None else "met" if meets(value, t.value, t.direction) else "missed"
    else:
        value = latest_value
        basis, basis_years = ("latest", (latest_year,)) if latest_year is not None else ("no_observations", ())
        if proj is not None:
            status = "on_track" if proj.reaches_by_target_year else "off_track"
        elif latest_value is not None and meets(latest_value, t.value, t.direction):
            status = "on_track"
        else:
            status = "pending"
    gap = None if value is None else value - t.value
    shortfall = None
    if value is not None:
        shortfall = max(0.0, t.value - value) if t.direction == "at_least" else max(0.0, value - t.value)
    return TargetStatus(
        target=t,
        status=status,
        as_of=as_of,
        value_at_target=value,
        basis=basis,
        basis_years=tuple(int(y) for y in basis_years if y is not None),
        gap=gap,
        shortfall=shortfall,
        latest_year=latest_year,
        latest_value=latest_value,
        first_met_year=first_met,
        projection=proj,
        breaks=breaks,
        quality=_quality(df),
        n_observations=len(df),
    )


def trend_frame(status: TargetStatus, until: int | None = None) -> pd.DataFrame:
    """The projection as points (year, value) from the first fitted year to `until` (default: the later of
    the target year and the last fitted year) — ready to draw as a dashed line; empty without a projection."""
    p = status.projection
    if p is None:
        return pd.DataFrame({"year": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64")})
    end = until if until is not None else max(status.target.year, p.years[-1])
    years = np.arange(p.years[0], max(end, p.years[0]) + 1)
    return pd.DataFrame({"year": years.astype("int64"), "value": p.intercept + p.slope * years})


def series_for(indicators: pd.DataFrame, indicator_id: str, area_code: str = COUNTRY_CODE) -> pd.DataFrame:
    """One indicator series for one area from the `indicators` dataset, with `base` and `segment` added."""
    area = normalise(area_code)
    sel = indicators[(indicators["indicator_id"] == indicator_id) & (indicators["area_code"] == area)]
    cols = [c for c in ("year", "value", "unit", "source", "quality") if c in sel.columns]
    return prepare_series(sel[cols], indicator_id)
