"""Shared AppTest helpers: open the app at a page/area/language, and read what the page shows.

Used by the page tests (tests/test_pages*.py) and the view snapshot (tests/view_snapshot.py). They read the
rendered element tree only, never the app's modules, so they keep working while the code behind the pages moves.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
from streamlit.proto.Block_pb2 import Block as BlockProto
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

REPO = Path(__file__).resolve().parent.parent
NBSP = "\u00a0"

# The seven pages, by their file in app_pages/ ("overview" is the default page, url_path "home").
PAGES = ("overview", "villages", "access", "targets", "servicepoints", "data", "method")
DEFAULT_PAGE = "overview"

# st.badge is sent as Markdown ":<colour>-badge[<icon> <label>]" (Streamlit 1.67); st.get("badge") finds nothing.
DIRECTION_HORIZONTAL = BlockProto.FlexContainer.Direction.Value("HORIZONTAL")
BADGE = re.compile(r":(\w+)-badge\[(?::material/(\w+): )?(.*?)\]")


def clear_caches() -> None:
    """Forget everything a previous AppTest computed: Streamlit's caches and the app's cross-session memo.

    The memo is found by shape (an OrderedDict named `_MEMO` in any servicekartan module), so this keeps
    working when the module that holds it moves."""
    st.cache_data.clear()
    st.cache_resource.clear()
    for name, module in list(sys.modules.items()):
        if name == "servicekartan" or name.startswith("servicekartan."):
            memo = getattr(module, "_MEMO", None)
            if isinstance(memo, OrderedDict):
                memo.clear()


def app(page: str | None = None, **params: str) -> AppTest:
    """An AppTest of dashboard.py opened directly at `page` (as a deep link does) with URL query `params`."""
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    if page and page != DEFAULT_PAGE:
        at.switch_page(f"app_pages/{page}.py")
    return at


def run(page: str | None = None, **params: str) -> AppTest:
    """Open and run the app at `page` with `params`; the run must not raise."""
    at = app(page, **params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_view(page: str, area: str, lang: str, **params: str) -> AppTest:
    """The app at one page × area × language (e.g. run_view("villages", "0861", "en"))."""
    return run(page, area=area, lang=lang, **params)


# ---------------------------------------------------------------- reading the page


def texts(at: AppTest) -> str:
    """All text elements of the main area and sidebar, one per line."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += (
        [w.value for w in at.warning]
        + [e.value for e in at.error]
        + [i.value for i in at.info]
        + [s.value for s in at.success]
    )
    parts += [t.value for t in at.title] + [h.value for h in at.header]
    return "\n".join(str(p) for p in parts)


def frame_with(at: AppTest, column: str):
    """The first dataframe on the page that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metrics(at: AppTest) -> dict[str, str]:
    """Metric label -> shown value."""
    return {m.label: m.value for m in at.metric}


def chart_specs(at: AppTest) -> list[dict]:
    """The Plotly figure specs of the page, in order."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def arr(value: Any) -> list:
    """A plotly array from a JSON spec: plain list, or plotly's base64 typed array ({dtype, bdata})."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            data = data.reshape([int(n) for n in str(value["shape"]).split(",")])
        return data.tolist()
    return list(value)


def walk(at: AppTest) -> Iterator[tuple[str, Any]]:
    """Every element of the main area, then the sidebar, in document order, with where it sits.

    `where` names the containers: "main", "main/row/col1", "sidebar", "main/expander(Filter)/row/col0" ….
    A labelled container (expander, tab, popover …) is itself yielded before its content."""

    def visit(node: Block, where: str) -> Iterator[tuple[str, Any]]:
        for i, child in enumerate(node.children.values()):
            if not isinstance(child, Block):
                yield where, child
                continue
            if type(child).__name__ in LABELLED:
                yield where, child
            yield from visit(child, f"{where}/{_segment(child, i)}")

    tree = at._tree  # the element tree: main, sidebar and event blocks (at.main / at.sidebar are its children)
    for index, name in ((0, "main"), (1, "sidebar"), (2, "event")):
        if index in tree.children:
            yield from visit(tree.children[index], name)


LABELLED = ("Expander", "Tab", "Status", "Popover", "Dialog", "ChatMessage")


def _segment(block: Block, index: int) -> str:
    kind = type(block).__name__
    if kind == "Column":
        return f"col{index}"
    if kind in LABELLED:
        return f"{kind.lower()}({getattr(block, 'label', '')})"
    if block.type == "flex_container":
        return "row" if block.proto.flex_container.direction == DIRECTION_HORIZONTAL else "box"
    return block.type or "block"


def badges(at: AppTest) -> list[tuple[str, str]]:
    """Every badge on the page, in order: (where, label), e.g. ("main/row/col0", "Modellerad")."""
    found = []
    for where, node in walk(at):
        if type(node).__name__ == "Markdown":
            found += [(where, m.group(3)) for m in BADGE.finditer(str(node.value))]
        elif node.type == "badge":
            found.append((where, node.proto.label))
    return found


def badge_labels(at: AppTest) -> list[str]:
    return [label for _, label in badges(at)]
