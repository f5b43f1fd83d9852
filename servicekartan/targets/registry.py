"""The CSV registry: read, parse and validate uploads line by line, write, and merge the user's targets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from servicekartan import paths
from servicekartan.targets.errors import TargetError, has_errors
from servicekartan.targets.validation import validate_record
from servicekartan.targets.vocabulary import COLUMNS, MAX_BYTES, MAX_ROWS, REQUIRED


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


def target_row(registry: pd.DataFrame, target_id: str) -> dict:
    """One target of the registry as a dict (column -> value); KeyError when there is none."""
    return registry.set_index("target_id").loc[target_id].to_dict() | {"target_id": target_id}
