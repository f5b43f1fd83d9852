"""One description per dataset: column types, descriptions and units, keys and licence defaults.

`catalog.SCHEMAS` / `catalog.KEYS`, the download READMEs (`downloads.COLUMN_DOCS`) and the ETL's column
lists are all read from here. A column name means the same thing in every dataset ("One name everywhere",
docs/DESIGN): its type, description and unit are stated once in `COLUMNS`; a dataset lists its columns
in order. Swedish and English column labels live in `servicekartan.i18n`, keyed by the column name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

_str = pa.string()
_f64 = pa.float64()
_i64 = pa.int64()
_bool = pa.bool_()


@dataclass(frozen=True)
class Column:
    """A column: Arrow type, description (English, for download READMEs) and unit ("" when none)."""

    type: pa.DataType
    description: str = ""
    unit: str = ""


# Every column of every dataset, once. Order here is irrelevant; each dataset lists its own order.
COLUMNS: dict[str, Column] = {
    # areas and places
    "code": Column(_str, "Area code"),
    "parent_code": Column(_str, "Code of the area above"),
    "area_code": Column(_str, "Area code: 00 Sverige, 2-digit län, 4-digit kommun, or village id"),
    "level": Column(_str, "country, county, municipality or village"),
    "village_id": Column(_str, "SCB code of the tätort (e.g. 0861TB103) or småort"),
    "name": Column(_str, "Name"),
    "kind": Column(_str, "tatort (≥200 inhabitants) or smaort (50–199)"),
    "municipality_code": Column(_str, "Kommun code (4 digits, SCB)"),
    "county_code": Column(_str, "Län code (2 digits, SCB)"),
    "lat": Column(_f64, "Latitude, WGS 84", "degrees"),
    "lon": Column(_f64, "Longitude, WGS 84", "degrees"),
    "x": Column(_f64, "Easting, SWEREF 99 TM (EPSG:3006)", "m"),
    "y": Column(_f64, "Northing, SWEREF 99 TM (EPSG:3006)", "m"),
    "area_ha": Column(_f64, "Land area of the tätort", "ha"),
    "population": Column(_f64, "Inhabitants (31 December of the year)", "persons"),
    "year": Column(_i64, "Year"),
    # services and access
    "service_id": Column(
        _str, "Service point id: osm:<id> (OpenStreetMap), model:<type>:<village> (modelled), sp:<id> (servicepunkt)"
    ),
    "service_type": Column(
        _str, "Service type id (grocery, fuel, pharmacy, parcel, atm, cash_deposit, payment, health, school)"
    ),
    "opened": Column(_i64, "Year the service opened (empty: unknown / before the data)"),
    "closed": Column(_i64, "Year the service closed (empty: still open / unknown)"),
    "nearest_service_id": Column(_str, "Id of the nearest active service point of the type (empty: none exists)"),
    "distance_km": Column(_f64, "Straight-line distance to the nearest service, computed in SWEREF 99 TM", "km"),
    "road_km": Column(
        _f64, "Road distance: network shortest path, or straight line × circuity factor (method says which)", "km"
    ),
    "minutes": Column(
        _f64, "Travel time by car: network, or road_km at an assumed average speed (method says which)", "min"
    ),
    "method": Column(_str, "How road_km and minutes were obtained: network, estimate or unreachable"),
    "quality": Column(
        _str,
        "observed (from a source), observed_partial (real observations of an incomplete layer; coverage in the "
        "provenance), modelled (estimated by Servicekartan's stated rule) or own_data (observed, from the user's "
        "own register: uploaded or imported)",
    ),
    "source": Column(_str, "Source of the row"),
    # 1 km population grid and whole-population access (servicekartan.grid)
    "cell_id": Column(
        _str,
        "1 km square id naming its grid: SCB1km_E{e}N{n} (SCB, SWEREF 99 TM) or EU1km_E{e}N{n} (Eurostat, "
        "EPSG:3035); e, n = lower-left corner in km",
    ),
    "grid": Column(_str, "The grid of the square: SCB1km (SCB, EPSG:3006) or EU1km (Eurostat, EPSG:3035)"),
    "population_0_14": Column(_f64, "Inhabitants aged 0-14 (Census 2021 squares only, else empty)", "persons"),
    "population_15_64": Column(_f64, "Inhabitants aged 15-64 (Census 2021 squares only, else empty)", "persons"),
    "population_65plus": Column(_f64, "Inhabitants aged 65 or more (Census 2021 squares only, else empty)", "persons"),
    "in_kommun_polygon": Column(
        _bool, "True when the square's centre lies in a kommun polygon (False: kommun of the nearest polygon vertex)"
    ),
    "in_tatort": Column(
        _bool, "In a tätort under the population-matched model (servicekartan.grid.TATORT_MODEL; a model, not SCB's)"
    ),
    "tatort_code": Column(_str, "SCB code of the tätort the square belongs to under that model (empty: outside)"),
    "in_tatort_circle": Column(
        _bool, "In a tätort under the circle model (land-area circle around SCB's point + half a square); comparison"
    ),
    "basis": Column(
        _str,
        "Which people are counted: all (everyone), in_tatort, outside_tatort (tätort model of the grid), "
        "age_65plus (Census 2021 squares only)",
    ),
    "threshold": Column(_f64, "Threshold of the row, in `unit` (km straight line or minutes)"),
    "pop_within": Column(_f64, "People of the basis within (<=) the threshold (sum of squares)", "persons"),
    "pop_beyond": Column(
        _f64, "People of the basis beyond (>) the threshold or with no service of the type (sum of squares)", "persons"
    ),
    "share_within": Column(_f64, "pop_within / population", "%"),
    "share_beyond": Column(_f64, "pop_beyond / population", "%"),
    "population_source": Column(_str, "The population grid the row is summed from (which source, which year)"),
    # indicators
    "indicator_id": Column(_str, "Indicator id (see the method page)"),
    "value": Column(_f64, "Indicator value (see unit)"),
    "unit": Column(_str, "Unit of value"),
    "kpi": Column(_str, "Kolada KPI id (e.g. N07900)"),
    "base": Column(_str, "Measurement base of the value: population or households (a change is a series break)"),
    "comparable": Column(pa.bool_(), "False where the value is not comparable with the rest of its series"),
    # servicepunkt register (lists joined with ";", financing as "financier=kr;…": servicekartan.servicepoints)
    "servicepoint_id": Column(_str, "Servicepunkt id (sp:<village id>)"),
    "status": Column(_str, "open, planned or closed"),
    "agreement_date": Column(_str, "Date the agreement was signed (ISO date)"),
    "opened_note": Column(_str, "How the opening year was read"),
    "host": Column(_str, "Who hosts the servicepunkt (e.g. the village shop)"),
    "offered": Column(_str, "Services offered, ';'-separated"),
    "service_types": Column(_str, "Service types it counts as in `services`, ';'-separated"),
    "service_types_note": Column(_str, "Why these service types"),
    "partners": Column(_str, "Partners, ';'-separated"),
    "investment": Column(_f64, "Investment", "kr"),
    "financing": Column(_str, "Financing as 'financier=kr;…'"),
    "grants_total": Column(_f64, "Grants in total", "kr"),
    "running_cost": Column(_f64, "Running cost per year", "kr"),
    "staff_fte": Column(_f64, "Staff", "full-time equivalents"),
    "staff_cost": Column(_f64, "Staff cost per year", "kr"),
    "annual_cost": Column(_f64, "Annual cost", "kr"),
    "annual_cost_payer": Column(_str, "Who pays the annual cost"),
    "note": Column(_str, "Note"),
    # data status (what `etl fetch` brought, per fetcher; written by `etl build`)
    "dataset": Column(_str, "Processed datasets the source feeds"),
    "retrieved": Column(_str, "Date the last unit of the source was fetched (empty: never)"),
    "raw_files": Column(_i64, "Raw response files kept in data/raw", "files"),
    "units": Column(_str, "Fetched units (e.g. län codes, KPI ids), comma-separated"),
    "licence": Column(_str, "Licence of the source"),
    # targets (an editable CSV registry, servicekartan.targets; not built by the ETL)
    "target_id": Column(_str, "Target id"),
    "direction": Column(_str, "at_least or at_most"),
    "scope": Column(_str, "national, regional, local, example or user"),
    "name_sv": Column(_str, "Name in Swedish"),
    "name_en": Column(_str, "Name in English"),
}


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: its columns in order, its key, its licence default and (rarely) narrower column descriptions."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    description: str
    licence: str = ""
    docs: Mapping[str, str] = field(default_factory=dict)  # column -> description where this dataset says more
    shown: bool = True  # listed to users (freshness table, downloads); False for the build's own bookkeeping

    def doc(self, column: str) -> tuple[str, str]:
        """(description, unit) of one of its columns."""
        desc, unit = column_doc(column)
        return self.docs.get(column, desc), unit

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([(c, COLUMNS[c].type) for c in self.columns])


_SERVICE_COLUMNS = (
    "service_id",
    "service_type",
    "name",
    "lat",
    "lon",
    "x",
    "y",
    "municipality_code",
    "opened",
    "closed",
    "source",
    "quality",
)

DATASETS: dict[str, DatasetSpec] = {
    d.name: d
    for d in (
        DatasetSpec(
            "regions",
            ("code", "name", "level", "parent_code"),
            ("code",),
            "Sverige, its 21 län and 290 kommuner",
            "CC0 1.0",
        ),
        DatasetSpec(
            "villages",
            ("village_id", "name", "kind", "municipality_code", "county_code", "lat", "lon", "x", "y", "area_ha"),
            ("village_id",),
            "Tätorter (and fetched småorter) with SCB's point",
            "CC0 1.0",
        ),
        DatasetSpec(
            "population",
            ("area_code", "year", "level", "population", "source"),
            ("area_code", "year"),
            "Population per village, kommun, län and Sverige and year",
            "CC0 1.0",
        ),
        DatasetSpec(
            "services",
            _SERVICE_COLUMNS,
            ("service_id",),
            "Service points: observed (OpenStreetMap, servicepunkter) and modelled",
            "ODbL 1.0 (OpenStreetMap rows); CC0 (modelled rows)",
        ),
        DatasetSpec(
            "village_access",
            (
                "village_id",
                "year",
                "service_type",
                "nearest_service_id",
                "distance_km",
                "road_km",
                "minutes",
                "method",
                "quality",
            ),
            ("village_id", "year", "service_type"),
            "Nearest service of each type per village and year",
            "as `services`",
        ),
        DatasetSpec(
            "indicators",
            ("area_code", "year", "indicator_id", "level", "value", "unit", "source", "quality"),
            ("area_code", "year", "indicator_id"),
            "Area aggregates per indicator and year",
            "CC0 (SCB); public facts (PTS); CC BY 4.0 (Kolada)",
        ),
        DatasetSpec(
            "kolada_values",
            ("area_code", "level", "year", "kpi", "indicator_id", "value", "unit", "base", "comparable", "source"),
            ("area_code", "year", "kpi"),
            "Official Kolada series per kommun, län and Sverige: broadband (PTS), grocery/school within 2 km "
            "(Tillväxtverket), tätortsgrad (SCB)",
            "Kolada's terms: free use, cite 'Källa: Kolada'",
        ),
        DatasetSpec(
            "servicepoints",
            (
                "servicepoint_id",
                "village_id",
                "name",
                "municipality_code",
                "status",
                "agreement_date",
                "opened",
                "closed",
                "opened_note",
                "host",
                "offered",
                "service_types",
                "service_types_note",
                "partners",
                "investment",
                "financing",
                "grants_total",
                "running_cost",
                "staff_fte",
                "staff_cost",
                "annual_cost",
                "annual_cost_payer",
                "lat",
                "lon",
                "x",
                "y",
                "source",
                "note",
                "quality",
            ),
            ("servicepoint_id",),
            "Servicepunkt register",
            "Public facts; register compiled by Servicekartan (CC0)",
        ),
        DatasetSpec(
            "grid_population",
            (
                "cell_id",
                "year",
                "grid",
                "x",
                "y",
                "population",
                "population_0_14",
                "population_15_64",
                "population_65plus",
                "municipality_code",
                "county_code",
                "in_kommun_polygon",
                "in_tatort",
                "tatort_code",
                "in_tatort_circle",
                "source",
                "quality",
            ),
            ("cell_id", "year"),
            "Populated 1 km squares in Sweden per year: SCB 2024; Eurostat Census 2021 (with age bands); "
            "Eurostat GEOSTAT 2006, 2011, 2018 (2018 modelled by its producer)",
            "CC0 1.0 (SCB 2024); Eurostat reuse policy with attribution (Census 2021, GEOSTAT)",
            docs={
                "x": "Easting of the square's centre, SWEREF 99 TM (EPSG:3006)",
                "y": "Northing of the square's centre, SWEREF 99 TM (EPSG:3006)",
                "population": "Inhabitants of the square (SCB 2024: registered 31 December; Census: 1 January 2021)",
                "municipality_code": "Kommun of the square's centre (SCB 2024: the file's code)",
                "county_code": "Län of the square (first two digits of the kommun code)",
                "source": "The grid the row comes from (one source per year)",
                "quality": "observed, or modelled (GEOSTAT 2018, modelled by its producer)",
            },
        ),
        DatasetSpec(
            "area_population",
            ("area_code", "year", "level", "population", "source", "quality", "method"),
            ("area_code", "year"),
            "Population per kommun, län and Sverige 1950-2024: official (SCB; 2024 Kolada N01951), 2021 a "
            "labelled grid estimate, 2020/2022/2023 missing (never interpolated)",
            "CC0 1.0 (SCB); CC BY 4.0 (Kolada); Eurostat reuse policy (2021 grid estimate)",
            docs={
                "area_code": "Area code: 00 Sverige, 2-digit län, 4-digit kommun",
                "level": "country, county or municipality",
                "population": "Inhabitants 31 December (empty when missing, never 0 or interpolated)",
                "quality": "official (SCB/Kolada), grid_estimate (sum of Census 2021 squares) or missing",
                "method": "How the figure was obtained (official count, sum of kommuner, sum of squares)",
            },
        ),
        DatasetSpec(
            "grid_access",
            (
                "cell_id",
                "year",
                "service_type",
                "municipality_code",
                "nearest_service_id",
                "distance_km",
                "road_km",
                "minutes",
                "method",
                "quality",
            ),
            ("cell_id", "year", "service_type"),
            "Nearest service of each type per populated 1 km square (grid years 2021 and 2024)",
            "ODbL 1.0 (derived from OpenStreetMap rows); CC0 (SCB grid, modelled rows); Eurostat reuse policy",
            docs={
                "municipality_code": "Kommun of the square (as in grid_population)",
                "distance_km": "Straight-line distance from the square's centre to the nearest service, SWEREF 99 TM, "
                "rounded up to the metre",
                "method": "estimate, network, unreachable or no_service (no service of the type exists)",
                "quality": "Quality of the service layer of the type: observed (OpenStreetMap, register) or modelled "
                "(Servicekartan's tätort rule)",
            },
        ),
        DatasetSpec(
            "grid_indicators",
            (
                "area_code",
                "level",
                "year",
                "service_type",
                "basis",
                "threshold",
                "unit",
                "population",
                "pop_within",
                "pop_beyond",
                "share_within",
                "share_beyond",
                "quality",
                "population_source",
            ),
            ("area_code", "year", "service_type", "basis", "threshold", "unit"),
            "Whole-population access per area: people and share within/beyond each threshold, per service type "
            "and basis (sums of 1 km squares)",
            "as grid_population and grid_access (SCB CC0, Eurostat, ODbL for OpenStreetMap-derived rows)",
            docs={
                "area_code": "Area code: 00 Sverige, 2-digit län, 4-digit kommun",
                "level": "country, county or municipality",
                "year": "Grid year (2024 SCB; 2021 Census)",
                "unit": "km (straight line from the square's centre) or min (road estimate or network)",
                "population": "People of the basis in the area (sum of squares; a grid estimate, not official)",
                "quality": "Quality of the service layer of the type: observed or modelled",
            },
        ),
        DatasetSpec(
            "data_status",
            ("dataset", "source", "status", "retrieved", "raw_files", "units", "licence"),
            ("source",),
            "Per online source: observed (fetched raw data present) or seed/modelled, and when",
            "CC0",
            shown=False,
        ),
        # The target registry: an editable CSV (data/seed/targets.csv + uploads), read and validated by
        # servicekartan.targets; described here so its upload help reads the same descriptions.
        DatasetSpec(
            "targets",
            (
                "target_id",
                "indicator_id",
                "value",
                "unit",
                "year",
                "direction",
                "kind",
                "area_code",
                "scope",
                "name_sv",
                "name_en",
                "source",
                "note",
            ),
            ("target_id",),
            "Targets per indicator and area (editable text file, not code)",
            "CC0",
            docs={
                "target_id": "unique id, letters/digits/_ - . (max 64), e.g. broadband_2020_95",
                "indicator_id": "indicator the target is measured on, e.g. broadband_100, share_beyond_25km_atm",
                "value": "target value in the indicator's unit (decimal point or comma)",
                "unit": "unit of the value, e.g. % (free text; default empty)",
                "year": "target year, 1990–2100",
                "direction": "at_least (value must reach or exceed) or at_most (must not exceed)",
                "kind": "by_year (reach by the year; default) or from_year (a standing requirement from the year on)",
                "area_code": "00 Sverige (default), 2-digit län or 4-digit kommun code",
                "scope": "national, regional, local, example or user (default user for uploads)",
                "name_sv": "name in Swedish (default: the target_id)",
                "name_en": "name in English (default: the Swedish name)",
                "source": "where the target comes from (law, strategy, programme)",
                "note": "anything a reader should know (approximations, what the indicator measures)",
            },
        ),
    )
}


def columns(name: str) -> tuple[str, ...]:
    """The columns of a dataset, in order (e.g. `columns("services")` for a frame in the services shape)."""
    return DATASETS[name].columns


def column_doc(column: str, dataset: str | None = None) -> tuple[str, str]:
    """(description, unit) of a column (as `dataset` describes it, when given); ("", "") for an unknown column."""
    if dataset is not None:
        return DATASETS[dataset].doc(column)
    c = COLUMNS.get(column)
    return (c.description, c.unit) if c else ("", "")


SCHEMAS: dict[str, pa.Schema] = {n: d.schema for n, d in DATASETS.items()}
KEYS: dict[str, tuple[str, ...]] = {n: d.key for n, d in DATASETS.items()}
SHOWN: tuple[str, ...] = tuple(n for n, d in DATASETS.items() if d.shown)  # the datasets users see listed
