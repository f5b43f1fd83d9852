"""View snapshot: what every page shows, recorded with AppTest, so a refactor can prove it changed nothing users see.

For each page × area (Sverige "00", Kalmar län "08", Mönsterås "0861") × language (sv, en) it records, in
document order, every element of the main area and the sidebar with where it sits (main/row/col1 …):
titles, headings, markdown (badges are Markdown ":orange-badge[…]"), captions (source lines), alerts, metrics
(label, value, delta, colour, help), dataframes (column labels and config, shown cells of the first
ROW_CAP rows, row count and a digest of all cells), Plotly charts (every trace's data arrays, names,
hover templates, markers; the layout without the theme template, so titles, axis titles and legends are
kept), widgets (label, options as shown, current value), page links, download buttons, code blocks; and
the URL query the page leaves. Long arrays keep their first items, their length and a digest of all items.

Non-deterministic text is normalised: ISO timestamps, today's date (build and download dates), the citation
year, temp and data folder paths. Floats are rounded to 6 significant digits.

Record (regenerate) the fixture from the repo root — it builds the seed data into a temp folder first:

    python -m tests.view_snapshot                      # writes tests/fixtures/view_snapshot/*.json
    python -m tests.view_snapshot --out DIR --only villages

tests/test_view_snapshot.py compares the current app with the fixture, case by case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Widget

from etl import seed_population
from servicekartan.slides import DEFAULT_DECK
from tests.apptest_helpers import PAGES, REPO, arr, clear_caches, run_view, walk

AREAS = ("00", "08", "0861")  # Sverige, Kalmar län, Mönsterås
LANGS = ("sv", "en")


@dataclass(frozen=True)
class Case:
    """One view: a page at an area in a language, with any further URL query parameters."""

    page: str
    area: str
    lang: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        extra = "_".join(f"{k}-{v}" for k, v in self.params)
        return f"{self.page}_{self.area}_{self.lang}" + (f"__{extra}" if extra else "")


# The matrix: every page × area × language with default settings (42 views).
MATRIX = [Case(page, area, lang) for page in PAGES for area in AREAS for lang in LANGS]
# Views the defaults do not reach, so that every badge call and the presenter deck are seen too: the kommun map
# of a modelled indicator, a modelled target, a dataset with modelled rows, and each slide of the default deck.
SLIDES = len(DEFAULT_DECK)
EXTRA = [
    *(Case("overview", "0861", lang, (("ind", "share_beyond_10km_grocery"),)) for lang in LANGS),
    *(Case("targets", "0861", lang, (("target", "cash_withdrawal_25km"),)) for lang in LANGS),
    *(Case("data", "0861", lang, (("ds", "services"),)) for lang in LANGS),
    *(
        Case("overview", "0861", lang, (("present", "1"), ("village", "0861TB103"), ("slide", str(n))))
        for lang in LANGS
        for n in range(1, SLIDES + 1)
    ),
]
CASES = MATRIX + EXTRA
FIXTURE_DIR = REPO / "tests" / "fixtures" / "view_snapshot"

ROW_CAP = 25  # dataframe rows recorded cell by cell (all rows go into the digest)
LIST_CAP = 40  # longer arrays are recorded as {len, head, sha1}
HEAD = 12  # items kept of a long array
SIG = 6  # significant digits of floats

# Proto fields that are wiring, not something a user sees (widget ids are hashes of keys and page paths).
DROP_FIELDS = {
    "id",
    "form_id",
    "query_param_key",
    "set_value",
    "ignore_rerun",
    "page_script_hash",
    "deferred_file_id",
    "arrow_data",
    "spec",
    "columns",
}


def fixture_path(case: Case, directory: Path = FIXTURE_DIR) -> Path:
    return directory / f"{case.name}.json"


# ---------------------------------------------------------------- normalising


def _today_strings() -> set[str]:
    """Today's date, and the seed population grid's retrieval date (etl.seed_population.RETRIEVED): recorded on the
    day the grid was copied in, the two coincide, so the grid's date is always normalised too (else tomorrow's run
    would differ from today's recording)."""
    now = dt.datetime.now(dt.UTC)
    return {now.date().isoformat(), dt.date.today().isoformat(), seed_population.RETRIEVED}


TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
CITATION_YEAR = re.compile(r"Servicekartan \(\d{4}\)")  # downloads cite the download year
TMP_PATH = re.compile(re.escape(tempfile.gettempdir()) + r"/[^\s'\"),;]*")


def text(s: str) -> str:
    """A string with run-time facts (timestamps, today's date, folders) replaced by placeholders."""
    data_dir = os.environ.get("SERVICEKARTAN_DATA_DIR")
    if data_dir:
        s = s.replace(data_dir, "<DATA>")
    s = TMP_PATH.sub("<TMP>", s)
    s = s.replace(str(REPO), "<REPO>")
    s = TIMESTAMP.sub("<TIMESTAMP>", s)
    for day in _today_strings():
        s = s.replace(day, "<TODAY>")
    return CITATION_YEAR.sub("Servicekartan (<YEAR>)", s)


def number(x: float) -> float | str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    rounded = float(f"{x:.{SIG}g}")
    return 0.0 if rounded == 0 else rounded  # no -0.0


def digest(value: Any) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def plain(value: Any, cap: bool = True) -> Any:
    """JSON-ready and deterministic: sorted keys, rounded floats, decoded Plotly typed arrays, capped lists."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            return plain(arr(value), cap)
        if value.get("type") == "FeatureCollection" or "features" in value:  # an embedded GeoJSON
            features = value.get("features", [])
            return {"geojson_features": len(features), "sha1": digest(features)}
        return {str(k): plain(v, cap) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        items = [plain(v, cap) for v in value]
        if cap and len(items) > LIST_CAP:
            return {"len": len(items), "head": items[:HEAD], "sha1": digest(items)}
        return items
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return number(value)
    if isinstance(value, str):
        return text(value)
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # an array in a cell (a list column)
        return plain(value.tolist(), cap)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return plain(value.item(), cap)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return text(value.isoformat())
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return text(value.isoformat())
    return text(str(value))


# ---------------------------------------------------------------- elements


def figure(spec: dict) -> dict:
    """A Plotly spec without the theme template (thousands of default lines); all data and the rest of the layout."""
    layout = {k: v for k, v in spec.get("layout", {}).items() if k != "template"}
    out = {"data": spec.get("data", []), "layout": layout}
    if spec.get("frames"):
        out["frames"] = spec["frames"]
    return plain(out)


def frame(proto: Any) -> dict:
    """A dataframe or table as shown: column config (labels, formats), the shown cells, row count, digest."""
    arrow = proto.arrow_data if proto.HasField("arrow_data") else proto
    data = convert_arrow_bytes_to_pandas_df(arrow.data)
    styled = arrow.HasField("styler") and bool(arrow.styler.display_values)
    shown = convert_arrow_bytes_to_pandas_df(arrow.styler.display_values) if styled else data
    config = json.loads(proto.columns) if getattr(proto, "columns", "") else {}
    cells = [[plain(v) for v in row] for row in shown.itertuples(index=False, name=None)]
    out: dict[str, Any] = {
        "column_names": [str(c) for c in shown.columns],
        "column_config": plain(config),
        "rows": len(shown),
        "cells": cells[:ROW_CAP],
        "cells_sha1": digest(cells),
        "styled": styled,
    }
    if not config.get("_index", {}).get("hidden"):
        index = [plain(v) for v in shown.index]
        out["index"] = index[:ROW_CAP]
    if styled and arrow.styler.styles:
        styles = arrow.styler.styles.replace(arrow.styler.uuid, "<UUID>")
        out["styles"] = styles if len(styles) <= 2000 else {"len": len(styles), "sha1": digest(styles)}
    if styled and arrow.styler.caption:
        out["caption"] = text(arrow.styler.caption)
    return out


def element(where: str, node: Any) -> dict:
    """One element as a flat dict: {"el": type, "where": containers, …what it shows}."""
    kind = node.type
    proto = getattr(node, "proto", None)
    fields: dict[str, Any] = {}
    if proto is not None:
        fields = MessageToDict(proto, preserving_proto_field_name=True)
        fields = {k: v for k, v in fields.items() if k not in DROP_FIELDS}
    if kind == "plotly_chart":
        fields["figure"] = figure(json.loads(proto.spec))
    elif kind in ("dataframe", "table", "arrow_data_frame", "arrow_table"):
        fields.update(frame(proto))
    if isinstance(node, Widget):
        try:  # a widget: its current value
            fields["value"] = node.value
        except Exception as exc:  # noqa: BLE001 - some widgets cannot report a value in AppTest; record why
            fields["value"] = f"<unreadable: {type(exc).__name__}>"
    return {"el": kind, "where": where, **plain(fields)}


def snapshot(at: AppTest, case: Case) -> dict:
    """What one AppTest run shows, as a JSON-ready dict."""
    return {
        "case": {"page": case.page, "area": case.area, "lang": case.lang, "params": dict(case.params)},
        "url": plain(dict(at.query_params)),
        "elements": [element(where, node) for where, node in walk(at)],
    }


def record(case: Case) -> dict:
    """Run the app at one view from clean caches and snapshot it."""
    clear_caches()
    at = run_view(case.page, case.area, case.lang, **dict(case.params))
    return snapshot(at, case)


def dumps(snap: dict) -> str:
    """Stable, reviewable JSON (keys already sorted by `plain`; element keys start with el, where)."""
    return json.dumps(snap, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- CLI


def build_seed_data(data_dir: Path) -> None:
    """`python -m etl build` into `data_dir`: the embedded seed data, nothing fetched (no data/raw)."""
    env = {**os.environ, "SERVICEKARTAN_DATA_DIR": str(data_dir)}
    subprocess.run([sys.executable, "-m", "etl", "build"], cwd=REPO, env=env, check=True, capture_output=True)


def record_all(out: Path, cases: Iterable[Case]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for case in cases:
        start = time.perf_counter()
        path = fixture_path(case, out)
        path.write_text(dumps(record(case)), encoding="utf-8")
        written.append(path)
        print(f"{path.relative_to(out)}  ({time.perf_counter() - start:.1f} s)", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.view_snapshot", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=FIXTURE_DIR, help="folder for the JSON files (default: %(default)s)"
    )
    parser.add_argument("--only", nargs="*", choices=PAGES, help="record these pages only")
    parser.add_argument(
        "--data-dir", type=Path, help="use this built data folder instead of building the seed data into a temp folder"
    )
    args = parser.parse_args(argv)
    cases = [c for c in CASES if not args.only or c.page in args.only]
    with tempfile.TemporaryDirectory(prefix="view_snapshot_") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        if not args.data_dir:
            build_seed_data(data_dir)
        os.environ["SERVICEKARTAN_DATA_DIR"] = str(data_dir)
        written = record_all(args.out, cases)
    if not args.only:  # a full recording: drop files of cases that no longer exist
        for stale in set(args.out.glob("*.json")) - set(written):
            stale.unlink()
    print(f"{len(written)} views recorded in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
