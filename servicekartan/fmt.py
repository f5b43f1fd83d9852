"""Numbers and dates -> display strings in Swedish (1 234,5) or English (1,234.5) style."""

from __future__ import annotations

import math

from servicekartan.i18n import LANGS, catalog, lang_code

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
    s = number(value, lang, decimals, missing)
    return s if s == missing else f"{s}{NBSP}%"


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
# it cost more server time than everything else on the page, so long tables show plain rounded numbers.
STYLE_MAX_ROWS = 500


def styled(df, lang: str, decimals: dict[str, int] | None = None, max_rows: int | None = STYLE_MAX_ROWS):
    """A pandas Styler showing numeric columns in the language's number style (values stay numeric for sorting).

    Tables longer than `max_rows` come back as a frame with the numbers rounded to the same decimals."""
    decimals = decimals or {}
    num_cols = [
        c
        for c in df.columns
        if str(df[c].dtype) in ("float64", "int64", "Int64", "Float64")
        and not (c in ("year", "opened", "closed") or str(c).endswith("_year"))
    ]
    if max_rows is not None and len(df) > max_rows:
        return df.assign(
            **{c: df[c].round(decimals.get(c, 0)) for c in num_cols if "float" in str(df[c].dtype).lower()}
        )

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
