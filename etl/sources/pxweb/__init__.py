"""SCB PxWeb (API 2.0 first, v1 as fallback) -> table metadata, split and paced data queries, long DataFrames.

- `jsonstat2_to_frame(payload)` and `v1_json_to_frame(payload)` turn a response into a long frame: one column
  per dimension (named by its code, holding value codes) and a float `value` (NaN where missing). Labels,
  units, `updated`, notes and mandatory notes travel in `frame.attrs`, so no second request is needed.
- `jsonstat_to_frame(payload)` reads JSON-stat 1 (`{"dataset": …}`, v1 format `json-stat`) and JSON-stat 2.
- `PxWeb.open(TableRef)` reads `/config` and the table's metadata (v2), falling back to the v1 API;
  `Table.plan(selection)` expands `*`, `top(n)`, `from(code)`, `to(code)` and codes against the metadata,
  refuses to leave a dimension to the API's default selection, and splits the query under `maxDataCells`;
  the session paces calls to `maxCallsPerTimeWindow` / `timeWindow`.
- RFC 7807 problem+json errors become `PxWebError` subclasses whose message says what to change.

Modules: `errors` (problem+json -> what to change), `jsonstat` (responses -> frames), `metadata` (tables and
limits), `selection` (planning and splitting), `client` (`PxWeb`, `Table`).
"""

from __future__ import annotations

from etl.sources.pxweb.client import V1_BASE, V2_BASE, DataQuery, PxWeb, Table, TableRef, check_response
from etl.sources.pxweb.errors import (
    BadQueryError,
    PxWebError,
    RateLimitedError,
    ResponseShapeError,
    SelectionError,
    TableNotFoundError,
    TooManyCellsError,
    problem_error,
)
from etl.sources.pxweb.jsonstat import jsonstat2_to_frame, jsonstat_to_frame, response_to_frame, v1_json_to_frame
from etl.sources.pxweb.metadata import (
    DEFAULT_MAX_CELLS,
    DEFAULT_RATE,
    ApiConfig,
    Dimension,
    TableMeta,
    config_from_v1,
    config_from_v2,
    meta_from_jsonstat2,
    meta_from_v1,
)
from etl.sources.pxweb.selection import Selection, count_cells, expand_selection, merge_frames, split_selection

LICENCE = "CC0 1.0"
ATTRIBUTION = "Källa: SCB"

__all__ = [
    "ATTRIBUTION",
    "DEFAULT_MAX_CELLS",
    "DEFAULT_RATE",
    "LICENCE",
    "V1_BASE",
    "V2_BASE",
    "ApiConfig",
    "BadQueryError",
    "DataQuery",
    "Dimension",
    "PxWeb",
    "PxWebError",
    "RateLimitedError",
    "ResponseShapeError",
    "Selection",
    "SelectionError",
    "Table",
    "TableMeta",
    "TableNotFoundError",
    "TableRef",
    "TooManyCellsError",
    "check_response",
    "config_from_v1",
    "config_from_v2",
    "count_cells",
    "expand_selection",
    "jsonstat2_to_frame",
    "jsonstat_to_frame",
    "merge_frames",
    "meta_from_jsonstat2",
    "meta_from_v1",
    "problem_error",
    "response_to_frame",
    "split_selection",
    "v1_json_to_frame",
]
