"""Plotly figures -> slide-sized PNG and SVG bytes (kaleido + the machine's Chromium), stamped with source and date."""

from __future__ import annotations

import base64
import copy
import threading
import time
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from servicekartan.chart_style import FONT, SOURCE_ANNOTATION, wrap

SLIDE_WIDTH, SLIDE_HEIGHT = 1600, 900  # 16:9, sharp on a projector and in minutes
_lock = threading.Lock()
_started = False
_last_used = 0.0
IDLE_STOP_S = 60.0  # kaleido's Chromium (~290 MB PSS) is stopped after this long without an export


def _ensure_server() -> None:
    """Start kaleido's persistent Chromium when needed (each image while it runs ~0.3 s instead of ~3 s)."""
    global _started
    if not _started:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
        _started = True


def _stop_when_idle() -> None:
    """Stop kaleido's Chromium when no image was made for IDLE_STOP_S: exports are rare (a presenter's click), and
    an idle browser kept for them held more memory than the 20 users' sessions add."""
    global _started
    with _lock:
        if _started and time.monotonic() - _last_used >= IDLE_STOP_S:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def _used() -> None:
    global _last_used
    _last_used = time.monotonic()
    timer = threading.Timer(IDLE_STOP_S + 0.1, _stop_when_idle)
    timer.daemon = True
    timer.start()


def running() -> bool:
    """Whether kaleido's Chromium is running in this process."""
    return _started


def _plain_title(fig: go.Figure) -> str:
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else ""
    return title.replace("<br>", " ")


def _numbers(values: object) -> list[float]:
    """The finite numbers of a trace's data array (plain list, numpy array, or plotly's base64 typed array)."""
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:
        arr = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    else:
        arr = np.asarray(list(values), dtype=object)
    out = pd.to_numeric(pd.Series(arr.ravel()), errors="coerce")
    return [float(v) for v in out if np.isfinite(v)]


def room_for_bar_text(fig: go.Figure, factor: float = 1.2) -> go.Figure:
    """Widen the value axis of bar charts whose labels sit outside the bars, so the longest label fits
    ("1 617 407" beside Stockholm's bar was cut to "1 617 4…")."""
    for axis, orient in (("xaxis", "h"), ("yaxis", "v")):
        values = [
            v
            for tr in fig.data
            if tr.type == "bar" and tr.textposition == "outside" and (tr.orientation or "v") == orient
            for v in _numbers(tr.x if orient == "h" else tr.y)
        ]
        if values and max(values) > 0 and fig.layout[axis].range is None:
            lo = min(0.0, min(values) * factor)
            fig.layout[axis].range = [lo, max(values) * factor]
    return fig


def _legend_rows(fig: go.Figure) -> int:
    """Rows a horizontal legend takes at slide width (its title included); 0 for none or a vertical one."""
    legend = fig.layout.legend
    if not legend or legend.orientation != "h":
        return 0
    entries = sum(1 for tr in fig.data if tr.showlegend is not False and tr.name and tr.type != "heatmap")
    width = legend.entrywidth if legend.entrywidth and legend.entrywidthmode == "pixels" else 250
    per_row = max(1, int((SLIDE_WIDTH - 190) // (width + 45)))  # an entry: its symbol, text width and gap
    return -(-entries // per_row) + (1 if legend.title and legend.title.text else 0)


def stamp(fig: go.Figure, source: str, when: str | None = None, badge: str = "") -> go.Figure:
    """A copy at slide size: title re-wrapped for the slide's width, larger type, room for bar labels and the
    legend, a footer line (source and date) at the bottom edge and, for modelled data, a badge drawn into the
    image (the on-screen figure is untouched)."""
    out = room_for_bar_text(copy.deepcopy(fig))
    out.layout.annotations = [a for a in out.layout.annotations if a.name != SOURCE_ANNOTATION]  # the footer says it
    title = _plain_title(out)
    lines = wrap(title, 70).count("<br>") + 1 if title else 0
    top = 40 + 40 * lines + (36 if badge else 0)
    bottom = max(150, 60 + 26 * _legend_rows(out) + 50)  # tick labels, a horizontal legend's rows, the footer
    footer = f"{source} · Servicekartan {when or date.today().isoformat()}"
    out.add_annotation(
        text=wrap(footer, 150),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-(bottom - 40),
        showarrow=False,
        align="left",
        font={"size": 14, "color": "#444"},
    )
    if badge:
        out.add_annotation(
            text=f"<b>{badge}</b>",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            yanchor="bottom",
            yshift=8,
            showarrow=False,
            font={"size": 16, "color": "#8a3b00"},
            bgcolor="#fff1e6",
            bordercolor="#D55E00",
            borderwidth=1.5,
            borderpad=5,
        )
    out.update_layout(
        font={"family": FONT, "size": 18},
        margin={"b": bottom, "t": top, "l": 40, "r": 110, "autoexpand": True},
        title={
            "text": wrap(title, 70),
            "font": {"size": 30},
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 24},
        },
    )
    if out.layout.legend and out.layout.legend.orientation == "h":
        out.update_layout(legend={"y": -0.1, "yanchor": "top"})
    for ax in ("xaxis", "yaxis"):
        out.layout[ax].automargin = True
    return out


def image(fig: go.Figure, fmt: str, source: str, when: str | None = None, badge: str = "") -> bytes:
    """PNG or SVG bytes of the stamped figure at slide size (with `badge`, e.g. "Modellerad", drawn in)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be png or svg, not {fmt!r}")
    with _lock:  # one Chromium, one image at a time
        _ensure_server()
        try:
            return stamp(fig, source, when, badge).to_image(format=fmt, width=SLIDE_WIDTH, height=SLIDE_HEIGHT)
        finally:
            _used()
