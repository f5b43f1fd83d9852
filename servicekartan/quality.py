"""Quality levels of the data (observed / observed_partial / modelled / own_data), the health-layer rule, and measured coverage.

Three levels, worst wins when figures are combined:

* ``observed`` — every point of the layer is an observation and the layer is taken as complete
  (own data, a real servicepunkt, a fetched complete source);
* ``observed_partial`` — real observations, but the layer is known to miss points; its coverage is
  measured against a published national count (`COVERAGE`) and stated next to every figure;
* ``modelled`` — estimated points (servicekartan.modelled), not observations;
* ``own_data`` — observed points from the user's own register (servicekartan.own_data: uploaded for a
  session or imported with `etl import-services`); ranked as observed, with its own badge "Egna data".

The OpenStreetMap health export of 2020 (HOT, `sweden_health_facilities_osm_2020.csv`) has only
`facility` and `name`. `health_rule` keeps primary care only (vårdcentral / hälsocentral): the rule
is written here once (`HEALTH_FACILITIES`, `HEALTH_INCLUDE`, `HEALTH_EXCLUDE`), applied by the ETL
(etl/datasets/services.py), shown on the method page and tested on named cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

QUALITY_OBSERVED = "observed"
QUALITY_PARTIAL = "observed_partial"
QUALITY_MODELLED = "modelled"
QUALITY_OWN = "own_data"
# Worst last: combining figures takes the highest rank present.
QUALITY_RANK: dict[str, int] = {QUALITY_OBSERVED: 0, QUALITY_OWN: 0, QUALITY_PARTIAL: 1, QUALITY_MODELLED: 2}
QUALITY_LEVELS: tuple[str, ...] = (QUALITY_OBSERVED, QUALITY_PARTIAL, QUALITY_MODELLED, QUALITY_OWN)


def combine(qualities: Iterable[object]) -> str:
    """The quality of a figure built from rows of these qualities: the worst one (observed when empty)."""
    worst, rank = QUALITY_OBSERVED, -1
    for q in qualities:
        r = QUALITY_RANK.get(str(q), QUALITY_RANK[QUALITY_MODELLED] if q == "mixed" else 0)
        if r > rank:
            worst, rank = (QUALITY_MODELLED if q == "mixed" else str(q)), r
    return worst


def rank(qualities: pd.Series) -> pd.Series:
    """Rank (0 observed, 1 observed_partial, 2 modelled) of each quality value."""
    return qualities.astype(str).map(QUALITY_RANK).fillna(0).astype(int)


def from_rank(r: int) -> str:
    return {0: QUALITY_OBSERVED, 1: QUALITY_PARTIAL}.get(int(r), QUALITY_MODELLED)


# --------------------------------------------------------------------------------- the health rule

# HOT facility class -> service type. Hospitals, dentists and everything else are not in either layer.
PHARMACY_FACILITIES: tuple[str, ...] = ("pharmacy",)
HEALTH_FACILITIES: tuple[str, ...] = ("clinic", "doctors")
# A clinic/doctors point is primary care when its name matches one of these (case-insensitive, the
# pattern starts at a word boundary, so "Barnavårdscentral" is not a "vårdcentral")…
HEALTH_INCLUDE: tuple[str, ...] = (
    r"\bvårdcentral",  # vårdcentral, Vårdcentralen …
    r"\bhälsocent(ral|er)",  # hälsocentral (Norrland's name for a vårdcentral), hälsocenter
    r"\bhusläkar",  # husläkare, husläkarmottagning (Stockholm)
    r"\bfamiljeläkar",  # familjeläkare (Göteborg)
    r"\bdistrik\w*läkar",  # distriktsläkare
    r"\bläkargrupp",  # private general practices ("Näsets läkargrupp")
    r"\bläkarhus",  # "Läkarhuset Farsta", "Capio Läkarhus Almö"
    r"\bnärhälsan\b",  # Västra Götaland's primary-care brand (its other units are excluded below)
    r"\bsjukstuga",  # inland Norrland's primary-care unit
    r"\bHC$",  # "Odensala HC"
)
# …and none of these: specialist, child/maternity-only, rehab, emergency-only, vaccination, cosmetic.
HEALTH_EXCLUDE: tuple[str, ...] = (
    r"barnmorsk",
    r"rehab",
    r"ungdomsmottagning",
    r"psykiatri",
    r"vaccin",
    r"laser",
    r"tand",
    r"\bjour",
    r"barn- och ungdoms",
)
# A pharmacy point is dropped when its name says it is something else, or a Finnish pharmacy across
# the Torne river ("Tornion apteekki", "Pellon apteekki" …).
PHARMACY_EXCLUDE: tuple[str, ...] = (
    r"vaccin",  # "Svea Vaccin" (a vaccination clinic)
    r"\w+n apteekki",
    r"hälsokraft",  # health-food store
    r"^life$",  # health-food chain
    r"kiru?r?gi",  # cosmetic surgery ("Estesik Kirugi")
    r"vårdcentral",  # a health centre mistagged as pharmacy
)
_INCLUDE = re.compile("|".join(HEALTH_INCLUDE), re.IGNORECASE)
_EXCLUDE = re.compile("|".join(HEALTH_EXCLUDE), re.IGNORECASE)
_PHARMACY_EXCLUDE = re.compile("|".join(PHARMACY_EXCLUDE), re.IGNORECASE)


def is_primary_care(facility: str, name: str) -> bool:
    """True when a HOT health point (facility class, name) is a vårdcentral / hälsocentral."""
    if facility not in HEALTH_FACILITIES:
        return False
    name = str(name or "")
    return bool(_INCLUDE.search(name)) and not _EXCLUDE.search(name)


def service_type_of(facility: str, name: str) -> str | None:
    """HOT point -> "pharmacy", "health" or None (not in the product's layers)."""
    if facility in PHARMACY_FACILITIES:
        return None if _PHARMACY_EXCLUDE.search(str(name or "")) else "pharmacy"
    return "health" if is_primary_care(facility, name) else None


def classify(raw: pd.DataFrame) -> pd.Series:
    """Service type (or None) of every row of the HOT export (columns facility, name)."""
    return pd.Series(
        [service_type_of(f, n) for f, n in zip(raw["facility"], raw["name"], strict=True)],
        index=raw.index,
        dtype=object,
    )


def rule_table() -> pd.DataFrame:
    """The rule as rows (kind, pattern) for the method page."""
    rows = [("facility → apotek/pharmacy", f) for f in PHARMACY_FACILITIES]
    rows += [("facility → vårdcentral/health", f) for f in HEALTH_FACILITIES]
    rows += [("vårdcentral/health: name includes", p) for p in HEALTH_INCLUDE]
    rows += [("vårdcentral/health: name excludes", p) for p in HEALTH_EXCLUDE]
    rows += [("apotek/pharmacy: name excludes", p) for p in PHARMACY_EXCLUDE]
    return pd.DataFrame(rows, columns=["rule", "pattern"])


# --------------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Reference:
    """A published national count to measure a partial layer against."""

    service_type: str
    count: int
    year: int
    what: str
    source: str


REFERENCES: dict[str, Reference] = {
    "pharmacy": Reference(
        "pharmacy",
        1433,
        2020,
        "öppenvårdsapotek at the end of 2020",
        "Sveriges Apoteksförening, Branschrapport 2021",
    ),
    "health": Reference(
        "health",
        1200,
        2021,
        "vårdcentraler in 2021 ('just under 1,200')",
        "Ekonomifakta, Vårdcentraler i privat regi",
    ),
}


@dataclass(frozen=True)
class Coverage:
    service_type: str
    points: int
    reference: Reference

    @property
    def share(self) -> float:
        """Points in the layer / published count, in % (an upper bound: a point may be closed or a duplicate)."""
        return 100.0 * self.points / self.reference.count

    def method(self) -> str:
        r = self.reference
        return (
            f"{self.points:,} OpenStreetMap points in the {self.service_type} layer (HOT export 2020-09-04, after the "
            f"rule on the method page) / {r.count:,} {r.what} ({r.source}) = {self.share:.0f} %; "
            "national only (no published count per län in the build); an upper bound, since an OSM point may be "
            "closed or duplicated"
        )


def coverage(services: pd.DataFrame, source_contains: str = "OpenStreetMap") -> dict[str, Coverage]:
    """Measured coverage of each partial layer (pharmacy, health) among `services` rows from OSM."""
    osm = services[services["source"].astype(str).str.contains(source_contains, regex=False)]
    return {stype: Coverage(stype, int((osm["service_type"] == stype).sum()), ref) for stype, ref in REFERENCES.items()}


def coverage_from_provenance(extra: dict[str, str] | None) -> dict[str, float]:
    """{service_type: coverage %} as stored in a dataset's provenance extra (`coverage_<type>`)."""
    out: dict[str, float] = {}
    for k, v in (extra or {}).items():
        if k.startswith("coverage_") and not k.endswith("_method"):
            try:
                out[k.removeprefix("coverage_")] = float(v)
            except ValueError:
                continue
    return out


# The service layer is one snapshot: the HOT export of 2020-09-04 and the modelled points of the 2020 tätorter.
SNAPSHOT_YEAR = 2020


def layer_extra(services: pd.DataFrame) -> dict[str, str]:
    """Provenance `extra` of the service layer: quality per type, measured coverage of the partial layers
    (figure and how it was measured) and the snapshot year — copied into every dataset built from it."""
    out: dict[str, str] = {"snapshot_year": str(SNAPSHOT_YEAR)}
    for stype, g in services.groupby("service_type"):
        out[f"quality_{stype}"] = combine(g["quality"])
    for stype, cov in coverage(services[services["quality"] == QUALITY_PARTIAL]).items():
        if cov.points:
            out[f"coverage_{stype}"] = f"{cov.share:.1f}"
            out[f"coverage_{stype}_method"] = cov.method()
    return out


def copy_layer_extra(extra: dict[str, str] | None) -> dict[str, str]:
    """The service-layer keys of a provenance `extra` (to pass on to a dataset built from it)."""
    keep = ("snapshot_year", "quality_", "coverage_")
    return {k: v for k, v in (extra or {}).items() if k.startswith(keep)}
