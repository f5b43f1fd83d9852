"""Area codes -> levels and containment: Sverige "00", a län by 2 digits, a kommun by 4 digits."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

COUNTRY_CODE = "00"
KOLADA_COUNTRY_CODE = "0000"  # Kolada's code for Sverige; read as COUNTRY_CODE
LEVELS: tuple[str, ...] = ("country", "county", "municipality")


def normalise(code: object) -> str:
    """An area code as text, with Kolada's "0000" for Sverige read as "00"."""
    text = str(code).strip()
    return COUNTRY_CODE if text == KOLADA_COUNTRY_CODE else text


def is_area_code(code: object) -> bool:
    """True for "00", a 2-digit län code or a 4-digit kommun code (after `normalise`)."""
    c = normalise(code)
    return c.isascii() and c.isdigit() and len(c) in (2, 4)


def level_of(code: object) -> str:
    """ "country", "county" or "municipality" for an area code; ValueError for anything else."""
    c = normalise(code)
    if not is_area_code(c):
        raise ValueError(f"not an area code: {code!r}")
    if c == COUNTRY_CODE:
        return "country"
    return "county" if len(c) == 2 else "municipality"


def is_kommun(code: object) -> bool:
    return is_area_code(code) and level_of(code) == "municipality"


def county_of(code: object) -> str | None:
    """The län a län or kommun lies in (its first two digits); None for Sverige."""
    c = normalise(code)
    return None if level_of(c) == "country" else c[:2]


def enclosing_county(code: object) -> str:
    """The län around an area, or Sverige for Sverige: the extent of a kommun map drawn for the area."""
    return county_of(code) or COUNTRY_CODE


def contains(area: object, code: object) -> bool:
    """Whether `code` (a län or kommun) lies inside `area` (Sverige contains everything; an area contains itself)."""
    a, c = normalise(area), normalise(code)
    return a == COUNTRY_CODE or c.startswith(a)


def kommuner_in(area: object, codes: Iterable[object]) -> list[str]:
    """The kommun codes among `codes` that lie inside `area`, in their given order (a kommun: just itself)."""
    return [str(c) for c in codes if is_kommun(c) and contains(area, c)]


def in_area(codes: pd.Series, area: object) -> pd.Series:
    """Boolean mask: which kommun codes of a column lie inside `area` (vectorised `contains`)."""
    a = normalise(area)
    if a == COUNTRY_CODE:
        return pd.Series(True, index=codes.index)
    text = codes.astype("string")
    return (text.str.startswith(a) if len(a) == 2 else text == a).fillna(False).astype(bool)
