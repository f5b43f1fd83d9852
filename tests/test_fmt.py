"""One formatting layer: every number in the page's language — tables of any size, plurals, sizes, inputs, axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from servicekartan import charts, costs, fmt
from servicekartan.i18n import t

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1617407, "sv", 0, f"1{NB}617{NB}407"),
        (1617407, "en", 0, "1,617,407"),
        (1.8, "sv", 1, "1,8"),
        (1.8, "en", 1, "1.8"),
        (-377, "sv", 0, "\u2212377"),
        (None, "sv", 0, "–"),
        (float("nan"), "en", 1, "–"),
    ],
)
def test_number(value, lang, decimals, expected) -> None:
    assert fmt.number(value, lang, decimals) == expected


def test_percent_in_each_language() -> None:
    assert fmt.percent(0.3, "sv") == f"0,3{NB}%"
    assert fmt.percent(0.3, "en") == "0.3%"


@pytest.mark.parametrize(
    ("key", "n", "lang", "expected"),
    [
        ("count.villages", 1, "sv", "1 by"),
        ("count.villages", 2, "sv", "2 byar"),
        ("count.villages", 1, "en", "1 village"),
        ("count.villages", 2, "en", "2 villages"),
        ("count.villages", 1617, "sv", f"1{NB}617 byar"),
        ("count.rows", 1, "en", "1 row"),
        ("count.inhabitants", 1, "en", "1 inhabitant"),
    ],
)
def test_counts_singular_and_plural(key, n, lang, expected) -> None:
    assert fmt.count(key, n, lang) == expected


def test_file_size_not_raw_bytes() -> None:
    assert fmt.file_size(21071690, "sv") == f"20,1{NB}MB"
    assert fmt.file_size(21071690, "en") == f"20.1{NB}MB"
    assert fmt.file_size(256 * 1024, "sv") == f"256,0{NB}kB"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (f"545{NB}333", "sv", 545333.0),
        ("545 333", "sv", 545333.0),
        ("0,2", "sv", 0.2),
        ("0.2", "sv", 0.2),  # a plain decimal point is understood on a Swedish page too
        ("545,333", "en", 545333.0),
        ("1,617,407.5", "en", 1617407.5),
        ("0.2", "en", 0.2),
        ("\u22123", "sv", -3.0),
        ("abc", "sv", None),
        ("1e400", "en", None),
        ("", "sv", None),
    ],
)
def test_parse_number(text, lang, expected) -> None:
    assert fmt.parse_number(text, lang) == expected


def test_exact_keeps_the_decimals_a_value_has() -> None:
    assert fmt.exact(0.2, "sv") == "0,2" and fmt.exact(3, "sv") == "3" and fmt.exact(2.5, "en") == "2.5"
    assert fmt.exact(545333.0, "sv") == f"545{NB}333"


def test_long_tables_are_formatted_too() -> None:
    """Above STYLE_MAX_ROWS the table is no longer a Styler, but its numbers are still in the page's style."""
    n = fmt.STYLE_MAX_ROWS + 100
    df = pd.DataFrame({"name": ["x"] * n, "population": np.full(n, 1617407), "km": np.full(n, 1.75), "year": 2020})
    sv = fmt.styled(df, "sv", {"km": 1})
    en = fmt.styled(df, "en", {"km": 1})
    assert isinstance(sv, pd.DataFrame)
    assert sv["population"].iloc[0] == f"1{NB}617{NB}407" and sv["km"].iloc[0] == "1,8"
    assert en["population"].iloc[0] == "1,617,407" and en["km"].iloc[0] == "1.8"
    assert sv["year"].iloc[0] == 2020  # years are labels, never "2 020"
    short = fmt.styled(df.head(3), "sv", {"km": 1})
    assert short.to_html().count(f"1{NB}617{NB}407") == 3  # the Styler for short tables (numbers sort as numbers)


def test_calculator_comparison_keeps_rates_and_posts() -> None:
    cmp = costs.compare(costs.FLISERYD_ACTUAL, costs.FLISERYD_ACTUAL, "sv")
    shown = costs.compare_shown(cmp, "sv").set_index("item")
    assert shown.loc[t("cost_item.rate", "sv"), "pre"] == f"3{NB}%"
    assert shown.loc[t("cost_item.fte", "sv"), "post"] == "0,2"
    assert shown.loc[t("cost_item.investment", "sv"), "pre"] == f"545{NB}333"
    en = costs.compare_shown(costs.compare(costs.FLISERYD_ACTUAL, costs.FLISERYD_ACTUAL, "en"), "en").set_index("item")
    assert en.loc[t("cost_item.rate", "en"), "pre"] == "3%" and en.loc[t("cost_item.fte", "en"), "pre"] == "0.2"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axes_show_full_numbers_in_the_language(lang) -> None:
    fig = charts.base_layout(go.Figure(go.Bar(x=["a", "b"], y=[1000, 1_600_000])), "t", lang)
    assert fig.layout.yaxis.exponentformat == "none" and fig.layout.yaxis.separatethousands
    assert fig.layout.separators == (",\u00a0" if lang == "sv" else ".,")
