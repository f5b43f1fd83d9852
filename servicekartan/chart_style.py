"""Shared look of every figure: font, colour scales, title wrapping, the base layout with the source line."""

from __future__ import annotations

import plotly.graph_objects as go

from servicekartan import fmt

# A valid CSS font list: names with spaces or digits quoted; Streamlit serves "Source Sans", exports fall back
# to a sans-serif the machine has (Liberation Sans / DejaVu Sans), never to a serif.
FONT = '"Source Sans", "Source Sans 3", "Source Sans Pro", "Liberation Sans", Helvetica, Arial, sans-serif'
SEQ_SCALE = "Viridis"  # perceptually uniform and colour-blind safe
MISSING_GREY = "#d9d9d9"


def wrap(text: str, width: int = 42) -> str:
    """Break a long title into lines (plotly titles do not wrap by themselves)."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


SOURCE_ANNOTATION = "source"  # the name of the source line under a chart (an export's footer replaces it)


def base_layout(fig: go.Figure, title: str, lang: str, source: str = "", height: int = 480) -> go.Figure:
    """Common look: title, Swedish/English separators, the source as an annotation under the plot."""
    lines = wrap(title).count("<br>")
    fig.update_layout(
        title={"text": wrap(title), "x": 0.01, "xanchor": "left", "font": {"size": 18}},
        separators=fmt.plotly_separators(lang),
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 50 + 22 * lines, "b": 60 if source else 20},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    # Axis numbers in full with the language's grouping ("1 000", "100 000", "1 600 000"), never "100k" or "1,6M".
    fig.update_xaxes(exponentformat="none", separatethousands=True)
    fig.update_yaxes(exponentformat="none", separatethousands=True)
    if source:
        fig.add_annotation(
            name=SOURCE_ANNOTATION,
            text=source,
            xref="paper",
            yref="paper",
            x=0,
            y=-0.02,
            yanchor="top",
            xanchor="left",
            showarrow=False,
            font={"size": 10, "color": "#555"},
        )
    return fig


def year_axis(fig: go.Figure) -> go.Figure:
    """An x axis of years: "2015", never "2 015" (base_layout groups the thousands of every other axis)."""
    fig.update_xaxes(tickformat="d", separatethousands=False)
    return fig
