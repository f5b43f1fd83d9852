"""Every page × area × language shows exactly what the reviewed fixture recorded (tests/fixtures/view_snapshot).

The fixture is what users saw before a change; a difference here is a change users see. When a change is meant
to be seen, regenerate the fixture and review its diff in the same commit:

    python -m tests.view_snapshot
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import json
import re

import numpy as np
import pytest

from tests.apptest_helpers import badges, clear_caches, run_view
from tests.view_snapshot import CASES, EXTRA, FIXTURE_DIR, MATRIX, Case, dumps, fixture_path, plain, record, text

MAX_DIFF_LINES = 80


def first_differences(expected: str, actual: str, name: str) -> str:
    diff = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"fixture/{name}.json", f"current/{name}.json", n=4, lineterm=""
        )
    )
    more = f"\n… {len(diff) - MAX_DIFF_LINES} more diff lines" if len(diff) > MAX_DIFF_LINES else ""
    return "\n".join(diff[:MAX_DIFF_LINES]) + more


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_view_matches_snapshot(data_env, case: Case) -> None:
    path = fixture_path(case)
    assert path.exists(), f"no recorded view {path}; record with: python -m tests.view_snapshot"
    expected = path.read_text(encoding="utf-8")
    actual = dumps(record(case))
    if actual != expected:
        pytest.fail(
            f"{case.name} differs from the recorded view (first differences below).\n"
            "If the change is meant to be seen, regenerate with `python -m tests.view_snapshot` and review the diff.\n"
            + first_differences(expected, actual, case.name),
            pytrace=False,
        )


def test_fixture_covers_every_case_and_nothing_else() -> None:
    recorded = {p.stem for p in FIXTURE_DIR.glob("*.json")}
    assert recorded == {c.name for c in CASES}
    assert len(MATRIX) == 42  # 7 pages × 3 areas × 2 languages
    assert len(EXTRA) == 22  # the views defaults do not reach: conditional badges, the 8 slides × 2 languages


def test_snapshot_records_the_facts_users_see(data_env) -> None:
    """The recording is not empty noise: Mönsterås overview carries its tätort population, badges and sources."""
    snap = json.loads(fixture_path(Case("overview", "0861", "sv")).read_text(encoding="utf-8"))
    metrics = {e["label"]: e["body"] for e in snap["elements"] if e["el"] == "metric"}
    assert metrics["Invånare 2024"] == "13\u00a0069"  # official (Kolada N01951)
    assert metrics["Utanför tätorter, 2024 (modell)"] == "3\u00a0077"  # modelled from the 1 km grid
    assert metrics["Antal tätorter"] == "5"
    bodies = [e.get("body", "") for e in snap["elements"]]
    assert any(b.startswith("Källa: SCB") for b in bodies)
    charts = [e["figure"] for e in snap["elements"] if e["el"] == "plotly_chart"]
    bars = charts[1]["data"][0]  # charts[0] is the population series
    assert dict(zip(bars["y"], bars["x"], strict=True))["Apotek"] == 1
    badge = ":orange-badge[:material/model_training: Modellerad]"
    # Each access card carries its own badge: grocery, fuel, parcel and cash (columns 0, 1, 3, 4) are modelled
    # (pharmacy and health: observed, incomplete); then the service counts and the grocery map (whole population).
    placed = [
        "main/row/col0",
        "main/row/col1",
        "main/row/col3",
        "main/row/col4",
        "main/row/col0/row",
        "main/row/col1/row",
    ]
    assert [e["where"] for e in snap["elements"] if e.get("body") == badge] == placed
    # The grocery indicator chosen explicitly on the map: the same badges in the same places.
    snap = json.loads(
        fixture_path(Case("overview", "0861", "sv", (("ind", "share_beyond_10km_grocery"),))).read_text(
            encoding="utf-8"
        )
    )
    assert [e["where"] for e in snap["elements"] if e.get("body") == badge] == placed
    # and the live page agrees on the modelled badges' places
    clear_caches()
    at = run_view("overview", "0861", "sv", ind="share_beyond_10km_grocery")
    assert [b for b in badges(at) if b[1] == "Modellerad"] == [(w, "Modellerad") for w in placed]


def test_run_time_facts_are_normalised(monkeypatch) -> None:
    """Build and download dates, timestamps and temp folders never reach the fixture; float noise is rounded."""
    today = dt.datetime.now(dt.UTC).date().isoformat()
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", "/srv/some/data")
    assert text(f"Servicekartan (2031). built {today}. Downloaded {today}.") == (
        "Servicekartan (<YEAR>). built <TODAY>. Downloaded <TODAY>."
    )
    assert text("built_at 2026-12-01T06:10:43+00:00; retrieved 2020-09-04") == (
        "built_at <TIMESTAMP>; retrieved 2020-09-04"  # a source's retrieval date is a fact, kept
    )
    assert text("/srv/some/data/processed/villages.parquet") == "<DATA>/processed/villages.parquet"
    assert plain({"b": 0.1 + 0.2, "a": -0.0, "c": float("nan")}) == {"a": 0.0, "b": 0.3, "c": "NaN"}
    assert list(plain({"b": 1, "a": 2})) == ["a", "b"]  # stable key order


def test_long_arrays_keep_head_length_and_digest() -> None:
    typed = {"dtype": "f8", "bdata": base64.b64encode(np.arange(100, dtype="f8").tobytes()).decode()}
    long = plain(typed)
    assert long["len"] == 100 and long["head"] == [float(i) for i in range(12)]
    changed = plain({"dtype": "f8", "bdata": base64.b64encode(np.r_[np.arange(99), 7.0].tobytes()).decode()})
    assert changed["head"] == long["head"] and changed["sha1"] != long["sha1"]  # a change past the head is seen
    assert plain([1.0, 2.0]) == [1.0, 2.0]


DEVELOPER_TEXT = re.compile(
    r"python -m|\betl (?:fetch|build)\b|\bdata/(?:raw|seed|processed)\b|\bservicekartan/|\b\w+\.py\b|\.venv|/work/"
)


def test_no_recorded_view_shows_a_developer_command_or_a_repository_path() -> None:
    """Ground rule 2 on every recorded page × area × language: no `python -m …`, no repository paths (the method
    text once said "fetched with `python -m etl fetch`" and named `data/raw/roads/`, `data/seed/targets.csv`)."""
    found = []
    for path in sorted(FIXTURE_DIR.glob("*.json")):
        for m in DEVELOPER_TEXT.finditer(path.read_text(encoding="utf-8")):
            found.append(f"{path.name}: …{m.string[max(0, m.start() - 60) : m.end() + 20]}…")
    assert len(list(FIXTURE_DIR.glob("*.json"))) == len(CASES)
    assert not found, "\n".join(found[:20])
