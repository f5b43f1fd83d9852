"""Grid datasets (area_population, grid_indicators) -> what the overview and access pages show: the official
population and its series, the tätort split of the grid, whole-population shares, bands and per-kommun rows,
each with its basis (which people, which year, which grid, which service layer).

Pure pandas (no Streamlit). The pages read these through cached indexes (servicekartan.ui.grid_data); the
frames returned are shared, so callers filter or assign, never modify them in place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from servicekartan import areas, fmt
from servicekartan.definitions import QUALITY_MODELLED, SERVICE_TYPE_IDS
from servicekartan.grid import BASIS_65PLUS, BASIS_ALL, BASIS_IN_TATORT, BASIS_OUTSIDE_TATORT
from servicekartan.i18n import service_label, t
from servicekartan.modelled import MODEL_THRESHOLDS
from servicekartan.quality import QUALITY_OWN
from servicekartan.views import DISTANCE_BANDS, FrameIndex

# area_population.quality
OFFICIAL = "official"
GRID_ESTIMATE = "grid_estimate"
MISSING = "missing"

# The bases a page offers (the Census 2021 grid is the only one with ages, so 65+ is a 2021 figure).
PAGE_BASES: tuple[str, ...] = (BASIS_ALL, BASIS_OUTSIDE_TATORT, BASIS_65PLUS)


class GridIndex(FrameIndex):
    """`grid_indicators` by area, plus the grid years per basis."""

    def __init__(self, frame: pd.DataFrame) -> None:
        super().__init__(frame, ("area_code",))
        years = frame.groupby("basis", sort=False)["year"].unique()
        self._years = {str(b): sorted(int(y) for y in ys) for b, ys in years.items()}

    def area(self, code: str) -> pd.DataFrame:
        return self.get("area_code", code)

    def years(self, basis: str = BASIS_ALL) -> list[int]:
        return self._years.get(basis, [])

    def latest_year(self, basis: str = BASIS_ALL) -> int | None:
        ys = self.years(basis)
        return ys[-1] if ys else None


# --------------------------------------------------------------------------------------------- population


@dataclass(frozen=True)
class Headline:
    """The area's official population of the latest official year, and the grid's tätort split."""

    population: float
    year: int | None
    source: str
    grid_year: int | None
    grid_total: float  # sum of the squares (a grid estimate)
    in_tatort: float
    outside_tatort: float
    grid_source: str

    @property
    def share_outside(self) -> float:
        return self.outside_tatort / self.grid_total * 100 if self.grid_total else float("nan")

    @property
    def share_in(self) -> float:
        return self.in_tatort / self.grid_total * 100 if self.grid_total else float("nan")


def latest_official(pop_rows: pd.DataFrame) -> tuple[float, int | None, str]:
    """(population, year, source) of the latest official row of one area; (NaN, None, "") if none."""
    off = pop_rows[(pop_rows["quality"] == OFFICIAL) & pop_rows["population"].notna()]
    if off.empty:
        return float("nan"), None, ""
    row = off.sort_values("year").iloc[-1]
    return float(row["population"]), int(row["year"]), str(row["source"])


def basis_population(grid_rows: pd.DataFrame, year: int | None, basis: str) -> float:
    """People of a basis in the area in a grid year (sum of squares; the same on every row of the basis)."""
    if year is None:
        return float("nan")
    rows = grid_rows[(grid_rows["year"] == year) & (grid_rows["basis"] == basis)]
    return float(rows["population"].iloc[0]) if len(rows) else float("nan")


# The grids' source names as the build writes them (English, in the data) -> the page's words.
_GRID_SOURCES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^SCB 1 km grid (\d{4}) \(registered population 31 Dec\)$"), "grid_source.scb"),
    (re.compile(r"^Eurostat Census (\d{4}) 1 km grid \(data from SCB\)$"), "grid_source.census"),
    (re.compile(r"^Eurostat GEOSTAT 1 km grid (\d{4})$"), "grid_source.geostat"),
)


def population_source_label(source: str, lang: str) -> str:
    """A grid row's population source in the page's language ("SCB:s rutnät 1 km 2024 (folkbokförda 31 dec)");
    an unknown source is shown as written."""
    for pattern, key in _GRID_SOURCES:
        m = pattern.match(str(source))
        if m:
            return t(key, lang, y=m.group(1))
    return str(source)


def headline(pop_rows: pd.DataFrame, grid_rows: pd.DataFrame, grid_year: int | None) -> Headline:
    """Official population (latest official year) and the grid year's people in and outside tätorter."""
    pop, year, source = latest_official(pop_rows)
    src = grid_rows.loc[grid_rows["year"] == grid_year, "population_source"]
    return Headline(
        population=pop,
        year=year,
        source=source,
        grid_year=grid_year,
        grid_total=basis_population(grid_rows, grid_year, BASIS_ALL),
        in_tatort=basis_population(grid_rows, grid_year, BASIS_IN_TATORT),
        outside_tatort=basis_population(grid_rows, grid_year, BASIS_OUTSIDE_TATORT),
        grid_source=str(src.iloc[0]) if len(src) else "",
    )


def population_series(pop_rows: pd.DataFrame) -> pd.DataFrame:
    """Every year of one area with `official` (None where not official: a gap, never interpolated) and
    `estimate` (the grid estimate, only in its year), for a chart with `connectgaps=False`."""
    s = pop_rows.sort_values("year")
    pop = s["population"].astype(object)
    official = pop.where((s["quality"] == OFFICIAL) & s["population"].notna(), None)
    estimate = pop.where((s["quality"] == GRID_ESTIMATE) & s["population"].notna(), None)
    return pd.DataFrame(
        {
            "year": s["year"].to_numpy(int),
            "official": official.to_numpy(object),
            "estimate": estimate.to_numpy(object),
            "quality": s["quality"].to_numpy(object),
        }
    )


def missing_years(series: pd.DataFrame) -> list[int]:
    return [int(y) for y in series.loc[series["quality"] == MISSING, "year"]]


def estimate_year(series: pd.DataFrame) -> int | None:
    """The year of the grid estimate in a population series (None when it has none)."""
    years = series.loc[series["quality"] == GRID_ESTIMATE, "year"]
    return int(years.iloc[0]) if len(years) else None


# --------------------------------------------------------------------------------------------- access


def shares(grid_rows: pd.DataFrame, year: int | None, basis: str, threshold: float, unit: str = "km") -> pd.DataFrame:
    """Per service type (product order): people of the basis, within/beyond the threshold, shares, layer quality."""
    cols = ["service_type", "population", "pop_within", "pop_beyond", "share_within", "share_beyond", "quality"]
    if year is None:
        return pd.DataFrame(columns=[*cols, "population_source"])
    rows = grid_rows[
        (grid_rows["year"] == year)
        & (grid_rows["basis"] == basis)
        & (grid_rows["unit"] == unit)
        & (grid_rows["threshold"] == float(threshold))
    ]
    order = {s: i for i, s in enumerate(SERVICE_TYPE_IDS)}
    out = rows.sort_values("service_type", key=lambda c: c.map(order))
    return out[[*cols, "population_source"]].reset_index(drop=True)


def bands(grid_rows: pd.DataFrame, year: int | None, basis: str, service_type: str, no_service: str) -> pd.DataFrame:
    """People of the basis per straight-line band (0–2, 2–5, …, >25 km) to the nearest service of a type;
    everyone in `no_service` when the type has no service at all (the grid rows' within is then missing)."""
    edges = [e for e in DISTANCE_BANDS if e > 0]
    labels = [f"{a:g}–{b:g} km" for a, b in zip(DISTANCE_BANDS[:-1], DISTANCE_BANDS[1:], strict=True)]
    labels.append(f">{DISTANCE_BANDS[-1]:g} km")
    rows = grid_rows[
        (grid_rows["year"] == year)
        & (grid_rows["basis"] == basis)
        & (grid_rows["unit"] == "km")
        & (grid_rows["service_type"] == service_type)
    ].set_index("threshold")
    if rows.empty:
        return pd.DataFrame({"band": labels, "population": [float("nan")] * len(labels)})
    total = float(rows["population"].iloc[0])
    within = rows["pop_within"].reindex([float(e) for e in edges]).to_numpy(float)
    if np.isnan(within).all():
        return pd.DataFrame({"band": [*labels, no_service], "population": [0.0] * len(labels) + [total]})
    people = np.diff(np.concatenate([[0.0], within, [total]]))
    return pd.DataFrame({"band": labels, "population": people})


def by_kommun(
    grid: pd.DataFrame,
    area: str,
    year: int | None,
    basis: str,
    service_type: str,
    threshold: float,
    unit: str = "km",
) -> pd.DataFrame:
    """One row per kommun inside the area: people of the basis, within/beyond and shares (most people beyond first)."""
    rows = grid[
        (grid["level"] == "municipality")
        & (grid["year"] == year)
        & (grid["basis"] == basis)
        & (grid["service_type"] == service_type)
        & (grid["unit"] == unit)
        & (grid["threshold"] == float(threshold))
    ]
    rows = rows[areas.in_area(rows["area_code"], area)]
    cols = ["area_code", "population", "pop_within", "share_within", "pop_beyond", "share_beyond", "quality"]
    return rows[cols].sort_values("pop_beyond", ascending=False, ignore_index=True)


MAP_PREFIX = "grid_within_"  # the overview map's whole-population options: grid_within_<service type>


def kommun_shares(
    grid: pd.DataFrame, county: str, year: int | None, service_type: str, km: float, basis: str = BASIS_ALL
) -> pd.DataFrame:
    """Share of the basis within km per kommun of a län (or of Sverige), in the shape of views.kommun_values
    (area_code, value, quality), for the kommun map."""
    rows = by_kommun(grid, county, year, basis, service_type, km)
    return rows.rename(columns={"share_within": "value"})[["area_code", "value", "quality"]]


def map_label(option: str, km: float, lang: str) -> str:
    """'Andel av alla invånare inom 10 km från dagligvarubutik (%)' for a map option grid_within_<type>."""
    stype = option.removeprefix(MAP_PREFIX)
    return t("grid.map_indicator", lang, n=f"{km:g}", s=service_label(stype, lang).lower())


def tatort_point_share_within(indicators_area: pd.DataFrame, service_type: str, km: float) -> tuple[float, int | None]:
    """The tätort-point figure (village_access aggregates: tätort population on SCB's points) as a share *within*
    km, latest year: 100 − share_beyond. (NaN, None) when the threshold or type has none."""
    iid = f"share_beyond_{km:g}km_{service_type}"
    rows = indicators_area[indicators_area["indicator_id"] == iid]
    if rows.empty:
        return float("nan"), None
    row = rows.sort_values("year").iloc[-1]
    return 100.0 - float(row["value"]), int(row["year"])


# --------------------------------------------------------------------------------------------- labels


def is_modelled(quality: object) -> bool:
    return quality == QUALITY_MODELLED


def layer_note(service_type: str, quality: object, lang: str) -> str:
    """What the service layer of a type is: modelled (by which rule; a share within is then a lower bound) or
    observed."""
    if quality == QUALITY_OWN:
        return t("grid.layer_own", lang)
    if is_modelled(quality):
        n = MODEL_THRESHOLDS.get(service_type)
        return t("grid.layer_modelled", lang, n=fmt.number(n, lang)) if n else t("grid.layer_modelled_any", lang)
    return t("grid.layer_observed", lang)


def layers_caption(qualities: Mapping[str, object], lang: str) -> str:
    """'Servicelager: dagligvarubutik, post – modellerat: …; apotek – observerat (…). <lower bound note>' for the
    service layers behind a set of figures (type -> quality), types with the same layer grouped."""
    qualities = dict(qualities.items())
    groups: dict[str, list[str]] = {}
    for stype, q in qualities.items():
        if isinstance(q, str):
            groups.setdefault(layer_note(stype, q, lang), []).append(service_label(stype, lang).lower())
    notes = "; ".join(f"{', '.join(types)} – {note}" for note, types in groups.items())
    modelled = any(is_modelled(q) for q in qualities.values())
    return t("grid.layers_caption", lang, notes=notes) + (" " + t("grid.lower_bound", lang) if modelled else "")


def basis_label(basis: str, lang: str) -> str:
    return t(f"grid.basis_{basis}", lang)


def basis_text(basis: str, year: int | None, unit: str, lang: str) -> str:
    """'Underlag: alla invånare, SCB:s befolkningsrutor 1 km 2024 (summa av rutor); fågelväg från rutans mitt'."""
    grid_name = t("grid.grid_census", lang) if year == 2021 else t("grid.grid_scb", lang)
    how = t("grid.how_km", lang) if unit == "km" else t("grid.how_min", lang)
    return t("grid.basis_text", lang, who=basis_label(basis, lang), grid=grid_name, y=year or "–", how=how)


def finite(value: float) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))
