"""Targets as data (a CSV registry + validated uploads) and indicator series -> progress status per target.

The registry
------------
`data/seed/targets.csv` holds the national targets of the "target picture" 2015–2016 (2020).
Users add their own targets in the app, download them with `targets_to_csv` and upload them again;
`parse_targets` validates an upload line by line and never raises, `apply_upload` keeps the
previous targets when an upload has errors. Columns (see `COLUMN_DOCS`): the required ones are
`target_id`, `indicator_id`, `value`, `year`, `direction`; the rest have defaults.

Progress (method stated once, in `METHOD_EN` / `METHOD_SV`)
-----------------------------------------------------------
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
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from servicekartan import paths
from servicekartan.definitions import COUNTRY_CODE, QUALITY_MODELLED, QUALITY_OBSERVED

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

COLUMNS: tuple[str, ...] = (
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
)
REQUIRED: tuple[str, ...] = ("target_id", "indicator_id", "value", "year", "direction")

COLUMN_DOCS: dict[str, str] = {
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
}

DIRECTIONS = ("at_least", "at_most")
KINDS = ("by_year", "from_year")
SCOPES = ("national", "regional", "local", "example", "user")
YEAR_MIN, YEAR_MAX = 1990, 2100
MAX_BYTES = 256 * 1024
MAX_ROWS = 2000
MAX_TEXT = 500

# Accepted spellings (a planner may write "minst", ">=", "at least").
_DIRECTION_ALIASES = {
    "at_least": "at_least",
    "atleast": "at_least",
    "at least": "at_least",
    "at-least": "at_least",
    "min": "at_least",
    "minst": "at_least",
    ">=": "at_least",
    "≥": "at_least",
    "at_most": "at_most",
    "atmost": "at_most",
    "at most": "at_most",
    "at-most": "at_most",
    "max": "at_most",
    "högst": "at_most",
    "<=": "at_most",
    "≤": "at_most",
}
_KIND_ALIASES = {"by_year": "by_year", "by": "by_year", "from_year": "from_year", "from": "from_year"}

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_INDICATOR_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_AREA_RE = re.compile(r"^(00|\d{2}|\d{4})$")

STATUSES = ("met", "missed", "on_track", "off_track", "pending", "no_data")
LIGHTS: dict[str, str] = {
    "met": "green",
    "on_track": "green",
    "missed": "red",
    "off_track": "red",
    "pending": "grey",
    "no_data": "grey",
}
LIGHT_HEX: dict[str, str] = {"green": "#009E73", "red": "#D55E00", "grey": "#999999"}
LIGHT_SYMBOL: dict[str, str] = {"green": "🟢", "red": "🔴", "grey": "⚪"}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("Uppnått", "Met"),
    "missed": ("Ej uppnått", "Missed"),
    "on_track": ("På väg", "On track"),
    "off_track": ("Inte på väg", "Off track"),
    "pending": ("Ej bedömt än", "Pending"),
    "no_data": ("Uppgift saknas", "No data"),
}

N_LAST = 4
REACH_HORIZON = YEAR_MAX  # a trend reaching the target only after this year counts as "never"
METHOD_EN = (
    "Projection: ordinary least-squares line through the last {n} observed years of the latest series "
    "segment (never across a series break, i.e. a change of measurement base). The status of a past "
    "target uses the observation of the target year, else a straight line between the observations "
    "either side of it in the same segment, else both neighbours when they agree."
)
METHOD_SV = (
    "Framskrivning: linjär trend (minsta kvadrat) genom de senaste {n} observerade åren i seriens "
    "senaste avsnitt (aldrig över ett seriebrott, dvs. byte av mätbas). Status för ett passerat mål "
    "bygger på målårets observation, annars rak linje mellan observationerna på var sida inom samma "
    "avsnitt, annars på båda grannarna när de ger samma besked."
)


# --------------------------------------------------------------------------------------------
# Validation errors
# --------------------------------------------------------------------------------------------

_MESSAGES: dict[str, tuple[str, str]] = {
    "too_large": ("filen är {size} byte; gränsen är {limit}", "the file is {size} bytes; the limit is {limit}"),
    "too_many_rows": ("filen har {n} rader; gränsen är {limit}", "the file has {n} rows; the limit is {limit}"),
    "empty": ("filen är tom", "the file is empty"),
    "not_utf8": (
        "inte UTF-8-text (byte 0x{byte}); spara filen som 'CSV UTF-8'",
        "not UTF-8 text (byte 0x{byte}); save the file as 'CSV UTF-8'",
    ),
    "excel": (
        "filen ser ut som en Excel-arbetsbok, inte CSV; spara som 'CSV UTF-8 (kommaavgränsad)'",
        "this looks like an Excel workbook, not CSV; save it as 'CSV UTF-8 (comma delimited)'",
    ),
    "not_csv": ("inte en CSV-textfil: {why}", "not a CSV text file: {why}"),
    "missing_column": ("kolumnen '{column}' saknas", "missing column '{column}'"),
    "duplicate_column": ("kolumnen '{column}' finns två gånger", "column '{column}' appears twice"),
    "unknown_column": ("okänd kolumn '{column}' ignoreras", "unknown column '{column}' is ignored"),
    "field_count": ("raden har {n} fält, rubrikraden {m}", "the line has {n} fields, the header {m}"),
    "required": ("'{column}' är tom", "'{column}' is empty"),
    "bad_id": (
        "target_id '{value}' får bara innehålla bokstäver a–z, siffror, '_', '-', '.' (högst 64 tecken)",
        "target_id '{value}' may only contain letters a–z, digits, '_', '-', '.' (max 64 characters)",
    ),
    "duplicate_id": (
        "target_id '{value}' finns redan (rad {first})",
        "duplicate target_id '{value}' (first on line {first})",
    ),
    "bad_indicator": (
        "indikator-id '{value}' har okänt format: använd små bokstäver, siffror och '_' (t.ex. broadband_100)",
        "indicator id '{value}' has an unknown format: use lower-case letters, digits and '_' (e.g. broadband_100)",
    ),
    "unknown_indicator": (
        "indikatorn '{value}' finns inte i data (än); målet visas som 'uppgift saknas'",
        "indicator '{value}' is not in the data (yet); the target will show as 'no data'",
    ),
    "not_number": ("värdet '{value}' är inte ett tal", "value '{value}' is not a number"),
    "not_year": ("året '{value}' är inte ett heltal", "year '{value}' is not a whole number"),
    "year_range": ("året {value} ligger utanför 1990–2100", "year {value} is outside 1990–2100"),
    "bad_direction": (
        "riktningen '{value}' är okänd: använd at_least (minst) eller at_most (högst)",
        "direction '{value}' is unknown: use at_least or at_most",
    ),
    "bad_kind": (
        "typen '{value}' är okänd: använd by_year eller from_year",
        "kind '{value}' is unknown: use by_year or from_year",
    ),
    "bad_scope": (
        "omfattningen '{value}' är okänd: använd national, regional, local, example eller user",
        "scope '{value}' is unknown: use national, regional, local, example or user",
    ),
    "bad_area": (
        "områdeskoden '{value}' är okänd: använd 00 (Sverige), länskod (2 siffror) eller kommunkod (4 siffror)",
        "area code '{value}' is unknown: use 00 (Sweden), a 2-digit län or a 4-digit kommun code",
    ),
    "area_padded": (
        "områdeskoden '{value}' lästes som '{fixed}' (inledande nolla återställd)",
        "area code '{value}' read as '{fixed}' (leading zero restored)",
    ),
    "unknown_area": ("områdeskoden '{value}' finns inte", "area code '{value}' does not exist"),
    "too_long": (
        "texten i '{column}' är längre än {limit} tecken",
        "the text in '{column}' is longer than {limit} characters",
    ),
}


@dataclass(frozen=True)
class TargetError:
    """One problem in a targets file: where (line, column), what (code + message), how bad (level).

    `line` is the physical line in the file (the header is line 1; 0 = the whole file).
    `level` is "error" (the upload is refused) or "warning" (accepted; the user should know).
    """

    line: int
    column: str | None
    code: str
    value: str | None = None
    level: str = "error"
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        """The message without location, in Swedish ("sv") or English."""
        sv, en = _MESSAGES.get(self.code, (self.code, self.code))
        template = sv if lang == "sv" else en
        return template.format(value=self.value, column=self.column, **self.params)

    @property
    def message(self) -> str:
        return self.text("en")

    def describe(self, lang: str = "en") -> str:
        """Full line-level message, e.g. "line 3, column 'year': year 1890 is outside 1990–2100"."""
        where = []
        if self.line:
            where.append(("rad " if lang == "sv" else "line ") + str(self.line))
        if self.column:
            where.append(("kolumn " if lang == "sv" else "column ") + f"'{self.column}'")
        prefix = ", ".join(where) or ("filen" if lang == "sv" else "file")
        return f"{prefix}: {self.text(lang)}"

    def __str__(self) -> str:
        return self.describe("en")


def errors_frame(errors: Iterable[TargetError], lang: str = "en") -> pd.DataFrame:
    """Errors as a table (line, column, level, message) ready to show under an upload widget."""
    rows = [
        {"line": e.line, "column": e.column or "", "level": e.level, "message": e.text(lang), "code": e.code}
        for e in errors
    ]
    return pd.DataFrame(rows, columns=["line", "column", "level", "message", "code"])


def has_errors(errors: Iterable[TargetError]) -> bool:
    return any(e.level == "error" for e in errors)


# --------------------------------------------------------------------------------------------
# Parsing, loading, writing, merging
# --------------------------------------------------------------------------------------------


def empty_targets() -> pd.DataFrame:
    """A targets frame with no rows and the registry's columns and dtypes."""
    return _frame([])


def _frame(records: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(records, columns=list(COLUMNS))
    df["value"] = pd.to_numeric(df["value"]).astype("float64")
    df["year"] = pd.to_numeric(df["year"]).astype("int64")
    for c in COLUMNS:
        if c not in ("value", "year"):
            df[c] = df[c].astype(object).where(df[c].notna(), "").astype(str)
    return df.reset_index(drop=True)


def _decode(data: bytes | str, max_bytes: int) -> tuple[str | None, list[TargetError]]:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        return None, [TargetError(0, None, "too_large", params={"size": len(raw), "limit": max_bytes})]
    if not raw.strip():
        return None, [TargetError(0, None, "empty")]
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return None, [TargetError(0, None, "excel")]
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, [TargetError(line, None, "not_csv", params={"why": "it contains NUL bytes (binary data)"})]
    if isinstance(data, str):
        return data.lstrip("\ufeff"), []
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [TargetError(line, None, "not_utf8", params={"byte": f"{raw[exc.start]:02X}"})]


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _number(text: str) -> float | None:
    t = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").rstrip("%")
    if re.fullmatch(r"[+-]?\d+,\d+", t):
        t = t.replace(",", ".")
    try:
        x = float(t)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def validate_record(
    record: Mapping[str, object],
    line: int = 0,
    *,
    default_scope: str = "user",
    known_indicators: Iterable[str] | None = None,
    known_areas: Iterable[str] | None = None,
) -> tuple[dict | None, list[TargetError]]:
    """Check and normalise one target (a dict of column -> text); returns (clean record or None, problems).

    Used by `parse_targets` per CSV line and by the page's "add a target" form (line 0).
    """
    errs: list[TargetError] = []

    def get(col: str) -> str:
        v = record.get(col)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return str(v).strip()

    def err(col: str, code: str, value: str | None = None, level: str = "error", **params: object) -> None:
        errs.append(TargetError(line, col, code, value, level, params))

    out: dict[str, object] = {}
    for col in REQUIRED:
        if not get(col):
            err(col, "required")
    tid = get("target_id")
    if tid and not _ID_RE.match(tid):
        err("target_id", "bad_id", tid)
    out["target_id"] = tid
    ind = get("indicator_id")
    if ind and not _INDICATOR_RE.match(ind):
        err("indicator_id", "bad_indicator", ind)
    elif ind and known_indicators is not None and ind not in set(known_indicators):
        err("indicator_id", "unknown_indicator", ind, level="warning")
    out["indicator_id"] = ind
    v = get("value")
    if v:
        num = _number(v)
        if num is None:
            err("value", "not_number", v)
        out["value"] = num
    y = get("year")
    if y:
        num = _number(y)
        if num is None or num != int(num):
            err("year", "not_year", y)
        elif not YEAR_MIN <= int(num) <= YEAR_MAX:
            err("year", "year_range", str(int(num)))
        else:
            out["year"] = int(num)
    d = get("direction")
    if d:
        nd = _DIRECTION_ALIASES.get(" ".join(d.lower().split()))
        if nd is None:
            err("direction", "bad_direction", d)
        out["direction"] = nd
    k = get("kind") or "by_year"
    out["kind"] = _KIND_ALIASES.get(k.lower())
    if out["kind"] is None:
        err("kind", "bad_kind", k)
    s = (get("scope") or default_scope).lower()
    if s not in SCOPES:
        err("scope", "bad_scope", get("scope"))
    out["scope"] = s
    a = get("area_code") or COUNTRY_CODE
    if a == "0000":  # Kolada's code for Sverige
        a = COUNTRY_CODE
    if re.fullmatch(r"\d{1}|\d{3}", a):
        fixed = a.zfill(2 if len(a) == 1 else 4)
        err("area_code", "area_padded", a, level="warning", fixed=fixed)
        a = fixed
    if not _AREA_RE.match(a):
        err("area_code", "bad_area", a)
    elif known_areas is not None and a != COUNTRY_CODE and a not in set(known_areas):
        err("area_code", "unknown_area", a)
    out["area_code"] = a
    for col in ("unit", "name_sv", "name_en", "source", "note"):
        text = get(col)
        if len(text) > MAX_TEXT:
            err(col, "too_long", limit=MAX_TEXT)
        out[col] = text
    out["name_sv"] = out["name_sv"] or tid
    out["name_en"] = out["name_en"] or out["name_sv"]
    if any(e.level == "error" for e in errs):
        return None, errs
    return out, errs


def parse_targets(
    data: bytes | str,
    *,
    default_scope: str = "user",
    known_indicators: Iterable[str] | None = None,
    known_areas: Iterable[str] | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> tuple[pd.DataFrame, list[TargetError]]:
    """Parse and validate a targets CSV (bytes or text); never raises.

    Returns the valid rows (in file order, registry columns/dtypes) and every problem found, each
    with its line number and column. Comma, semicolon (Swedish Excel) and tab delimiters are
    recognised from the header; a decimal comma is accepted; lines starting with '#' and blank
    lines are skipped. Callers that must not take a partly broken file use `apply_upload`.
    """
    try:
        return _parse(data, default_scope, known_indicators, known_areas, max_bytes, max_rows)
    except Exception as exc:  # last resort: an upload must never break the app
        return empty_targets(), [TargetError(0, None, "not_csv", params={"why": f"{type(exc).__name__}: {exc}"})]


def _parse(
    data: bytes | str,
    default_scope: str,
    known_indicators: Iterable[str] | None,
    known_areas: Iterable[str] | None,
    max_bytes: int,
    max_rows: int,
) -> tuple[pd.DataFrame, list[TargetError]]:
    text, errors = _decode(data, max_bytes)
    if text is None:
        return empty_targets(), errors
    known_ind = set(known_indicators) if known_indicators is not None else None
    known_ar = set(known_areas) if known_areas is not None else None
    lines = text.splitlines(keepends=True)
    # Skip leading comments/blank lines to find the header; keep physical line numbers.
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip().startswith("#")):
        start += 1
    if start == len(lines):
        return empty_targets(), [TargetError(0, None, "empty")]
    delimiter = _sniff_delimiter(lines[start])
    rows: list[tuple[int, list[str]]] = []
    try:
        rows.extend(_numbered_rows(lines[start:], delimiter, first_line=start + 1))
    except csv.Error as exc:  # e.g. an unclosed quote: report the row after the last good one
        line = rows[-1][0] + 1 if rows else start + 1
        return empty_targets(), [TargetError(line, None, "not_csv", params={"why": str(exc)})]
    header_line, header = rows[0]
    header = [h.strip().lower() for h in header]
    errs: list[TargetError] = []
    seen_cols: set[str] = set()
    for h in header:
        if h and h in seen_cols:
            errs.append(TargetError(header_line, h, "duplicate_column"))
        seen_cols.add(h)
        if h and h not in COLUMNS:
            errs.append(TargetError(header_line, h, "unknown_column", level="warning"))
    missing = [c for c in REQUIRED if c not in seen_cols]
    for c in missing:
        errs.append(TargetError(header_line, c, "missing_column"))
    if len(header) < 2 or len(seen_cols & set(COLUMNS)) == 0:
        errs.append(TargetError(header_line, None, "not_csv", params={"why": "no recognised header row"}))
    if has_errors(errs):
        return empty_targets(), errs
    body = [(n, r) for n, r in rows[1:] if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if len(body) > max_rows:
        return empty_targets(), [TargetError(0, None, "too_many_rows", params={"n": len(body), "limit": max_rows})]
    records: list[dict] = []
    first_line: dict[str, int] = {}
    for n, r in body:
        if len(r) > len(header) and not any(c.strip() for c in r[len(header) :]):
            r = r[: len(header)]  # trailing empty fields (Excel) are harmless
        if len(r) != len(header):
            errs.append(TargetError(n, None, "field_count", params={"n": len(r), "m": len(header)}))
            continue
        rec = {h: c for h, c in zip(header, r, strict=True) if h}
        clean, row_errs = validate_record(
            rec, n, default_scope=default_scope, known_indicators=known_ind, known_areas=known_ar
        )
        errs.extend(row_errs)
        tid = str(rec.get("target_id", "")).strip()
        if tid in first_line:
            errs.append(TargetError(n, "target_id", "duplicate_id", tid, params={"first": first_line[tid]}))
            continue
        if tid:
            first_line[tid] = n
        if clean is not None:
            records.append(clean)
    return _frame(records), errs


def _numbered_rows(lines: list[str], delimiter: str, first_line: int) -> Iterable[tuple[int, list[str]]]:
    """csv rows with the physical line number each row starts on."""
    reader = csv.reader(io.StringIO("".join(lines)), delimiter=delimiter, strict=True)
    prev_end = first_line - 1
    for row in reader:
        yield prev_end + 1, row
        prev_end = first_line - 1 + reader.line_num


class TargetFileError(ValueError):
    """The shipped targets registry is invalid (a repository bug, not a user error)."""


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read the targets registry (default `data/seed/targets.csv`); raises TargetFileError if it is invalid."""
    p = Path(path) if path is not None else paths.seed_dir() / "targets.csv"
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TargetFileError(f"targets registry {p} cannot be read: {exc}") from exc
    df, errs = parse_targets(data, default_scope="national", max_bytes=max(MAX_BYTES, len(data)))
    bad = [e for e in errs if e.level == "error"]
    if bad:
        raise TargetFileError(f"{p}: " + "; ".join(str(e) for e in bad))
    return df


def targets_to_csv(df: pd.DataFrame, *, bom: bool = False) -> bytes:
    """Targets -> UTF-8 CSV bytes in registry column order (`bom=True` helps Excel show å, ä, ö)."""
    out = df.copy()
    for c in COLUMNS:
        if c not in out.columns:
            out[c] = ""
    out = out[list(COLUMNS)]
    out["value"] = out["value"].map(lambda x: "" if pd.isna(x) else f"{float(x):g}")
    out["year"] = out["year"].map(lambda x: "" if pd.isna(x) else str(int(x)))
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    text = buf.getvalue()
    return ("\ufeff" + text if bom else text).encode("utf-8")


def merge_targets(base: pd.DataFrame, user: pd.DataFrame) -> pd.DataFrame:
    """Base targets plus user targets; a user row with the same target_id replaces the base row in place."""
    if user is None or user.empty:
        return base.reset_index(drop=True).copy()
    user = user.drop_duplicates("target_id", keep="last")
    by_id = {r["target_id"]: r for r in user.to_dict("records")}
    base_ids = set(base["target_id"])
    rows = [by_id.get(r["target_id"], r) for r in base.to_dict("records")]
    rows += [r for r in user.to_dict("records") if r["target_id"] not in base_ids]
    return _frame([{c: r.get(c, "") for c in COLUMNS} for r in rows])


@dataclass(frozen=True)
class UploadResult:
    """Outcome of an upload: the targets to use from now on, the problems, and whether it was taken."""

    targets: pd.DataFrame
    errors: list[TargetError]
    accepted: bool


def apply_upload(current: pd.DataFrame, data: bytes | str, **kwargs: object) -> UploadResult:
    """Validate an uploaded targets file and merge it into `current`; any error keeps `current` unchanged.

    Warnings (e.g. an indicator with no data yet) do not block the upload. `kwargs` go to `parse_targets`.
    """
    parsed, errors = parse_targets(data, **kwargs)  # type: ignore[arg-type]
    if has_errors(errors) or parsed.empty:
        if parsed.empty and not errors:
            errors = [TargetError(0, None, "empty")]
        return UploadResult(current, errors, False)
    return UploadResult(merge_targets(current, parsed), errors, True)


def add_target(current: pd.DataFrame, record: Mapping[str, object], **kwargs: object) -> UploadResult:
    """Add (or replace by target_id) one target from a form; errors keep `current` unchanged."""
    clean, errors = validate_record(record, 0, **kwargs)  # type: ignore[arg-type]
    if clean is None:
        return UploadResult(current, errors, False)
    return UploadResult(merge_targets(current, _frame([clean])), errors, True)


# --------------------------------------------------------------------------------------------
# Series, breaks and projection
# --------------------------------------------------------------------------------------------

_BASE_RE = re.compile(r"\bbase[:\s]+([A-Za-zåäöÅÄÖ_]+)")


def _known_base(indicator_id: str | None, year: int) -> str | None:
    """Documented base of a series that does not name it (Kolada N07900/N07918 text, seed kolada_kpis.csv).

    "Till och med 2014 avsågs befolkning istället för hushåll. Från och med 2021 avser det befolkning."
    """
    if indicator_id and indicator_id.startswith("broadband_"):
        if year <= 2014:
            return "population"
        return "households" if year <= 2020 else "population"
    return None


def series_base(series: pd.DataFrame, indicator_id: str | None = None) -> pd.Series:
    """The measurement base of each observation: `base` column, else "base X" in `source`, else the
    documented base of broadband series, else the source text itself (a change of source is a break)."""
    if "base" in series.columns:
        return series["base"].astype(object).where(series["base"].notna(), "").astype(str)
    src = series["source"].astype(str) if "source" in series.columns else pd.Series("", index=series.index)
    out = []
    for y, s in zip(series["year"], src, strict=True):
        m = _BASE_RE.search(s)
        if m:
            out.append(m.group(1).lower())
        else:
            out.append(_known_base(indicator_id, int(y)) or s)
    return pd.Series(out, index=series.index, dtype=object)


@dataclass(frozen=True)
class SeriesBreak:
    """A change of measurement base between two consecutive observations."""

    year_before: int
    year_after: int
    base_before: str
    base_after: str

    def describe(self) -> str:
        return f"{self.year_before}→{self.year_after}: {self.base_before} → {self.base_after}"


def prepare_series(series: pd.DataFrame, indicator_id: str | None = None) -> pd.DataFrame:
    """Clean a series: numeric year/value, missing values dropped (missing is not zero), one row per
    year (last wins), sorted; adds `base` and `segment` (0, 1, … increasing at each series break)."""
    df = series.copy()
    df["year"] = pd.to_numeric(df["year"], errors="coerce")
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df = df.dropna(subset=["year", "value"])
    df["year"] = df["year"].astype("int64")
    df = df.sort_values("year", kind="stable").drop_duplicates("year", keep="last").reset_index(drop=True)
    df["base"] = series_base(df, indicator_id).to_numpy() if len(df) else pd.Series(dtype=object)
    change = df["base"].ne(df["base"].shift()) & df.index.to_series().gt(0)
    df["segment"] = change.cumsum().astype("int64")
    return df


def find_breaks(series: pd.DataFrame, indicator_id: str | None = None) -> list[SeriesBreak]:
    """Every series break (change of base between consecutive observed years)."""
    df = series if "segment" in series.columns else prepare_series(series, indicator_id)
    out = []
    for i in range(1, len(df)):
        if df["segment"].iat[i] != df["segment"].iat[i - 1]:
            out.append(
                SeriesBreak(
                    int(df["year"].iat[i - 1]), int(df["year"].iat[i]), df["base"].iat[i - 1], df["base"].iat[i]
                )
            )
    return out


@dataclass(frozen=True)
class Projection:
    """A linear trend over the last observed years of the latest series segment."""

    years: tuple[int, ...]
    slope: float  # indicator units per year
    intercept: float  # value at year 0 (use `value_at`)
    base: str
    target_year: int
    value_at_target_year: float
    reaches_by_target_year: bool
    # First whole year (≥ the first fitted year) the line meets the target; None = never (or after 2100).
    reach_year: int | None

    def value_at(self, year: float) -> float:
        return self.intercept + self.slope * year

    @property
    def method(self) -> str:
        n = len(self.years)
        return f"linear least squares over {n} observed years {self.years[0]}–{self.years[-1]} (base: {self.base})"


def _meets(value: float, target: float, direction: str) -> bool:
    eps = 1e-9
    return value >= target - eps if direction == "at_least" else value <= target + eps


def project(
    prepared: pd.DataFrame, target_value: float, direction: str, target_year: int, n_last: int = N_LAST
) -> Projection | None:
    """Fit the trend on the last `n_last` observations of the latest segment; None with fewer than 2."""
    if prepared.empty:
        return None
    seg = prepared[prepared["segment"] == prepared["segment"].iat[-1]].tail(n_last)
    if len(seg) < 2:
        return None
    x = seg["year"].to_numpy(float)
    y = seg["value"].to_numpy(float)
    # Ordinary least squares on centred years: slope = Sxy / Sxx, line through (mean year, mean value).
    xm, ym = x.mean(), y.mean()
    slope = float(((x - xm) * (y - ym)).sum() / ((x - xm) ** 2).sum())
    intercept = float(ym - slope * xm)
    if abs(slope) < 1e-9 * max(1.0, float(np.abs(y).max())):
        slope, intercept = 0.0, float(y.mean())  # flat: rounding noise must not invent a far-off crossing
    at_target = intercept + slope * target_year
    first = int(x[0])
    toward = slope > 0 if direction == "at_least" else slope < 0
    reach: int | None
    if _meets(intercept + slope * first, target_value, direction):
        reach = first
    elif toward:
        reach = max(first, math.ceil((target_value - intercept) / slope - 1e-9))
        if reach > REACH_HORIZON:
            reach = None  # not before the horizon: reported as "never"
    else:
        reach = None
    return Projection(
        years=tuple(int(v) for v in x),
        slope=slope,
        intercept=intercept,
        base=str(seg["base"].iat[-1]),
        target_year=int(target_year),
        value_at_target_year=at_target,
        reaches_by_target_year=_meets(at_target, target_value, direction),
        reach_year=reach,
    )


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


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
        return (self.name_sv if lang == "sv" else self.name_en) or self.name_sv or self.target_id


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
        """How `value_at_target` was obtained, in words."""
        sv, en = _BASIS_TEXT[self.basis]
        ys = self.basis_years + (0, 0)
        return (sv if lang == "sv" else en).format(y0=ys[0], y1=ys[1], year=self.target.year)

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
        sv, en = STATUS_LABELS[self.status]
        return sv if lang == "sv" else en

    def sentence(self, lang: str = "en") -> str:
        """One plain sentence about the status, for a caption."""
        t, unit = self.target, (" " + self.target.unit if self.target.unit else "")
        sv = lang == "sv"
        cmp = ("minst" if sv else "at least") if t.direction == "at_least" else ("högst" if sv else "at most")
        head = f"{t.name(lang)}: {cmp} {_fmt(t.value)}{unit} {'år' if sv else 'in'} {t.year}"
        parts = [head, self.label(lang).lower()]
        if self.value_at_target is not None:
            parts.append(f"{_fmt(self.value_at_target)}{unit} ({self.basis_text(lang)})")
        if self.first_met_year is not None:
            parts.append(
                f"uppnått första gången {self.first_met_year}" if sv else f"first met in {self.first_met_year}"
            )
        if self.projection is not None and self.status != "met":
            p = self.projection
            reach = (
                ("trenden når aldrig målet" if sv else "the trend never reaches it")
                if p.reach_year is None
                else (f"trenden når målet {p.reach_year}" if sv else f"the trend reaches it in {p.reach_year}")
            )
            parts.append(reach)
        if self.breaks:
            parts.append(("seriebrott " if sv else "series break ") + ", ".join(b.describe() for b in self.breaks))
        return "; ".join(parts) + "."


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if abs(x - round(x)) > 1e-9 else f"{round(x):d}"


def _quality(series: pd.DataFrame) -> str:
    if "quality" not in series.columns or series.empty:
        return QUALITY_OBSERVED
    q = set(series["quality"].astype(str))
    if q <= {QUALITY_OBSERVED}:
        return QUALITY_OBSERVED
    return QUALITY_MODELLED if q <= {QUALITY_MODELLED} else "mixed"


_BASIS_TEXT: dict[str, tuple[str, str]] = {
    "observed": ("observerat {y0}", "observed {y0}"),
    "latest": ("senaste observation {y0}", "latest observation {y0}"),
    "interpolated": ("interpolerat {y0}–{y1}", "interpolated {y0}–{y1}"),
    "neighbours_agree": (
        "ingen observation {year}; {y0} och {y1} ger samma besked (seriebrott mellan)",
        "no {year} observation; {y0} and {y1} agree (series break between)",
    ),
    "neighbours_disagree": (
        "ingen observation {year}; {y0} och {y1} ger olika besked över ett seriebrott",
        "no {year} observation; {y0} and {y1} disagree across a series break",
    ),
    "none_from": ("ingen observation från {year}", "no observation from {year} on"),
    "none": ("ingen observation för {year}", "no observation for {year}"),
    "no_observations": ("inga observationer", "no observations"),
}


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
    mb, ma = _meets(float(b["value"]), t.value, t.direction), _meets(float(a["value"]), t.value, t.direction)
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
    met_years = df.loc[[_meets(float(v), t.value, t.direction) for v in df["value"]], "year"]
    first_met = int(met_years.iat[0]) if len(met_years) else None
    latest_year = int(df["year"].iat[-1]) if len(df) else None
    latest_value = float(df["value"].iat[-1]) if len(df) else None
    over = t.year < as_of or bool((df["year"] == t.year).any())
    if over:
        value, basis, basis_years = _value_at_year(df, t)
        status = "no_data" if value is None else "met" if _meets(value, t.value, t.direction) else "missed"
    else:
        value = latest_value
        basis, basis_years = ("latest", (latest_year,)) if latest_year is not None else ("no_observations", ())
        if proj is not None:
            status = "on_track" if proj.reaches_by_target_year else "off_track"
        elif latest_value is not None and _meets(latest_value, t.value, t.direction):
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
    area = COUNTRY_CODE if area_code == "0000" else area_code
    sel = indicators[(indicators["indicator_id"] == indicator_id) & (indicators["area_code"] == area)]
    cols = [c for c in ("year", "value", "unit", "source", "quality") if c in sel.columns]
    return prepare_series(sel[cols], indicator_id)


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
    area = COUNTRY_CODE if area_code == "0000" else area_code
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


def method_text(lang: str = "sv", n_last: int = N_LAST) -> str:
    """The projection and status method in one paragraph, for the page caption."""
    return (METHOD_SV if lang == "sv" else METHOD_EN).format(n=n_last)
