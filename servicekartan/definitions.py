"""The product's vocabulary: service types, thresholds, levels and indicator ids, in one place."""

from __future__ import annotations

from dataclasses import dataclass

# Area codes live in areas.py; re-exported here for the modules that import them from definitions.
from servicekartan.areas import COUNTRY_CODE as COUNTRY_CODE
from servicekartan.areas import LEVELS as LEVELS


@dataclass(frozen=True)
class ServiceType:
    id: str
    sv: str
    en: str
    color: str  # Okabe-Ito / Tol colour-blind-safe palette, fixed per type everywhere


# Order matters: it is the order of every legend, table and bar chart.
SERVICE_TYPES: tuple[ServiceType, ...] = (
    ServiceType("grocery", "Dagligvarubutik", "Grocery store", "#0072B2"),
    ServiceType("fuel", "Drivmedel", "Fuel station", "#E69F00"),
    ServiceType("pharmacy", "Apotek", "Pharmacy", "#009E73"),
    ServiceType("parcel", "Post- och paketombud", "Parcel agent", "#CC79A7"),
    ServiceType("atm", "Kontantuttag", "Cash withdrawal", "#D55E00"),
    ServiceType("cash_deposit", "Dagskassedeponering", "Cash deposit", "#882255"),
    ServiceType("payment", "Betalningsförmedling", "Bill payment", "#999933"),
    ServiceType("health", "Vårdcentral", "Health centre", "#56B4E9"),
    ServiceType("school", "Grundskola", "Primary school", "#332288"),
)
SERVICE_TYPE_IDS: tuple[str, ...] = tuple(s.id for s in SERVICE_TYPES)
SERVICE_COLORS: dict[str, str] = {s.id: s.color for s in SERVICE_TYPES}

# Broadband is an area share (indicator), not a point service.
BROADBAND_INDICATORS = ("broadband_100", "broadband_1000")

# Priority service types for the per-village service level (origin material's priority areas).
PRIORITY_TYPES: tuple[str, ...] = ("grocery", "fuel", "pharmacy", "parcel", "atm", "health")

THRESHOLDS_KM: tuple[int, ...] = (2, 5, 10, 15, 20, 25)
THRESHOLDS_MIN: tuple[int, ...] = (10, 20)

QUALITY_OBSERVED = "observed"
QUALITY_MODELLED = "modelled"

# Years of the access time series built from the embedded snapshot: the target period.
ACCESS_YEARS: tuple[int, ...] = tuple(range(2015, 2021))


def service_label(service_type: str, lang: str = "sv") -> str:
    for s in SERVICE_TYPES:
        if s.id == service_type:
            return s.sv if lang == "sv" else s.en
    return service_type
