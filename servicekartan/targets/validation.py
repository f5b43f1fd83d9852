"""One target record (column -> text) -> a clean record or located problems: one small validator per field."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from servicekartan import areas
from servicekartan.areas import COUNTRY_CODE
from servicekartan.targets.errors import TargetError
from servicekartan.targets.vocabulary import MAX_TEXT, REQUIRED, SCOPES, YEAR_MAX, YEAR_MIN

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
TEXT_COLUMNS: tuple[str, ...] = ("unit", "name_sv", "name_en", "source", "note")


def number(text: str) -> float | None:
    """A finite number from user text: decimal comma or point, spaces and a trailing % ignored; else None."""
    t = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").rstrip("%")
    if re.fullmatch(r"[+-]?\d+,\d+", t):
        t = t.replace(",", ".")
    try:
        x = float(t)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


@dataclass
class _Check:
    """What the validators of one record share: where it is, what is known, and the problems found so far."""

    line: int
    default_scope: str
    known_indicators: set[str] | None
    known_areas: set[str] | None
    errors: list[TargetError] = field(default_factory=list)

    def report(self, col: str, code: str, value: str | None = None, level: str = "error", **params: object) -> None:
        self.errors.append(TargetError(self.line, col, code, value, level, params))


def _target_id(raw: str, check: _Check) -> str:
    if raw and not _ID_RE.match(raw):
        check.report("target_id", "bad_id", raw)
    return raw


def _indicator_id(raw: str, check: _Check) -> str:
    if raw and not _INDICATOR_RE.match(raw):
        check.report("indicator_id", "bad_indicator", raw)
    elif raw and check.known_indicators is not None and raw not in check.known_indicators:
        check.report("indicator_id", "unknown_indicator", raw, level="warning")
    return raw


def _value(raw: str, check: _Check) -> float | None:
    if not raw:
        return None
    num = number(raw)
    if num is None:
        check.report("value", "not_number", raw)
    return num


def _year(raw: str, check: _Check) -> int | None:
    if not raw:
        return None
    num = number(raw)
    if num is None or num != int(num):
        check.report("year", "not_year", raw)
    elif not YEAR_MIN <= int(num) <= YEAR_MAX:
        check.report("year", "year_range", str(int(num)))
    else:
        return int(num)
    return None


def _direction(raw: str, check: _Check) -> str | None:
    if not raw:
        return None
    direction = _DIRECTION_ALIASES.get(" ".join(raw.lower().split()))
    if direction is None:
        check.report("direction", "bad_direction", raw)
    return direction


def _kind(raw: str, check: _Check) -> str | None:
    text = raw or "by_year"
    kind = _KIND_ALIASES.get(text.lower())
    if kind is None:
        check.report("kind", "bad_kind", text)
    return kind


def _scope(raw: str, check: _Check) -> str:
    scope = (raw or check.default_scope).lower()
    if scope not in SCOPES:
        check.report("scope", "bad_scope", raw)
    return scope


def _area_code(raw: str, check: _Check) -> str:
    code = areas.normalise(raw or COUNTRY_CODE)  # Kolada's "0000" is Sverige
    if re.fullmatch(r"\d{1}|\d{3}", code):  # a spreadsheet dropped the leading zero
        fixed = code.zfill(2 if len(code) == 1 else 4)
        check.report("area_code", "area_padded", code, level="warning", fixed=fixed)
        code = fixed
    if not areas.is_area_code(code):
        check.report("area_code", "bad_area", code)
    elif check.known_areas is not None and code != COUNTRY_CODE and code not in check.known_areas:
        check.report("area_code", "unknown_area", code)
    return code


def _text(column: str) -> Callable[[str, _Check], str]:
    def validate(raw: str, check: _Check) -> str:
        if len(raw) > MAX_TEXT:
            check.report(column, "too_long", limit=MAX_TEXT)
        return raw

    return validate


# Column -> validator, in the order problems are reported.
VALIDATORS: dict[str, Callable[[str, _Check], object]] = {
    "target_id": _target_id,
    "indicator_id": _indicator_id,
    "value": _value,
    "year": _year,
    "direction": _direction,
    "kind": _kind,
    "scope": _scope,
    "area_code": _area_code,
    **{c: _text(c) for c in TEXT_COLUMNS},
}


def _cell(record: Mapping[str, object], col: str) -> str:
    v = record.get(col)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v).strip()


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
    check = _Check(
        line,
        default_scope,
        set(known_indicators) if known_indicators is not None else None,
        set(known_areas) if known_areas is not None else None,
    )
    for col in REQUIRED:
        if not _cell(record, col):
            check.report(col, "required")
    out = {col: validate(_cell(record, col), check) for col, validate in VALIDATORS.items()}
    out["name_sv"] = out["name_sv"] or out["target_id"]
    out["name_en"] = out["name_en"] or out["name_sv"]
    if any(e.level == "error" for e in check.errors):
        return None, check.errors
    return out, check.errors
