"""Axes in the page's number style: counts grouped ("250 000"), years never ("2015", not "2 015")."""

import pandas as pd

from servicekartan import charts


def test_years_are_not_grouped_but_counts_are():
    series = pd.DataFrame({"year": [2015, 2020, 2024], "population": [13_000, 13_100, 13_069]})
    fig = charts.population_line(series, "Folkmängd", "sv")
    assert fig.layout.xaxis.tickformat == "d" and not fig.layout.xaxis.separatethousands  # 2015, 2020
    assert fig.layout.yaxis.separatethousands and fig.layout.yaxis.exponentformat == "none"  # 13 000, never 13k
    assert fig.layout.separators == ",\u00a0"  # Swedish: decimal comma, no-break space between thousands
