"""Targets as data (a CSV registry + validated uploads) and indicator series -> progress status per target.

The registry
------------
`data/seed/targets.csv` holds the national targets of the "target picture" 2015–2016 (2020).
Users add their own targets in the app, download them with `targets_to_csv` and upload them again;
`parse_targets` validates an upload line by line and never raises, `apply_upload` keeps the
previous targets when an upload has errors. Columns (the "targets" entry of
`servicekartan.datasets`; see `COLUMN_DOCS`): the required ones are
`target_id`, `indicator_id`, `value`, `year`, `direction`; the rest have defaults.

Progress (method stated once, in the catalog's method text: `method_text(lang)`)
-------------------------------------------------------------------------------
`evaluate(series, target)` judges one target against one indicator series (`year`, `value`, and
`base` or `source` to find series breaks):

* status when the target year is over (year < `as_of`, or an observation of the target year exists):
  ``met`` / ``missed`` from the value at the target year, or ``no_data``;
* status before that: ``on_track`` / ``off_track`` from the projection at the target year, or
  ``pending`` when there is nothing to project (``on_track`` if the latest value already meets it);
* projection: ordinary least-squares line over the last N (=4) observed years of the latest series
  segment — never across a series break — with the year the line first meets the target (or
  "never" when it points away).

A series break is where the measurement base changes between two consecutive observations
(e.g. PTS broadband: population before 2014, households from then on).

Modules: `vocabulary` (columns, accepted values, statuses; their words are in servicekartan.i18n), `errors` (located messages),
`validation` (one validator per field), `registry` (CSV parse/write/merge, uploads), `series` (bases,
breaks, projection), `status` (one target -> a status), `summary` (tables of statuses).
"""

from servicekartan.targets.errors import TargetError, errors_frame, has_errors
from servicekartan.targets.registry import (
    TargetFileError,
    UploadResult,
    add_target,
    apply_upload,
    empty_targets,
    load_targets,
    merge_targets,
    parse_targets,
    target_row,
    targets_to_csv,
)
from servicekartan.targets.series import (
    Projection,
    SeriesBreak,
    find_breaks,
    localise_breaks,
    prepare_series,
    project,
    series_base,
)
from servicekartan.targets.status import Target, TargetStatus, evaluate, series_for, trend_frame
from servicekartan.targets.summary import SUMMARY_COLUMNS, in_language, status_by_area, status_row, summary_table
from servicekartan.targets.validation import validate_record
from servicekartan.targets.vocabulary import (
    COLUMN_DOCS,
    COLUMNS,
    DIRECTIONS,
    KINDS,
    LIGHT_HEX,
    LIGHT_SYMBOL,
    LIGHTS,
    MAX_BYTES,
    MAX_ROWS,
    MAX_TEXT,
    N_LAST,
    REACH_HORIZON,
    REQUIRED,
    SCOPES,
    STATUSES,
    YEAR_MAX,
    YEAR_MIN,
    method_text,
    status_label,
)

__all__ = [
    "COLUMNS",
    "COLUMN_DOCS",
    "DIRECTIONS",
    "KINDS",
    "LIGHTS",
    "LIGHT_HEX",
    "LIGHT_SYMBOL",
    "MAX_BYTES",
    "MAX_ROWS",
    "MAX_TEXT",
    "N_LAST",
    "REACH_HORIZON",
    "REQUIRED",
    "SCOPES",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "YEAR_MAX",
    "YEAR_MIN",
    "Projection",
    "SeriesBreak",
    "Target",
    "TargetError",
    "TargetFileError",
    "TargetStatus",
    "UploadResult",
    "add_target",
    "apply_upload",
    "empty_targets",
    "errors_frame",
    "evaluate",
    "find_breaks",
    "has_errors",
    "in_language",
    "localise_breaks",
    "load_targets",
    "merge_targets",
    "method_text",
    "parse_targets",
    "prepare_series",
    "project",
    "series_base",
    "series_for",
    "status_by_area",
    "status_label",
    "status_row",
    "summary_table",
    "target_row",
    "targets_to_csv",
    "trend_frame",
    "validate_record",
]
