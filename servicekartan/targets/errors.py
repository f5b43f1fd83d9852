"""Problems found in a targets file or form -> located, bilingual messages and an error table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from servicekartan import i18n


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
        """The message without location (`target_msg.<code>` in the catalog; an unknown code shows itself)."""
        key = f"target_msg.{self.code}"
        if not i18n.has(key, lang):
            return self.code
        return i18n.t(key, lang, value=self.value, column=self.column, **_shown_params(self.code, self.params, lang))

    @property
    def message(self) -> str:
        return self.text("en")

    def describe(self, lang: str = "en") -> str:
        """Full line-level message, e.g. "line 3, column 'year': year 1890 is outside 1990–2100"."""
        where = []
        if self.line:
            where.append(i18n.t("target_where.line", lang, line=self.line))
        if self.column:
            where.append(i18n.t("target_where.column", lang, column=self.column))
        prefix = ", ".join(where) or i18n.t("target_where.file", lang)
        return f"{prefix}: {self.text(lang)}"

    def __str__(self) -> str:
        return self.describe("en")


# Python's csv module explains a broken file in English: the common cases in the page's language (catalog csv_why.*).
_CSV_WHY = {
    "unexpected end of data": "unexpected_end",
    "new-line character seen in unquoted field": "newline",
    "NUL bytes": "nul",
    "no recognised header row": "no_header",
}


def _shown_params(code: str, params: Mapping[str, object], lang: str) -> dict[str, object]:
    """Numbers in a message in the language's style; file sizes in kB/MB; csv's English reasons translated."""
    from servicekartan import fmt  # fmt imports i18n only; here at call time to keep targets light

    out: dict[str, object] = {}
    for k, v in params.items():
        if code == "too_large" and k in ("size", "limit") and isinstance(v, (int, float)):
            out[k] = fmt.file_size(v, lang)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = fmt.number(v, lang, fmt.decimals_of(float(v)))
        elif k == "why" and isinstance(v, str):
            why = next((w for text, w in _CSV_WHY.items() if text in v), None)
            out[k] = i18n.t(f"csv_why.{why}", lang) if why else v
        else:
            out[k] = v
    return out


def errors_frame(errors: Iterable[TargetError], lang: str = "en") -> pd.DataFrame:
    """Errors as a table (line, column, level, message) ready to show under an upload widget."""
    rows = [
        {"line": e.line, "column": e.column or "", "level": e.level, "message": e.text(lang), "code": e.code}
        for e in errors
    ]
    return pd.DataFrame(rows, columns=["line", "column", "level", "message", "code"])


def has_errors(errors: Iterable[TargetError]) -> bool:
    return any(e.level == "error" for e in errors)
