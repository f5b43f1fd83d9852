"""Official Kolada series: KPI ids -> indicator ids, measurement bases and breaks, and the official access
figure (N07530) beside the product's own whole-population estimate for the same area.

N07530 is Tillväxtverket's share of residents with a grocery store within 2 km *by road* (Pipos, from the
population grid and the store register); Servicekartan's own figure is the share of the whole population
within 2 km *straight line* of a grocery point from its service layer. They measure different things and
must never be fitted to each other: `official_beside_ours` puts them side by side with the difference and
the reasons they differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

KOLADA_ATTR = "Källa: Kolada"


@dataclass(frozen=True)
class Kpi:
    indicator_id: str
    unit: str
    producer: str


KPIS: dict[str, Kpi] = {
    "N07900": Kpi("broadband_100", "%", "PTS"),
    "N07918": Kpi("broadband_1000", "%", "PTS"),
    "N07919": Kpi("broadband_1000_dense", "%", "PTS"),
    "N07920": Kpi("broadband_1000_sparse", "%", "PTS"),
    "N07530": Kpi("official_within_2km_grocery", "%", "Tillväxtverket"),
    "N07531": Kpi("official_within_2km_school_children", "%", "Tillväxtverket"),
    "N00954": Kpi("tatort_share", "%", "SCB"),
}
# Series whose base changes (Kolada's KPI text: "Till och med 2014 avsågs befolkning istället för hushåll.
# Från och med 2021 avser det befolkning.")
BROADBAND_KPIS = ("N07900", "N07918", "N07919", "N07920")
# N07900 2009 is a different measure (Kolada/PTS): kept in kolada_values, flagged, never used.
NOT_COMPARABLE: dict[str, tuple[int, ...]] = {"N07900": (2009,)}
GROCERY_KPI = "N07530"
GROCERY_KM = 2.0


def base_of(kpi: str, year: int) -> str:
    """Measurement base of a value: population / households for the broadband series, else population."""
    if kpi in BROADBAND_KPIS:
        return "population" if year <= 2014 or year >= 2021 else "households"
    return "population"


def comparable(kpi: str, year: int) -> bool:
    return int(year) not in NOT_COMPARABLE.get(kpi, ())


def source_text(kpi: str, base: str) -> str:
    """e.g. 'Kolada N07900 (PTS); base households' (the targets' series-break detection reads `base`)."""
    return f"Kolada {kpi} ({KPIS[kpi].producer}); base {base}"


def to_indicators(kolada_values: pd.DataFrame) -> pd.DataFrame:
    """Comparable `kolada_values` rows -> `indicators` rows (quality observed)."""
    v = kolada_values[kolada_values["comparable"].astype(bool)]
    return pd.DataFrame(
        {
            "area_code": v["area_code"],
            "year": v["year"].astype("int64"),
            "indicator_id": v["indicator_id"],
            "level": v["level"],
            "value": v["value"].astype(float),
            "unit": v["unit"],
            "source": v["source"],
            "quality": "observed",
        }
    ).reset_index(drop=True)


# ------------------------------------------------------------------------ official beside ours

# Reasons the two figures differ (catalog keys; servicekartan.i18n has the text in both languages).
REASON_KEYS: tuple[str, ...] = (
    "official.reason_distance",
    "official.reason_stores",
    "official.reason_population",
    "official.reason_year",
)


@dataclass(frozen=True)
class OfficialBeside:
    """Kolada N07530 for an area beside Servicekartan's own whole-population 2 km grocery estimate."""

    area_code: str
    official: pd.DataFrame  # year, value (every Kolada year present, latest last)
    ours_value: float | None  # % of the whole population within 2 km (straight line)
    ours_year: int | None  # population year of the grid
    ours_quality: str  # quality of the grocery layer (modelled on the embedded data)
    ours_population_source: str

    @property
    def official_year(self) -> int | None:
        return int(self.official["year"].iat[-1]) if len(self.official) else None

    @property
    def official_value(self) -> float | None:
        return float(self.official["value"].iat[-1]) if len(self.official) else None

    @property
    def difference(self) -> float | None:
        """Ours − official (percentage points), latest official year."""
        if self.ours_value is None or self.official_value is None:
            return None
        return self.ours_value - self.official_value


def official_beside_ours(
    kolada_values: pd.DataFrame | None, grid_indicators: pd.DataFrame | None, area_code: str
) -> OfficialBeside:
    """Official N07530 (all years in the data) and our estimate (grid_indicators basis=all, 2 km, km, grocery,
    the latest grid year) for one area (00 Sverige, län, kommun). Missing inputs give empty/None parts."""
    off = pd.DataFrame({"year": pd.Series(dtype="int64"), "value": pd.Series(dtype=float)})
    if kolada_values is not None and len(kolada_values):
        k = kolada_values[(kolada_values["kpi"] == GROCERY_KPI) & (kolada_values["area_code"] == area_code)]
        off = k[["year", "value"]].sort_values("year").reset_index(drop=True)
    ours_value = ours_year = None
    quality, pop_source = "", ""
    if grid_indicators is not None and len(grid_indicators):
        g = grid_indicators
        sel = g[
            (g["area_code"] == area_code)
            & (g["service_type"] == "grocery")
            & (g["basis"] == "all")
            & (g["unit"] == "km")
            & (g["threshold"].astype(float) == GROCERY_KM)
        ].sort_values("year")
        if len(sel):
            r = sel.iloc[-1]
            ours_value, ours_year = float(r["share_within"]), int(r["year"])
            quality, pop_source = str(r["quality"]), str(r.get("population_source", ""))
    return OfficialBeside(area_code, off, ours_value, ours_year, quality, pop_source)


def official_table(kolada_values: pd.DataFrame, grid_indicators: pd.DataFrame, area_codes: list[str]) -> pd.DataFrame:
    """One row per area: official N07530 (latest year), ours (2 km, whole population), difference — for downloads."""
    rows = []
    for code in area_codes:
        b = official_beside_ours(kolada_values, grid_indicators, code)
        rows.append(
            {
                "area_code": code,
                "official_year": b.official_year,
                "official_within_2km_grocery": b.official_value,
                "ours_year": b.ours_year,
                "ours_within_2km_grocery": b.ours_value,
                "difference_pp": b.difference,
                "ours_quality": b.ours_quality,
            }
        )
    return pd.DataFrame(rows)
