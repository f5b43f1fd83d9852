"""The text alternative under every chart (ui.a11y.figure_table): labels are the categories, values are numbers in
the page's language, and a wrapped title reads as one line."""

import plotly.graph_objects as go

from servicekartan.ui.a11y import _plain, figure_table


def test_dot_rows_read_label_then_value_in_the_page_language():
    fig = go.Figure(
        [
            go.Bar(x=[99.6, 76.5], y=["Grundskola", "Vårdcentral"], orientation="h", name="Alla invånare"),
            go.Scatter(x=[100.0, 89.08419055228204], y=["Grundskola", "Vårdcentral"], mode="markers", name="Tätorter"),
        ]
    )
    table = figure_table(fig, "sv")
    rows = list(table.itertuples(index=False, name=None))
    assert rows == [
        ("Alla invånare", "Grundskola", "99,6"),
        ("Alla invånare", "Vårdcentral", "76,5"),
        ("Tätorter", "Grundskola", "100"),
        ("Tätorter", "Vårdcentral", "89,1"),  # never the raw float with an English decimal point
    ]


def test_a_wrapped_title_is_one_line():
    assert _plain("Alla invånare efter avstånd till<br>dagligvarubutik, 2024") == (
        "Alla invånare efter avstånd till dagligvarubutik, 2024"
    )
