"""Numbers and dates -> display strings in Swedish (1 234,5) or English (1,234.5) style."""

from __future__ import annotations

import math
import re

from servicekartan.i18n import LANGS, catalog, lang_code, t, tn

NBSP = "\u00a0"

# Python's "1,234.5" and "-" -> the language's thousands separator, decimal mark and minus sign (catalog: fmt.*).
_NUMBER_STYLE: dict[str, dict[int, str]] = {
    lang: str.maketrans(
        {",": catalog(lang)["fmt.thousands"], ".": catalog(lang)["fmt.decimal"], "-": catalog(lang)["fmt.minus"]}
    )
    for lang in LANGS
}


def number(value: float | int | None, lang: str = "sv", decimals: int = 0, missing: str = "–") -> str:
    """Format a number; None/NaN becomes the missing mark, never 0."""
    if value is None:
        return missing
    try:
        v = float(value)
    except (TypeError, ValueError):
        return missing
    if math.isnan(v) or math.isinf(v):
        return missing
    return f"{v:,.{decimals}f}".translate(_NUMBER_STYLE[lang_code(lang)])


def percent(value: float | None, lang: str = "sv", decimals: int = 1, missing: str = "–") -> str:
    """A percentage (value already ×100): Swedish "0,3 %", English "0.3%"."""
    s = number(value, lang, decimals, missing)
    return s if s == missing else s + catalog(lang)["fmt.percent"]


def count(key: str, n: float, lang: str = "sv", **kwargs: object) -> str:
    """A counted noun with its number formatted: count("count.villages", 1, "sv") -> "1 by", 1617 -> "1 617 byar"."""
    return tn(key, n, lang, n=number(n, lang), **kwargs)


def decimals_of(value: float, most: int = 2) -> int:
    """The decimals a value needs to be shown as it is (0.2 -> 1, 3.0 -> 0, 0.125 -> 2 with most=2)."""
    for d in range(most + 1):
        if abs(round(value, d) - value) < 1e-9:
            return d
    return most


def exact(value: float | None, lang: str = "sv", most: int = 2, missing: str = "–") -> str:
    """A number with as many decimals as it has (up to `most`): 3 -> "3", 0.2 -> "0,2", 545333 -> "545 333"."""
    if value is None or value != value:
        return missing
    return number(value, lang, decimals_of(float(value), most), missing)


def file_size(n_bytes: float, lang: str = "sv") -> str:
    """A file size for people: 21071690 -> "20,1 MB" (1 MB = 1024² bytes, as browsers and Streamlit count)."""
    if n_bytes >= 1024**2:
        return f"{number(n_bytes / 1024**2, lang, 1)}{NBSP}{t('fmt.mb', lang)}"
    if n_bytes >= 1024:
        return f"{number(n_bytes / 1024, lang, 1)}{NBSP}{t('fmt.kb', lang)}"
    return f"{number(n_bytes, lang)}{NBSP}{t('fmt.bytes', lang)}"


def parse_number(text: object, lang: str = "sv") -> float | None:
    """A number typed in the page's style back to a float ("545 333" / "0,2" in Swedish, "545,333" / "0.2" in
    English); a plain "0.2" is read in Swedish too. None for anything that is not a number."""
    s = str(text).strip().replace(NBSP, " ").replace("\u202f", " ").replace("\u2212", "-")
    if not s or len(s) > 40:
        return None
    cat = catalog(lang)
    thousands, decimal = cat["fmt.thousands"], cat["fmt.decimal"]
    s = s.replace(" ", "")
    # English "1,234.5": drop the commas that group thousands
    if thousands.strip() and re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    if decimal == "," and s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        return None
    v = float(s)
    return v if math.isfinite(v) else None


def km(value: float | None, lang: str = "sv", decimals: int = 1, missing: str = "–") -> str:
    s = number(value, lang, decimals, missing)
    return s if s == missing else f"{s}{NBSP}km"


def signed(value: float | None, lang: str = "sv", decimals: int = 0, missing: str = "–") -> str:
    s = number(value, lang, decimals, missing)
    if s == missing:
        return s
    return s if s.startswith(("\u2212", "-")) or float(value) == 0 else f"+{s}"


def plotly_separators(lang: str) -> str:
    """Plotly's `separators` layout value: decimal mark then thousands mark."""
    return catalog(lang)["fmt.plotly_separators"]


# A Styler formats every cell in Python on every page view; above this many rows (the national village tables)
# it cost more server time than everything else on the page, so long tables get their numbers as text in the
# language's style instead (fast; the same look, but such a column sorts as text).
STYLE_MAX_ROWS = 500


def number_columns(df) -> list[str]:
    """The columns shown as formatted numbers (years are labels: 2020, never "2 020")."""
    return [
        c
        for c in df.columns
        if str(df[c].dtype) in ("float64", "int64", "Int64", "Float64", "float32", "int32")
        and not (c in ("year", "opened", "closed") or str(c).endswith("_year"))
    ]


def formatted(df, lang: str, decimals: dict[str, int] | None = None):
    """`df` with every number column as text in the language's style ("1 617 407", "1,8"; missing "–").

    The grid reads these texts to screen readers and copies them as shown (a Styler's numbers are read out raw,
    "10.033642736800223"). Each column is left-padded with spaces to one width, which the right-aligned column
    does not show, so that sorting the text sorts the non-negative numbers in numeric order."""
    decimals = decimals or {}
    out = {}
    for c in number_columns(df):
        texts = [number(x, lang, decimals.get(c, 0)) for x in df[c]]
        width = max((len(s) for s in texts), default=0)
        out[c] = [s.rjust(width) for s in texts]
    return df.assign(**out)


def styled(df, lang: str, decimals: dict[str, int] | None = None, max_rows: int | None = STYLE_MAX_ROWS):
    """A pandas Styler showing numeric columns in the language's number style (values stay numeric for sorting).

    Tables longer than `max_rows` come back as a frame whose number columns are formatted text (`formatted`)."""
    decimals = decimals or {}
    num_cols = number_columns(df)
    if max_rows is not None and len(df) > max_rows:
        return formatted(df, lang, decimals)

    def formatter(decimals_: int):
        return lambda x: number(x, lang, decimals_)

    # Streamlit draws a null cell as "None" whatever the Styler says, so a numeric column with gaps is shown as
    # its formatted text ("–" for missing); complete columns stay numbers and sort as numbers.
    gaps = {c: formatter(decimals.get(c, 0)) for c in num_cols if df[c].isna().any()}
    gaps |= {
        c: (lambda x: str(int(x)))
        for c in df.columns
        if c not in num_cols and str(df[c].dtype) in ("Int64", "Float64", "float64") and df[c].isna().any()
    }
    if gaps:
        df = df.assign(**{c: [f(x) if not _isna(x) else "–" for x in df[c]] for c, f in gaps.items()})
    return df.style.format({c: formatter(decimals.get(c, 0)) for c in num_cols if c not in gaps}, na_rep="–")


def _isna(x: object) -> bool:
    try:
        return x is None or bool(x != x)
    except (TypeError, ValueError):  # pd.NA
        return True
