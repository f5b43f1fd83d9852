"""The fault suite's scenarios (issue 17 item 4) and the command that writes their results table.

    python -m tests.fault_report            # every scenario in a subprocess -> docs/fault_suite.md
    python -m tests.fault_report --only hang --print

Each scenario starts from the same baseline data directory (data/processed built from the seed, data/raw from
one healthy fetch against the fake), injects its fault rules into a fresh local fake of SCB, Kolada and
Overpass (127.0.0.1 only, tests/fakeapi), runs `python -m etl fetch --refresh` with small deadlines, then
checks: exit code, the message, that data/raw and data/processed are byte-identical after a failure, and that
a rerun against the healthy fake (rules cleared, no --refresh: staged answers would be reused) exits 0.
Peak memory is the fetch process's peak RSS (VmHWM, polled). tests/test_fault_suite.py runs the same
scenarios (in-process where neither exit status of a real process nor memory is the point).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakeapi import FakeAPI
from tests.fakeapi.plugin import ENV_VARS, fakeapi_env

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
KOLADA_DATA = "/v3/data/*"
INTERPRETER = "/api/interpreter"
SCB_DATA = "/api/v2/tables/*/data"
MEMORY_LIMIT_MB = 500.0

# every fetch of the suite: one län, two years, small deadlines so that no case waits long
SCOPE = ["--county", "08", "--since", "2020"]
FAST = ["--timeout", "1.5", "--source-budget", "20", "--retries", "3", "--backoff", "0.05", "--max-mb", "20"]


@dataclass
class Scenario:
    name: str
    source: str | None  # fetch --source (None: every source)
    rules: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    exit: int = 1
    expect: tuple[str, ...] = ()  # substrings of the fetch's output
    memory: bool = False  # the peak RSS matters (always run in a subprocess, limit MEMORY_LIMIT_MB)
    process: str = ""  # "" (plain fetch), "kill9", "concurrent", "nonetwork": always a subprocess
    max_seconds: float = 20.0
    check: Callable[[FakeAPI, Outcome], None] | None = None  # extra assertions on the fake's log
    args: tuple[str, ...] = ()
    fast: bool = True  # False: the default deadlines, budgets and size cap (only SCOPE and a short backoff)


@dataclass
class Outcome:
    name: str
    exit: int | None = None
    message: str = ""
    unchanged: bool | None = None  # None: the fetch succeeded (data/raw was meant to change)
    recovered: bool | None = None
    peak_mb: float | None = None
    seconds: float = 0.0
    output: str = ""
    staging_left: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _count_at_most(source: str, path: str, n: int) -> Callable[[FakeAPI, Outcome], None]:
    def check(api: FakeAPI, out: Outcome) -> None:
        got = api.count(source, path)
        assert got <= n, f"{source} {path}: {got} requests, expected at most {n}: {api.paths(source)}"

    return check


def _count_exactly(source: str, path: str, n: int) -> Callable[[FakeAPI, Outcome], None]:
    def check(api: FakeAPI, out: Outcome) -> None:
        got = api.count(source, path)
        assert got == n, f"{source} {path}: {got} requests, expected {n}: {api.paths(source)}"

    return check


def _status_between_429s(api: FakeAPI, out: Outcome) -> None:
    posts, status = api.count("overpass", INTERPRETER), api.count("overpass", "/api/status")
    assert posts >= 2 and status >= posts, f"/api/status asked {status} times for {posts} queries"


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("429 with Retry-After", "osm",
             (("overpass", "rate_limit", {"path": INTERPRETER, "retry_after": "1", "times": 2}),),
             exit=0, expect=("osm: ok",), check=_count_exactly("overpass", INTERPRETER, 3)),
    Scenario("429 without Retry-After", "osm", (("overpass", "rate_limit", {"path": INTERPRETER}),),
             expect=("HTTP 429", "rate_limited. Please check /api/status"), check=_status_between_429s),
    Scenario("5xx then OK", "scb", (("scb", "status", {"path": SCB_DATA, "status": 503, "times": 3}),),
             exit=0, expect=("scb: ok",)),
    Scenario("Overpass 504 then OK", "osm", (("overpass", "status", {"path": INTERPRETER, "status": 504, "times": 2}),),
             exit=0, expect=("osm: ok",)),
    Scenario("permanent 5xx", "kolada", (("kolada", "status", {"status": 503}),),
             expect=("HTTP 503", "units in a row", "kolada: FAILED (6 of 6 units)"),
             check=_count_at_most("kolada", "*", 8)),  # two units of 4 attempts, then the source stops
    Scenario("connection refused", "kolada", (("kolada", "refused", {}),),
             expect=("Connection refused", "Kolada unreachable", "kolada: FAILED (6 of 6 units)"), max_seconds=10),
    Scenario("hang", "kolada", (("kolada", "hang", {"max_s": 60}),),
             expect=("timed out", "Kolada not answering (timeout)", "kolada: FAILED (6 of 6 units)"), max_seconds=15,
             check=_count_at_most("kolada", "*", 3)),
    Scenario("trickle", "osm", (("overpass", "trickle", {"path": INTERPRETER, "interval": 0.2, "max_s": 60}),),
             expect=("no complete answer within its deadline", "osm: FAILED"), max_seconds=15),
    Scenario("truncated", "kolada", (("kolada", "truncated", {}),),
             expect=("cut off after", "not answering (truncated)"), max_seconds=10),
    Scenario("schema drift (Kolada rows)", "kolada", (("kolada", "drift", {"path": KOLADA_DATA}),),
             expect=("lacks kpi/municipality/period/values",)),
    Scenario("schema drift (Overpass no coordinates)", "osm", (("overpass", "drift", {"variant": "no_center"}),),
             expect=("none with coordinates",)),
    Scenario("schema drift (SCB dimension missing)", "scb", (("scb", "drift", {"path": SCB_DATA}),),
             expect=("ResponseShapeError", "lacks dimension")),
    Scenario("HTML page with 200", "osm", (("overpass", "html", {"path": INTERPRETER}),),
             expect=("HTML error page from Overpass (HTTP 200)", "too busy"),
             check=_count_exactly("overpass", INTERPRETER, 1)),
    Scenario("HTML page with 200 (Kolada)", "kolada", (("kolada", "html", {}),),
             expect=("HTML error page from Kolada (HTTP 200)", "kolada: FAILED (6 of 6 units)"),
             check=_count_exactly("kolada", "*", 1)),
    Scenario("RFC 7807 403", "scb", (("scb", "problem", {"path": SCB_DATA, "status": 403}),),
             expect=("TooManyCellsError",)),
    Scenario("Overpass remark", "osm", (("overpass", "remark", {"path": INTERPRETER}),),
             expect=("Way 547230203 cannot be expanded", "osm: FAILED"),
             check=_count_exactly("overpass", INTERPRETER, 1)),
    Scenario("self-looping next_url", "kolada", (("kolada", "self_next", {"path": KOLADA_DATA}),),
             expect=("a page already fetched (a loop)",), memory=True, max_seconds=15),
    Scenario("endless next_url", "kolada", (("kolada", "endless_next", {"path": KOLADA_DATA}),),
             expect=("repeats the rows of page 1",), memory=True, max_seconds=15),
    Scenario("oversize body (224 MB)", "osm",
             (("overpass", "oversize", {"path": INTERPRETER, "size": 224_000_000}),),
             expect=("larger than the size cap of 20.0 MB",), memory=True, max_seconds=20,
             check=_count_exactly("overpass", INTERPRETER, 1)),
    Scenario("oversize body (224 MB, default limits)", "osm",
             (("overpass", "oversize", {"path": INTERPRETER, "size": 224_000_000}),),
             expect=("larger than the size cap of 64.0 MB",), memory=True, max_seconds=30, fast=False,
             check=_count_exactly("overpass", INTERPRETER, 1)),
    Scenario("gzip bomb (1 GiB)", "kolada", (("kolada", "gzip_bomb", {"path": KOLADA_DATA, "times": 1}),),
             expect=("decompression bomb",), memory=True, max_seconds=20),
    Scenario("kill -9 mid-unit", "kolada", (("kolada", "hang", {"path": KOLADA_DATA, "max_s": 60}),),
             exit=-9, expect=(), process="kill9", max_seconds=20),
    Scenario("two concurrent fetches", "kolada", (), exit=0, process="concurrent", max_seconds=40),
    Scenario("no network (unreachable proxy)", None, (), expect=("scb: FAILED", "kolada: FAILED", "osm: FAILED"),
             process="nonetwork", max_seconds=60),
)  # fmt: skip


def by_name(name: str) -> Scenario:
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise KeyError(name)


# ---------------------------------------------------------------------------------------------- data directories


def hash_tree(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def snapshot(data: Path) -> dict[str, dict[str, str]]:
    return {"raw": hash_tree(data / "raw"), "processed": hash_tree(data / "processed")}


def failed_units_untouched(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> bool:
    """data/processed byte-identical, and every raw unit not newly committed (its _unit.json unchanged, i.e. every
    unit that failed) byte-identical: other units of the same source that succeeded may have been renewed."""
    if before["processed"] != after["processed"]:
        return False
    b, a = before["raw"], after["raw"]
    units = {str(Path(k).parent) for k in (*b, *a) if k.endswith("_unit.json")}
    for unit in units:
        manifest = f"{unit}/_unit.json"
        if b.get(manifest) is not None and b.get(manifest) == a.get(manifest):
            files = {k for k in (*b, *a) if k.startswith(unit + "/")}
            if any(b.get(k) != a.get(k) for k in files):
                return False
        elif b.get(manifest) is not None and a.get(manifest) is None:
            return False  # a committed unit disappeared
    loose = {k for k in (*b, *a) if not any(k.startswith(u + "/") for u in units)}
    return all(b.get(k) == a.get(k) for k in loose)


def make_baseline(root: Path, built: Path | None = None, inprocess: bool = False) -> Path:
    """data/processed built from the seed (or copied from `built`) and data/raw from one healthy fetch against a
    fake (in a subprocess, or in this process)."""
    data = root / "baseline"
    if built is not None:
        shutil.copytree(built / "processed", data / "processed")
    else:
        data.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SERVICEKARTAN_DATA_DIR": str(data)}
        done = subprocess.run(
            [PY, "-m", "etl", "build"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"baseline build failed: {done.stderr[-2000:]}")
    with FakeAPI(max_lifetime=300) as api:
        env = {**fakeapi_env(api), "SERVICEKARTAN_DATA_DIR": str(data)}
        args = ["fetch", *SCOPE, *FAST]
        ran = run_inprocess(args, env) if inprocess else run_subprocess(args, {**os.environ, **env}, root)
    if ran.exit != 0:
        raise RuntimeError(f"baseline fetch failed: {ran.output[-3000:]}")
    return data


def copy_baseline(baseline: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(baseline, dest)
    return dest


# ---------------------------------------------------------------------------------------------- running a fetch


@dataclass
class Ran:
    exit: int
    output: str
    seconds: float
    peak_mb: float | None = None


def fetch_args(sc: Scenario, refresh: bool = True) -> list[str]:
    args = ["fetch", *SCOPE, *(FAST if sc.fast else ("--backoff", "0.05")), *sc.args]
    if sc.source:
        args += ["--source", sc.source]
    if refresh:
        args.append("--refresh")
    return args


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as fh:
        return subprocess.Popen(
            [PY, "-m", "tests.fakeapi.etl_shim", *args], cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT
        )


def _hwm_mb(pid: int) -> float | None:
    """VmHWM (peak RSS of the process image, reset by exec) of a running process, in MB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def wait_rusage(proc: subprocess.Popen, timeout: float) -> tuple[int, float]:
    """Wait for a child (killing it after `timeout` s); (exit code, peak RSS in MB).

    The peak is the child's VmHWM polled every 20 ms (it only grows, so the last reading before exit is the peak
    but for the last 20 ms). Not `os.wait4`'s ru_maxrss: that keeps the RSS of the forked parent (this process,
    with the fake API in it) from before exec."""
    peak = 0.0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            got = _hwm_mb(proc.pid)
            if got is not None:
                peak = max(peak, got)
            stop.wait(0.02)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    timer = threading.Timer(timeout, lambda: proc.kill())
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
        stop.set()
        watcher.join()
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return code, peak


def run_subprocess(args: list[str], env: dict[str, str], work: Path, timeout: float = 120.0) -> Ran:
    log = work / f"fetch-{time.monotonic_ns()}.log"
    t0 = time.monotonic()
    proc = spawn(args, env, log)
    code, peak = wait_rusage(proc, timeout)
    return Ran(code, log.read_text(errors="replace"), time.monotonic() - t0, peak)


def run_inprocess(args: list[str], env: dict[str, str]) -> Ran:
    """`python -m etl <args>` in this process with `env` applied (and restored); stderr captured."""
    import socket

    from etl.__main__ import main as etl_main
    from tests.fakeapi.plugin import guard_loopback

    real_getaddrinfo = socket.getaddrinfo
    guard_loopback()
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    buf = io.StringIO()
    t0 = time.monotonic()
    try:
        with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(buf):
            code = etl_main(args)
    finally:
        socket.getaddrinfo = real_getaddrinfo  # the guard is for the fetch only, not the rest of this process
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Ran(code, buf.getvalue(), time.monotonic() - t0)


def key_message(output: str, sc: Scenario, width: int = 230) -> str:
    """What the user reads at the end: the fetch's one line per source (clipped), or its last line."""
    if "Sources:" in output:
        tail = [
            re.sub(r"https?://127\.0\.0\.1:\d+", "", " ".join(ln.split()))
            for ln in output.split("Sources:", 1)[1].strip().splitlines()
            if ln.strip()
        ]
        return " / ".join(ln if len(ln) <= width else ln[: width - 1] + "…" for ln in tail)
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


# ---------------------------------------------------------------------------------------------- one scenario


def run_scenario(
    sc: Scenario, baseline: Path, work: Path, *, subprocess_always: bool = True, rerun_subprocess: bool | None = None
) -> Outcome:
    """Run one scenario from a copy of the baseline; returns what happened (the caller asserts).

    `subprocess_always=False`: cases that need no process of their own run in this process; `rerun_subprocess`
    (default: the same) for the healthy rerun."""
    rerun_subprocess = subprocess_always if rerun_subprocess is None else rerun_subprocess
    work.mkdir(parents=True, exist_ok=True)
    data = copy_baseline(baseline, work / "data")
    before = snapshot(data)
    out = Outcome(sc.name)
    prewarm(sc)
    with FakeAPI(max_lifetime=300) as api:
        env = {**fakeapi_env(api), "SERVICEKARTAN_DATA_DIR": str(data), "SERVICEKARTAN_LOCK_WAIT": "60"}
        for source, kind, params in sc.rules:
            api.fault(source, kind, **params)
        if sc.process == "nonetwork":
            ran = _no_network(sc, data, work)
        elif sc.process == "kill9":
            ran = _kill9(sc, api, {**os.environ, **env}, work)
        elif sc.process == "concurrent":
            ran = _concurrent(sc, {**os.environ, **env}, work, out)
        elif subprocess_always or sc.memory:
            ran = run_subprocess(fetch_args(sc), {**os.environ, **env}, work)
        else:
            ran = run_inprocess(fetch_args(sc), env)
        out.exit, out.output, out.seconds, out.peak_mb = ran.exit, ran.output, ran.seconds, ran.peak_mb
        out.message = key_message(ran.output, sc) if sc.process != "kill9" else "killed while a Kolada page hung"
        if sc.process == "concurrent":
            out.message = out.extra.get("message", out.message)
        after = snapshot(data)
        staging = data / "staging"
        out.staging_left = sorted(str(p.relative_to(staging)) for p in staging.rglob("*")) if staging.exists() else []
        if sc.check is not None:
            out.extra["check"] = _run_check(sc.check, api, out)
        api.clear()
        ok_run = out.exit == 0 and sc.exit == 0
        out.unchanged = None if ok_run else failed_units_untouched(before, after)
        out.extra["raw_identical"] = before["raw"] == after["raw"]
        if sc.process == "concurrent":
            out.unchanged = None
        # recovery: the healthy fake, no --refresh (what was staged or committed is reused if complete)
        rerun_env = {**fakeapi_env(api), "SERVICEKARTAN_DATA_DIR": str(data)}
        if sc.process == "nonetwork":
            rerun_env = {**rerun_env, **{k: "" for k in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")}}
        rerun_args = ["fetch", *SCOPE, *FAST] + (["--source", sc.source] if sc.source else [])
        if rerun_subprocess:
            again = run_subprocess(rerun_args, {**os.environ, **rerun_env}, work)
        else:
            again = run_inprocess(rerun_args, rerun_env)
        out.recovered = again.exit == 0
        if not out.recovered:
            out.extra["rerun_output"] = again.output[-3000:]
    return out


def prewarm(sc: Scenario) -> None:
    """Build slow fault bodies before the fetch starts (a 1 GiB gzip bomb takes seconds to make: the fetch would
    time out waiting for it, retry and get the normal answer, which tests nothing)."""
    from tests.fakeapi import bodies

    for _, kind, params in sc.rules:
        if kind == "gzip_bomb":
            bodies.gzip_bomb(int(params.get("unpacked", 1 << 30)))


def _run_check(check: Callable[[FakeAPI, Outcome], None], api: FakeAPI, out: Outcome) -> str:
    try:
        check(api, out)
    except AssertionError as exc:
        return f"FAILED: {exc}"
    return "ok"


def _no_network(sc: Scenario, data: Path, work: Path) -> Ran:
    """The acceptance case: the real endpoints, defaults, and a proxy that refuses every connection."""
    with socket_closed_port() as port:
        env = {k: v for k, v in os.environ.items() if k not in ENV_VARS.values() and k.lower() != "no_proxy"}
        proxy = f"http://127.0.0.1:{port}"
        env.update(HTTPS_PROXY=proxy, HTTP_PROXY=proxy, https_proxy=proxy, http_proxy=proxy)
        env["SERVICEKARTAN_DATA_DIR"] = str(data)
        log = work / "nonetwork.log"
        t0 = time.monotonic()
        with open(log, "wb") as fh:
            proc = subprocess.Popen([PY, "-m", "etl", "fetch"], cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT)
        code, peak = wait_rusage(proc, 120.0)
        return Ran(code, log.read_text(errors="replace"), time.monotonic() - t0, peak)


@contextlib.contextmanager
def socket_closed_port():
    """A loopback port that refuses connections (bound, never listening) for the proxy of the no-network case."""
    import socket

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


def _kill9(sc: Scenario, api: FakeAPI, env: dict[str, str], work: Path) -> Ran:
    """Start a Kolada fetch, wait until it hangs on a data page (its KPI description is staged), kill -9 it."""
    log = work / "kill9.log"
    args = ["fetch", *SCOPE, "--source", "kolada", "--refresh", "--timeout", "30", "--source-budget", "60"]
    t0 = time.monotonic()
    proc = spawn(args, env, log)
    result: list[tuple[int, float]] = []
    waiter = threading.Thread(target=lambda: result.append(wait_rusage(proc, 60.0)), daemon=True)
    waiter.start()  # measures the peak from the start (it reaps the child, so no proc.poll() here)
    deadline = time.monotonic() + 30
    while api.count("kolada", KOLADA_DATA) < 1 and time.monotonic() < deadline and not result:
        time.sleep(0.05)
    time.sleep(0.2)
    if not result:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    waiter.join(60.0)
    code, peak = result[0] if result else (999, 0.0)
    return Ran(code, log.read_text(errors="replace"), time.monotonic() - t0, peak)


def _concurrent(sc: Scenario, env: dict[str, str], work: Path, out: Outcome) -> Ran:
    """Two Kolada fetches at once on one data directory; both must end well and every manifest be complete."""
    import json

    args = fetch_args(sc)
    t0 = time.monotonic()
    procs = [spawn(args, env, work / f"concurrent-{i}.log") for i in range(2)]
    codes = [wait_rusage(p, 60.0) for p in procs]
    text = "\n".join((work / f"concurrent-{i}.log").read_text(errors="replace") for i in range(2))
    data = Path(env["SERVICEKARTAN_DATA_DIR"])
    broken = []
    for manifest in (data / "raw" / "kolada").rglob("_unit.json"):
        listed = json.loads(manifest.read_text())["files"]
        missing = [f for f in listed if not (manifest.parent / f).exists()]
        if missing:
            broken.append(f"{manifest.parent.name}: {len(missing)} of {len(listed)} listed files missing")
    exits = sorted(c for c, _ in codes)
    out.extra["exits"] = exits
    out.extra["broken"] = broken
    waited = "waiting for" in text.lower() or "locked" in text.lower()
    out.extra["message"] = (
        f"exits {exits}; "
        + ("; ".join(broken) if broken else "every manifest complete")
        + ("; one waited for the lock" if waited else "")
    )
    ok = all(c in (0, 3) for c in exits) and 0 in exits and not broken
    return Ran(0 if ok else 1, text, time.monotonic() - t0, max(p for _, p in codes))


# ---------------------------------------------------------------------------------------------- the table


def table(outcomes: list[Outcome]) -> str:
    def yn(v: bool | None) -> str:
        return "—" if v is None else ("yes" if v else "**NO**")

    rows = ["| case | exit | message | unchanged? | recovered? | peak MB | s |", "|---|---|---|---|---|---|---|"]
    for o in outcomes:
        msg = o.message.replace("|", "\\|")
        peak = f"{o.peak_mb:.0f}" if o.peak_mb is not None else "—"
        rows.append(
            f"| {o.name} | {o.exit} | {msg} | {yn(o.unchanged)} | {yn(o.recovered)} | {peak} | {o.seconds:.1f} |"
        )
    return "\n".join(rows)


HEADER = """# Fault suite results

Generated by `python -m tests.fault_report` (do not edit by hand). Every case runs `python -m etl fetch
--refresh {scope} {fast} --source <source>` in a subprocess against a local fake of SCB, Kolada and Overpass
(tests/fakeapi, 127.0.0.1 only) with the case's faults, starting from the same data directory (data/processed
built from the seed, data/raw from one healthy fetch). Columns: the fetch's exit code (-9: killed), the line a
user reads, whether data/raw and data/processed are byte-identical afterwards (— when the fetch succeeded and
was meant to change them), whether a rerun against the healthy fake (no --refresh) exits 0, the fetch
process's peak RSS (VmHWM of /proc/<pid>/status, polled every 20 ms) and its wall time. The same scenarios run in `pytest tests/test_fault_suite.py`.
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fault_report", description=__doc__.split("\n")[0])
    p.add_argument("--only", action="append", help="run only scenarios whose name contains this (repeatable)")
    p.add_argument("--print", action="store_true", help="print the table instead of writing docs/fault_suite.md")
    p.add_argument("--out", type=Path, default=REPO / "docs" / "fault_suite.md")
    args = p.parse_args(argv)
    chosen = [s for s in SCENARIOS if not args.only or any(o in s.name for o in args.only)]
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fault-suite-") as tmp:
        root = Path(tmp)
        print("building the baseline …", file=sys.stderr, flush=True)
        baseline = make_baseline(root)
        outcomes = []
        for i, sc in enumerate(chosen, 1):
            o = run_scenario(sc, baseline, root / f"case{i}")
            print(f"[{i}/{len(chosen)}] {sc.name}: exit {o.exit}, {o.seconds:.1f} s", file=sys.stderr, flush=True)
            outcomes.append(o)
    text = HEADER.format(scope=" ".join(SCOPE), fast=" ".join(FAST)) + "\n" + table(outcomes) + "\n"
    text += f"\n{len(outcomes)} cases in {time.monotonic() - t0:.0f} s (including the baseline).\n"
    if args.print:
        print(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
