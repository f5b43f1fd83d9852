"""Checks on built datasets (counts, unique keys, codes that join, coordinates inside Sweden) and on input files
(`check_csv`, `parse_json`: one message per problem naming file, line and column)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from servicekartan import geo
from servicekartan.access import METHOD_ESTIMATE, METHOD_NETWORK, METHODS
from servicekartan.datasets import KEYS
from servicekartan.definitions import SERVICE_TYPE_IDS
from servicekartan.quality import QUALITY_LEVELS, SNAPSHOT_YEAR

# dataset -> the datasets its codes are checked against (when built in the same run): an ordering edge of the build
REFERENCES: dict[str, tuple[str, ...]] = {
    "villages": ("regions",),
    "services": ("regions",),
    "population": ("villages",),
    "village_access": ("villages", "services"),
}


class ValidationError(RuntimeError):
    pass


def check_unique(name: str, df: pd.DataFrame) -> list[str]:
    key = list(KEYS.get(name, ()))
    if not key:
        return []
    dup = df.duplicated(key, keep=False)
    return [f"{name}: {int(dup.sum())} rows share a key {key}"] if dup.any() else []


def check_dataset(name: str, df: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> list[str]:
    errors = check_unique(name, df)
    regions = frames.get("regions")
    if name == "regions":
        n_kom = int((df["level"] == "municipality").sum())
        n_lan = int((df["level"] == "county").sum())
        if n_kom != 290:
            errors.append(f"regions: {n_kom} kommuner, expected 290")
        if n_lan != 21:
            errors.append(f"regions: {n_lan} län, expected 21")
        kom = df[df["level"] == "municipality"]
        bad = set(kom["parent_code"]) - set(df.loc[df["level"] == "county", "code"])
        if bad:
            errors.append(f"regions: kommuner with unknown län {sorted(bad)}")
    if "lat" in df.columns and len(df):
        ok = geo.inside_sweden(df["lat"], df["lon"])
        if not ok.all():
            errors.append(f"{name}: {int((~ok).sum())} points outside Sweden's bounding box")
    if regions is not None and name in ("villages", "services"):
        codes = set(regions["code"])
        mc = df["municipality_code"].dropna()
        bad = sorted(set(mc) - codes)
        if bad:
            errors.append(f"{name}: unknown kommun codes {bad[:5]}")
        if name == "villages":
            bad = sorted(set(df["county_code"]) - codes)
            if bad:
                errors.append(f"villages: unknown län codes {bad[:5]}")
    if name == "village_access":
        errors += check_village_access(df, frames)
    villages = frames.get("villages")
    if villages is not None and name in ("population", "village_access"):
        col = "area_code" if name == "population" else "village_id"
        sub = df[df["level"] == "village"] if name == "population" else df
        bad = sorted(set(sub[col]) - set(villages["village_id"]))
        if bad:
            errors.append(f"{name}: unknown village ids {bad[:5]}")
    return errors


def check_village_access(df: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> list[str]:
    """Complete grid, known types/methods, no inf, NaN road values exactly where there is no road answer."""
    errors: list[str] = []
    if not len(df):
        return ["village_access: empty"]
    missing_years = sorted({SNAPSHOT_YEAR} - set(df["year"]))
    if missing_years:
        errors.append(f"village_access: years missing {missing_years}")
    bad = sorted(set(df["service_type"]) - set(SERVICE_TYPE_IDS))
    if bad:
        errors.append(f"village_access: unknown service types {bad}")
    bad = sorted(set(df["method"]) - set(METHODS))
    if bad:
        errors.append(f"village_access: unknown methods {bad}")
    if not df["quality"].isin(QUALITY_LEVELS).all():
        errors.append("village_access: quality must be one of " + ", ".join(QUALITY_LEVELS))
    n_grid = df["village_id"].nunique() * df["service_type"].nunique() * df["year"].nunique()
    if len(df) != n_grid:
        errors.append(f"village_access: {len(df)} rows, expected the full grid of {n_grid}")
    num = df[["distance_km", "road_km", "minutes"]].to_numpy(float)
    if np.isinf(num).any():
        errors.append("village_access: infinite distances (unreachable must be NaN)")
    if (num[~np.isnan(num)] < 0).any():
        errors.append("village_access: negative distances")
    answered = df["method"].isin([METHOD_ESTIMATE, METHOD_NETWORK]).to_numpy()
    if df.loc[answered, ["distance_km", "road_km", "minutes"]].isna().any().any():
        errors.append("village_access: estimate/network rows with missing distance")
    if df.loc[~answered, ["road_km", "minutes"]].notna().any().any():
        errors.append("village_access: unreachable/no_service rows must have NaN road_km and minutes")
    services = frames.get("services")
    if services is not None:
        ids = set(services["service_id"])
        bad = sorted(set(df["nearest_service_id"].dropna()) - ids)
        if bad:
            errors.append(f"village_access: unknown nearest_service_id {bad[:5]}")
    return errors


# ---------------------------------------------------------------------------------------------- seed and input files

MAX_PROBLEMS = 20  # listed one per line; the rest are counted


@dataclass(frozen=True)
class Col:
    """One CSV column: kind "str" / "int" / "float", non-empty unless optional, a range, a pattern for codes."""

    name: str
    kind: str = "str"
    optional: bool = False
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    what: str = ""  # what the value is, for messages ("population")


@dataclass(frozen=True)
class CsvSpec:
    columns: tuple[Col, ...]  # in the file's order (a missing column is named with its expected position)
    key: tuple[str, ...] = ()
    latlon: tuple[str, str] | None = None  # (lat column, lon column): checked inside Sweden's bounding box


class SeedError(ValidationError):
    """Problems in an input file: one line each, naming file, line and column."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        text = "\n".join(shown) + (f"\n… and {more} more problems" if more > 0 else "")
        super().__init__(text)


def _where(display: str, line: int, col: int | None = None, name: str | None = None) -> str:
    at = f"{display}, line {line}"
    if col is not None:
        at += f", column {col}"
    if name:
        at += f" ({name!r})"
    return at


def decode_utf8(data: bytes, display: str, field_names: list[str] | None = None) -> str:
    """Bytes -> text, or SeedError naming line and column of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        prefix = data[start : exc.start].decode("utf-8", errors="replace")
        col = len(prefix) + 1
        name = None
        if field_names:  # which CSV field the byte is in (quotes aside)
            idx = prefix.count(",")
            name = field_names[idx] if idx < len(field_names) else None
            col = idx + 1
        bad = data[exc.start : exc.start + 1].hex().upper()
        raise SeedError(
            [f"{_where(display, line, col, name)}: byte 0x{bad} is not UTF-8; save the file as UTF-8"]
        ) from None


def _number(text: str, kind: str) -> float | None:
    try:
        return float(int(text)) if kind == "int" else float(text)
    except ValueError:
        return None


def check_csv(data: bytes, spec: CsvSpec, display: str) -> pd.DataFrame:
    """Parse and check a CSV file (all text); SeedError lists every problem with file, line and column."""
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
    text = decode_utf8(data, display, next(csv.reader([first]), []))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    line = 1
    try:
        for row in reader:
            rows.append(row)
            lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise SeedError([f"{_where(display, line)}: not valid CSV ({exc})"]) from None
    if not rows:
        raise SeedError([f"{_where(display, 1)}: the file is empty (a header line is expected)"])
    header = [h.strip() for h in rows[0]]
    problems: list[str] = []
    pos = {h: i for i, h in enumerate(header)}
    for i, c in enumerate(spec.columns, 1):
        if c.name not in pos:
            problems.append(f"{_where(display, 1, i, c.name)}: the header lacks column {c.name!r}")
    dup = sorted({h for h in header if header.count(h) > 1})
    for h in dup:
        problems.append(f"{_where(display, 1, header.index(h) + 1, h)}: the header names this column twice")
    if problems:
        raise SeedError(problems)
    seen: dict[tuple, int] = {}
    kept: list[list[str]] = []
    for row, ln in zip(rows[1:], lines[1:], strict=True):
        if not row or row == [""]:
            continue
        kept.append(row)
        if len(row) != len(header):
            problems.append(f"{_where(display, ln)}: {len(row)} fields where the header has {len(header)}")
            continue
        for c in spec.columns:
            i = pos[c.name]
            v = row[i].strip()
            at = _where(display, ln, i + 1, c.name)
            what = c.what or "a value"
            if v == "":
                if not c.optional:
                    problems.append(f"{at}: empty; {what} is required")
                continue
            if c.kind in ("int", "float"):
                x = _number(v, c.kind)
                if x is None or x != x:
                    kind = "a whole number" if c.kind == "int" else "a number"
                    problems.append(f"{at}: {v!r} is not {kind}")
                    continue
                if c.min is not None and x < c.min:
                    problems.append(f"{at}: {v} is below {c.min:g}; {what} must be ≥ {c.min:g}")
                elif c.max is not None and x > c.max:
                    problems.append(f"{at}: {v} is above {c.max:g}; {what} must be ≤ {c.max:g}")
            elif c.pattern and not re.fullmatch(c.pattern, v):
                problems.append(f"{at}: {v!r} is not {what}")
        if spec.key:
            k = tuple(row[pos[n]].strip() for n in spec.key)
            if k in seen:
                i = pos[spec.key[0]]
                problems.append(
                    f"{_where(display, ln, i + 1, spec.key[0])}: duplicate key {'/'.join(k)!r} (first on line {seen[k]})"
                )
            else:
                seen[k] = ln
        if spec.latlon:
            la, lo = (_number(row[pos[n]].strip(), "float") for n in spec.latlon)
            if la is not None and lo is not None and not geo.inside_sweden(np.array([la]), np.array([lo]))[0]:
                i = pos[spec.latlon[0]]
                problems.append(
                    f"{_where(display, ln, i + 1, spec.latlon[0])}: ({la:g}, {lo:g}) lies outside Sweden "
                    f"(columns {spec.latlon[0]!r}, {spec.latlon[1]!r})"
                )
    if problems:
        raise SeedError(problems)
    return pd.DataFrame(kept, columns=header, dtype=str)


def parse_json(data: bytes, display: str):  # noqa: ANN201 - any JSON value
    """Bytes -> JSON value, or SeedError naming line and column."""
    text = decode_utf8(data, display)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SeedError([f"{_where(display, exc.lineno, exc.colno)}: not valid JSON ({exc.msg})"]) from None
