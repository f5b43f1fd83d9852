"""The product's vocabulary: service types, thresholds, levels and indicator ids, in one place."""

from __future__ import annotations

from dataclasses import dataclass

# Area codes live in areas.py; re-exported here for the modules that import them from definitions.
from servicekartan.areas import COUNTRY_CODE as COUNTRY_CODE
from servicekartan.areas import LEVELS as LEVELS

# Service labels live in the translation catalog (`service.<id>`); re-exported for the pages that import it here.
from servicekartan.i18n import service_label as service_label


@dataclass(frozen=True)
class ServiceType:
    id: str  # its name in each language: i18n.service_label(id, lang)
    color: str  # Okabe-Ito / Tol colour-blind-safe palette, fixed per type everywhere


# Order matters: it is the order of every legend, table and bar chart.
SERVICE_TYPES: tuple[ServiceType, ...] = (
    ServiceType("grocery", "#0072B2"),
    ServiceType("fuel", "#E69F00"),
    ServiceType("pharmacy", "#009E73"),
    ServiceType("parcel", "#CC79A7"),
    ServiceType("atm", "#D55E00"),
    ServiceType("cash_deposit", "#882255"),
    ServiceType("payment", "#999933"),
    ServiceType("health", "#56B4E9"),
    ServiceType("school", "#332288"),
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
