"""The fault suite of issue 17 item 4: every fault case against the local fake API, in the normal test run.

Each case (tests/fault_report.py SCENARIOS) starts from the same baseline data directory, injects its faults
into a fresh fake (127.0.0.1 only), runs `etl fetch --refresh` with small deadlines and asserts: the exit code,
the message, data/raw and data/processed byte-identical after a failure, nothing of a failed run left in
staging unless a rerun may resume from it, peak memory (a real subprocess, VmHWM) where memory is the point,
and that a rerun against the healthy fake succeeds. Cases about memory, kill -9, two processes and the
network run `python -m etl` in subprocesses, started together in a small thread pool when the module begins
(they mostly wait: on timeouts, sleeps, process start-up) while the other cases run `python -m etl` in this
process one after another (same code, faster). `python -m tests.fault_report` writes the results table to
docs/fault_suite.md.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import fault_report as fr

IN_PROCESS = {s.name for s in fr.SCENARIOS if not s.memory and not s.process}
POOL_WORKERS = 3  # subprocess cases at once (2 shared cores: they mostly wait)
NO_NETWORK = "no network (unreachable proxy)"
# a transient failure may leave complete answers staged for the rerun to resume; anything else leaves nothing
MAY_LEAVE_STAGED = {"hang", "trickle", "truncated", "connection refused", "permanent 5xx", "429 without Retry-After",
                    "kill -9 mid-unit"}  # fmt: skip


@pytest.fixture(scope="module")
def baseline(built_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/processed of the seed build and data/raw of one healthy fetch against the fake."""
    return fr.make_baseline(tmp_path_factory.mktemp("fault-baseline"), built=built_data, inprocess=True)


@pytest.fixture(scope="module")
def background(
    request: pytest.FixtureRequest, baseline: Path, built_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    """The selected subprocess cases (and the no-network acceptance run), started at once in a thread pool."""
    from tests.fakeapi import bodies

    selected = {item.callspec.params["sc"].name for item in request.session.items if _is_case(item)}
    if any(item.name.startswith("test_no_network") for item in request.session.items):
        selected.add(NO_NETWORK)

    root = tmp_path_factory.mktemp("fault-pool")
    pool = ThreadPoolExecutor(max_workers=POOL_WORKERS, thread_name_prefix="fault-case")
    futures: dict[str, Future] = {}
    bombs = [
        int(p.get("unpacked", 1 << 30))
        for sc in fr.SCENARIOS
        if sc.name in selected
        for _, k, p in sc.rules
        if k == "gzip_bomb"
    ]
    bomb = pool.submit(lambda: [bodies.gzip_bomb(n) for n in bombs])  # seconds of zlib (GIL released): early
    for i, sc in enumerate(fr.SCENARIOS):
        if sc.name in IN_PROCESS or sc.name not in selected:
            continue
        if sc.process == "nonetwork":
            futures[sc.name] = pool.submit(_no_network_run, built_data, root / f"case{i}")
        else:
            work = root / f"case{i}"
            futures[sc.name] = pool.submit(_after, bomb, fr.run_scenario, sc, baseline, work)
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def _is_case(item: pytest.Item) -> bool:
    return item.name.startswith("test_fault_case[") and "sc" in getattr(getattr(item, "callspec", None), "params", {})


def _after(first: Future, fn, *args, **kw):
    first.result()
    return fn(*args, **kw)


def _no_network_run(built_data: Path, work: Path) -> tuple[fr.Ran, dict, dict, list[str]]:
    data = work / "data"
    shutil.copytree(built_data / "processed", data / "processed")
    before = _tree(data)
    ran = fr._no_network(fr.by_name(NO_NETWORK), data, work)
    return ran, before, _tree(data), sorted(p.name for p in data.iterdir())


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


CASES = [
    pytest.param(s, id=s.name)
    for s in fr.SCENARIOS
    if s.process != "nonetwork"  # its own test below (the whole data directory, default limits)
]


@pytest.mark.parametrize("sc", CASES)
def test_fault_case(sc: fr.Scenario, baseline: Path, background: dict, tmp_path: Path) -> None:
    before_all = _tree(baseline)
    if sc.name in IN_PROCESS:
        out = fr.run_scenario(sc, baseline, tmp_path, subprocess_always=False)
    else:
        out = background[sc.name].result(timeout=600)
    report = f"{sc.name}: exit {out.exit} in {out.seconds:.1f} s\n{out.output[-4000:]}"
    assert out.exit == sc.exit, report
    for phrase in sc.expect:
        assert phrase in out.output, f"missing {phrase!r}\n{report}"
    # No wall-clock bound here (the machine is shared; a loaded run took 26 s for a 4 s case): that a hang ends by
    # its deadline is shown by the message above ("timed out", "within its deadline"), and a run that truly hangs
    # fails at the result timeout. The seconds per case are in docs/fault_suite.md (python -m tests.fault_report).
    if sc.exit != 0:
        assert out.unchanged, f"data/raw or data/processed changed after a failure\n{report}"
    if sc.name not in MAY_LEAVE_STAGED:
        assert out.staging_left == [], f"staging keeps a page of a failed run: {out.staging_left}\n{report}"
    if sc.memory or sc.process:
        assert out.peak_mb is not None and out.peak_mb < fr.MEMORY_LIMIT_MB, report
    assert out.extra.get("check", "ok") == "ok", f"{out.extra['check']}\n{report}"
    assert out.recovered, f"rerun against the healthy fake failed:\n{out.extra.get('rerun_output')}"
    assert _tree(baseline) == before_all  # the shared baseline is never touched


def test_no_network_leaves_the_whole_data_directory_unchanged(background: dict) -> None:
    """Acceptance: an unreachable proxy, the real endpoints and default limits: under 60 s, exit 1, one line per
    source, data/ untouched (no staging, no lock leftovers: only data/processed as before)."""
    ran, before, after, names = background[NO_NETWORK].result(timeout=600)
    assert ran.exit == 1 and ran.seconds < 60, ran.output[-3000:]
    lock = {".lock", ".lock.holder.json"}  # issue 11's lock file (etl/lock.py) may stay, empty: not data
    assert {k: v for k, v in after.items() if k not in lock} == before, ran.output[-3000:]
    assert [n for n in names if n not in lock] == ["processed"]
    summary = ran.output.split("Sources:", 1)[1].strip().splitlines()
    assert [ln.strip().split(":")[0] for ln in summary] == ["scb", "kolada", "osm"], summary
    assert all("FAILED" in ln and "unreachable" in ln and "Connection refused" in ln for ln in summary), summary
    assert ran.peak_mb is not None and ran.peak_mb < fr.MEMORY_LIMIT_MB
