"""Issue 11, "Nothing lost", the raw store: crash-safe commits, units without their manifest, no page of a failed run.

Local processes only (no network): responses are saved from recorded bodies through RawStore itself.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl import raw
from etl.__main__ import main as etl_main
from etl.raw import UNIT_MANIFEST, RawStore, read_raw
from etl.sources.http import Fetched
from tests._fetch_support import FakeClock, hash_tree, own_fixture

REPO = Path(__file__).resolve().parent.parent
UNIT = "N07900-county-08-since-2016"


@pytest.fixture()
def data(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(tmp_path))
    return tmp_path


def _store(unit: str = UNIT) -> RawStore:
    return RawStore("kolada", "kpis", unit, licence="CC BY 4.0", attribution="Källa: Kolada", clock=FakeClock())


def _commit_unit(pages: tuple[str, ...] = ("data_N07900_p1.json",), unit: str = UNIT) -> RawStore:
    store = _store(unit)
    for i, name in enumerate(pages, 1):
        body = own_fixture(f"kolada/{name}")
        url = f"https://api.kolada.se/v3/data/kpi/N07900/year/2016?page={i}"
        store.save(
            Fetched("GET", url, 200, body, "application/json"),
            raw.request_key("GET", url),
            f"data-N07900-p{i}",
            kind="data",
            query={},
            info={"kpi": "N07900", "page": i},
        )
    store.commit({"source": "kolada", "dataset": "kpis", "unit": unit, "step": "kolada_kpis"})
    return store


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# ---------------------------------------------------------------------------------------------- commit after a kill

KILL_BETWEEN_RENAMES = r"""
import os, signal, sys
sys.path.insert(0, {repo!r})
from tests.test_nothing_lost_raw import _commit_unit
from etl import raw
real = os.replace
calls = []
def replace(a, b):
    real(a, b)
    calls.append(b)
    if ".replaced-" in str(b):  # the old unit is set aside: die before the staged one moves in
        os.kill(os.getpid(), signal.SIGKILL)
raw.os.replace = replace
_commit_unit(("data_N07900_p1.json", "data_N07900_p2.json"))
"""


def test_a_commit_killed_between_its_renames_is_finished_on_the_next_start(data):
    _commit_unit()
    unit = data / "raw" / "kolada" / "kpis" / UNIT
    proc = subprocess.run(
        [sys.executable, "-c", KILL_BETWEEN_RENAMES.format(repo=str(REPO))],
        env={**os.environ, "SERVICEKARTAN_DATA_DIR": str(data)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -9, proc.stderr
    assert not unit.exists()  # the state the issue found: the unit gone from data/raw …
    leftovers = list(unit.parent.glob(f".{UNIT}.replaced-*"))
    assert len(leftovers) == 1
    out = io.StringIO()
    assert raw.recover(out) == [f"finished the interrupted commit of {unit}"]
    assert unit.is_dir() and not list(unit.parent.glob(".*replaced-*"))
    files = json.loads((unit / UNIT_MANIFEST).read_text())["files"]
    assert len(files) == 2 and all((unit / f).exists() for f in files)
    assert len(read_raw("kolada", "kpis")) == 2
    assert raw.recover() == []  # idempotent


def test_the_build_runs_the_recovery_so_no_indicator_is_dropped(data, capsys):
    _commit_unit()
    unit = data / "raw" / "kolada" / "kpis" / UNIT
    os.replace(unit, unit.parent / f".{UNIT}.replaced-{_dead_pid()}")  # killed after the first rename …
    (data / "staging" / "kolada" / "kpis").mkdir(parents=True)  # … with nothing staged: roll back
    assert etl_main(["build", "indicators"]) == 0
    assert unit.is_dir() and not list(unit.parent.glob(".*replaced-*"))
    from servicekartan import catalog

    ind = catalog.read("indicators")
    kolada = ind[(ind["indicator_id"] == "broadband_100") & ind["source"].str.contains("Kolada")]
    assert len(kolada) > 0  # the fetched KPI is in the build, not silently dropped


def test_a_leftover_of_a_finished_commit_is_removed(data):
    _commit_unit()
    unit = data / "raw" / "kolada" / "kpis" / UNIT
    leftover = unit.parent / f".{UNIT}.replaced-{_dead_pid()}"
    leftover.mkdir()
    (leftover / "old.json").write_text("{}")
    before = hash_tree(unit)
    assert raw.recover() == [f"removed the leftover {leftover}"]
    assert not leftover.exists() and hash_tree(unit) == before


def test_a_leftover_of_a_live_process_is_left_alone(data):
    _commit_unit()
    unit = data / "raw" / "kolada" / "kpis" / UNIT
    busy = unit.parent / f".{UNIT}.replaced-{os.getppid()}"
    busy.mkdir()
    assert raw.recover() == [] and busy.exists()


# ---------------------------------------------------------------------------------------------- manifests


def test_a_unit_without_its_manifest_is_an_error_the_build_names(data, capsys):
    _commit_unit()
    unit = data / "raw" / "kolada" / "kpis" / UNIT
    (unit / UNIT_MANIFEST).unlink()
    assert etl_main(["build", "indicators"]) == 1
    err = capsys.readouterr().err
    assert f"raw unit {unit} has no {UNIT_MANIFEST} manifest" in err and "python -m etl fetch --source kolada" in err
    assert "Traceback" not in err and not (data / "processed").exists()


def test_a_manifest_listing_a_missing_file_is_an_error_naming_it(data):
    _commit_unit(("data_N07900_p1.json", "data_N07900_p2.json"))
    unit = data / "raw" / "kolada" / "kpis" / UNIT
    files = json.loads((unit / UNIT_MANIFEST).read_text())["files"]
    (unit / files[1]).unlink()
    from servicekartan.catalog import DatasetError

    with pytest.raises(DatasetError, match=rf"lacks 1 of the files its {UNIT_MANIFEST} lists \({files[1]}\)"):
        read_raw("kolada", "kpis")


def test_raw_files_are_0644(data):
    _commit_unit()
    unit = data / "raw" / "kolada" / "kpis" / UNIT
    assert {oct(p.stat().st_mode & 0o777) for p in unit.iterdir()} == {"0o644"}


# ---------------------------------------------------------------------------------------------- staging


def test_staging_never_keeps_a_page_of_a_failed_run(data):
    store = _store()
    url = "https://api.kolada.se/v3/kpi/N07900"
    store.save(
        Fetched("GET", url, 200, own_fixture("kolada/kpi_N07900.json"), "application/json"),
        raw.request_key("GET", url),
        "kpi-N07900",
        kind="metadata",
        query={},
        info={"kpi": "N07900"},
    )
    page_url = "https://api.kolada.se/v3/data/kpi/N07900/year/2016"
    store.save(
        Fetched("GET", page_url, 200, own_fixture("kolada/data_N07900_p1.json"), "application/json"),
        raw.request_key("GET", page_url),
        "data-N07900-p1",
        kind="data",
        query={},
        info={"kpi": "N07900", "page": 1},
    )
    store.abort()  # the unit failed (e.g. a next_url that points to itself)
    staged = sorted(p.name for p in store.stage.iterdir())
    assert staged and not [n for n in staged if n.startswith("data-")]  # the description stays for a resume
    assert store.lookup(raw.request_key("GET", page_url), None) is None


def test_a_page_left_by_a_killed_run_is_dropped_by_the_next_one(data):
    store = _store()
    page_url = "https://api.kolada.se/v3/data/kpi/N07900/year/2016"
    store.save(
        Fetched("GET", page_url, 200, own_fixture("kolada/data_N07900_p1.json"), "application/json"),
        raw.request_key("GET", page_url),
        "data-N07900-p1",
        kind="data",
        query={},
        info={"kpi": "N07900", "page": 1},
    )  # … and then the process was killed: no abort, no commit
    again = _store()
    assert again.lookup(raw.request_key("GET", page_url), None) is None
    assert not (data / "staging").exists()
