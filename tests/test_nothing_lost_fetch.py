"""Issue 11, "Nothing lost": two concurrent fetches against the local fake API (tests/fakeapi, loopback only).

Before the lock, two fetches at once both exited 0 and lost data (a `_unit.json` listing 6 files while 1
existed; the build silently used 12 of 30 Kolada rows). Now the second waits for the first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from etl.__main__ import main as etl_main
from etl.lock import EXIT_LOCKED, data_lock
from servicekartan import catalog
from tests.fakeapi import FakeAPI
from tests.fakeapi.plugin import shim_env

REPO = Path(__file__).resolve().parent.parent
FETCH = ("fetch", "--source", "kolada", "--county", "08", "--since", "2024")


def _fetch(api: FakeAPI, data: Path, *args: str, stderr) -> subprocess.Popen:  # noqa: ANN001 - a file
    env = {**os.environ, **shim_env(api), "SERVICEKARTAN_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fakeapi.etl_shim", *FETCH, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def _build_hashes(data: Path, monkeypatch) -> dict[str, str]:  # noqa: ANN001 - pytest's monkeypatch
    """`python -m etl build` (in-process) on a data folder, then every dataset's verified content hash."""
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(data))
    assert etl_main(["build", "indicators"]) == 0  # what Kolada feeds (not the grid)
    names = sorted(p.stem for p in (data / "processed").glob("*.parquet"))
    for n in names:
        catalog.verify(n)
    return {n: catalog.read_metadata(n)["content_sha256"] for n in names}


def _manifests_complete(data: Path) -> int:
    units = list((data / "raw").glob("*/*/*/_unit.json"))
    for m in units:
        files = json.loads(m.read_text())["files"]
        assert files and all((m.parent / f).exists() for f in files), m
    return len(units)


def test_two_concurrent_fetches_run_one_after_the_other_and_equal_a_single_run(tmp_path, monkeypatch):
    with FakeAPI(max_lifetime=300.0) as api:
        single, both = tmp_path / "single", tmp_path / "both"
        errs = [tmp_path / f"err{i}" for i in range(2)]
        with data_lock("test", data_dir=both), open(tmp_path / "single.err", "w") as single_err:
            alone = _fetch(api, single, stderr=single_err)  # the reference run, in a folder of its own
            procs = [_fetch(api, both, "--wait", "120", stderr=open(e, "w")) for e in errs]  # noqa: SIM115
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not all("waiting up to" in e.read_text() for e in errs):
                time.sleep(0.1)
            assert all(f"in use by pid {os.getpid()}" in e.read_text() for e in errs)
        assert alone.wait(timeout=120) == 0
        assert [p.wait(timeout=120) for p in procs] == [0, 0], [e.read_text() for e in errs]
        # the pair downloaded the data pages once: the second, serialized by the lock, reused every committed one
        pages = sum(len(json.loads(m.read_text())["files"]) for m in single.glob("raw/kolada/kpis/*/_unit.json"))
        pages -= len(list(single.glob("raw/kolada/kpis/*/_unit.json")))  # minus one KPI description per unit
        assert pages > 0 and api.count("kolada", path="/v3/data/*") == 2 * pages
        with data_lock("test", data_dir=both, wait=0):  # both let go of the lock
            pass

    assert _manifests_complete(both) == _manifests_complete(single) > 0
    assert _build_hashes(both, monkeypatch) == _build_hashes(single, monkeypatch)


def test_a_fetch_that_will_not_wait_exits_3_and_touches_nothing(tmp_path):
    data = tmp_path / "data"
    with FakeAPI(max_lifetime=120.0) as api, data_lock("build", data_dir=data):
        err = tmp_path / "err"
        with open(err, "w") as f:
            assert _fetch(api, data, "--wait", "0", stderr=f).wait(timeout=60) == EXIT_LOCKED
        assert api.count() == 0
    text = err.read_text()
    assert f"in use by pid {os.getpid()} (build: " in text and "Traceback" not in text
    assert sorted(p.name for p in data.iterdir()) == [".lock", ".lock.holder.json"] or not (data / "raw").exists()
