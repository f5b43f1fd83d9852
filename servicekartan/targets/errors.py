"""Problems found in a targets file or form -> located, bilingual messages and an error table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

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
