"""Performance record of the app on this machine -> bench/out/app.md (a table the README quotes) + one summary line.

Measured in one run, from scratch:
1. ETL: `python -m etl build` into an empty temp data dir (subprocess): wall time and peak RSS
   (resource.getrusage(RUSAGE_CHILDREN).ru_maxrss — the build is this process's first child).
2. Server-side time per page (AppTest, in-process, default view = Sverige): cold (caches cleared, first run)
   and warm (median of N reruns after a warm-up), against a baseline measured in the same run: an AppTest of
   a one-line script (the framework's own cost), printed as a ratio.
3. Cold start to first rendered chart: from spawning `streamlit run dashboard.py` on the fresh data to the
   first plotly chart drawn in headless Chromium (the browser is started beforehand, not counted).
4. Browser time per page (single user, warm server): navigation to first rendered chart (or the end of the run
   for pages without charts), median of 3.
5. Load: bench/load.py's run_load — 20 concurrent contexts for 60 s on the same server: median/p95 time to a
   rendered chart and the server's memory (PSS of its process tree); the p95 is also shown as a ratio to the single-user median of step 4.

    .venv/bin/python bench/app.py                 # ~4 min on a 2-core machine
    .venv/bin/python bench/app.py --load-seconds 20 --contexts 10 --runs 3
    .venv/bin/python bench/app.py --cold-only --repeat 5   # step 3 alone, against a one-chart Streamlit script

Last line (machine-readable):
    bench app: cold_start_s=<s> slowest_page_warm_s=<s> build_s=<s> build_peak_mb=<MB> load_p95_s=<s> load_rss_mb=<MB>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import load as loadbench  # noqa: E402
from servicekartan.i18n import t  # noqa: E402
from tests.e2e import harness  # noqa: E402

OUT = REPO / "bench" / "out"
PAGES = ("overview", "villages", "access", "targets", "servicepoints", "data", "method")
BUDGET_WARM_S, BUDGET_COLD_S = 0.5, 3.0  # issue 5: every page's server-side run, warm / cold


def measure_build(data_dir: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `python -m etl build` from scratch in a subprocess."""
    env = dict(os.environ, SERVICEKARTAN_DATA_DIR=str(data_dir))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl", "build"], cwd=REPO, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb <= before and before:  # an earlier child was bigger: the figure would be that child's
        print("warning: build peak RSS masked by an earlier child process", file=sys.stderr)
    return wall, peak_kb / 1024


def _apptest(script: Path, page: str | None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(script), default_timeout=180)
    if page and page != "overview":
        at.switch_page(f"app_pages/{page}.py")
    return at


def measure_pages(data_dir: Path, runs: int) -> tuple[float, dict[str, dict]]:
    """Baseline (one-line script) and per page cold/warm server-side seconds via AppTest."""
    import streamlit as st

    os.environ["SERVICEKARTAN_DATA_DIR"] = str(data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "trivial.py"
        trivial.write_text('import streamlit as st\nst.title("baseline")\n')
        at = _apptest(trivial, None)
        at.run()
        base = []
        for _ in range(runs):
            t0 = time.perf_counter()
            at.run()
            base.append(time.perf_counter() - t0)
    baseline = statistics.median(base)
    out: dict[str, dict] = {}
    for page in PAGES:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = _apptest(REPO / "dashboard.py", page)
        t0 = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t0
        if at.exception:
            out[page] = {"cold_s": cold, "warm_s": float("nan"), "error": str(at.exception[0].value)[:200]}
            continue
        at.run()  # warm-up rerun
        warm = []
        for _ in range(runs):
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
        out[page] = {"cold_s": cold, "warm_s": statistics.median(warm), "error": ""}
    return baseline, out


def _link(page: str) -> str:
    return "/" if page == "overview" else f"/{page}"


def measure_browser(data_dir: Path, log: Path) -> tuple[harness.Server, float, float, dict[str, float]]:
    """Cold start to first chart (server spawn -> chart in Chromium), then warm single-user time per page."""
    from playwright.sync_api import sync_playwright

    server = None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**harness.launch_kwargs())
        try:
            ctx = browser.new_context(viewport=dict(harness.VIEWPORT))
            ctx.route(harness.EXTERNAL, lambda route: route.abort())
            page = ctx.new_page()
            t0 = time.perf_counter()
            server = harness.start_server(data_dir, log)
            health = time.perf_counter() - t0
            page.goto(server.url + "/", timeout=180_000)
            page.wait_for_selector(harness.CHART, timeout=180_000)
            cold = time.perf_counter() - t0
            harness.wait_idle(page)
            per_page: dict[str, float] = {}
            for name in PAGES:
                arg = [name, t(f"page_{name}", "sv"), name in harness.CHART_PAGES]
                times = []
                for i in range(4):  # the first visit warms the server's caches for this page: not counted
                    p = ctx.new_page()
                    t1 = time.perf_counter()
                    p.goto(server.url + _link(name))
                    p.wait_for_function(loadbench._RENDERED_JS, arg=arg, timeout=120_000, polling=50)
                    if i:
                        times.append(time.perf_counter() - t1)
                    harness.wait_idle(p)
                    p.close()
                per_page[name] = statistics.median(times)
            ctx.close()
        except BaseException:
            if server is not None:  # never leave a server behind
                harness.stop_server(server)
            raise
        finally:
            browser.close()
    return server, health, cold, per_page


_BASELINE_APP = """import plotly.graph_objects as go
import streamlit as st

st.title("baseline")
st.plotly_chart(go.Figure(go.Bar(x=[1, 2, 3], y=[3, 1, 2])))
"""


def _spawn_to_chart(browser, data_dir: Path, log: Path, script: Path | None = None) -> tuple[float, float, float]:
    """One cold start: spawn `streamlit run` (the dashboard, or `script`) -> first plotly chart drawn in Chromium.
    Returns (wall seconds, server CPU seconds at that moment, server CPU seconds at /_stcore/health)."""
    ctx = browser.new_context(viewport=dict(harness.VIEWPORT))
    ctx.route(harness.EXTERNAL, lambda route: route.abort())
    page = ctx.new_page()
    t0 = time.perf_counter()
    # the baseline: the same flags, another script, run from its own folder
    server = harness.start_server(data_dir, log) if script is None else _start_script(script, log)
    try:
        cpu_health = harness.cpu_seconds(server.pid)
        page.goto(server.url + "/", timeout=180_000)
        page.wait_for_selector(harness.CHART, timeout=180_000)
        wall = time.perf_counter() - t0
        cpu = harness.cpu_seconds(server.pid)
    finally:
        harness.stop_server(server)
        ctx.close()
    return wall, cpu, cpu_health


def _start_script(script: Path, log: Path) -> harness.Server:
    port = harness.free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true"]
    cmd += ["--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none"]
    cmd += ["--browser.gatherUsageStats", "false"]
    t0 = time.perf_counter()
    out = open(log, "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(cmd, cwd=script.parent, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = harness.Server(proc, port, script.parent, log, started=t0)
    deadline = time.monotonic() + 90
    import urllib.request

    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    harness.stop_server(server)
    raise RuntimeError("baseline app did not start")


def measure_cold(data_dir: Path, tmp: Path, repeat: int) -> dict:
    """Cold start of the dashboard vs a one-chart Streamlit script (same machine, same run), `repeat` times
    alternating; medians of wall time and of the server's CPU seconds up to the first chart (CPU time is what
    the app controls: on a machine shared with other work the wall time mostly measures the others)."""
    from playwright.sync_api import sync_playwright

    script = tmp / "baseline" / "baseline_app.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(_BASELINE_APP, encoding="utf-8")
    runs: dict[str, list[tuple[float, float, float]]] = {"app": [], "baseline": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**harness.launch_kwargs())
        try:
            _spawn_to_chart(browser, data_dir, tmp / "warm.log")  # warm the OS file cache once, not counted
            for i in range(repeat):
                runs["app"].append(_spawn_to_chart(browser, data_dir, tmp / f"app{i}.log"))
                runs["baseline"].append(_spawn_to_chart(browser, data_dir, tmp / f"base{i}.log", script))
                print(
                    f"    run {i + 1}: app {runs['app'][-1][0]:.2f} s, baseline {runs['baseline'][-1][0]:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            browser.close()
    med = {k: [statistics.median(x[j] for x in v) for j in range(3)] for k, v in runs.items()}
    return {
        "repeat": repeat,
        "app_wall_s": med["app"][0],
        "app_cpu_s": med["app"][1],
        "app_cpu_health_s": med["app"][2],
        "baseline_wall_s": med["baseline"][0],
        "baseline_cpu_s": med["baseline"][1],
        "load_avg": os.getloadavg()[0],
    }


def cold_report(c: dict, command: str) -> str:
    return (
        f"Cold start (spawn → first chart in Chromium, data built), median of {c['repeat']}, `{command}`, "
        f"load average {c['load_avg']:.1f} on {os.cpu_count()} cores:\n\n"
        f"| | wall (s) | server CPU to first chart (s) | of which before /_stcore/health |\n|---|---|---|---|\n"
        f"| dashboard | {c['app_wall_s']:.2f} | {c['app_cpu_s']:.2f} | {c['app_cpu_health_s']:.2f} |\n"
        f"| baseline: one-chart Streamlit script | {c['baseline_wall_s']:.2f} | {c['baseline_cpu_s']:.2f} | |\n"
        f"| ratio dashboard ÷ baseline | {c['app_wall_s'] / c['baseline_wall_s']:.2f} "
        f"| {c['app_cpu_s'] / c['baseline_cpu_s']:.2f} | |\n"
    )


def table(r: dict) -> str:
    head = (
        f"# Servicekartan performance record\n\n"
        f"Measured {r['date']} on {r['machine']} with `{r['command']}`.\n\n"
        f"| what | figure | budget |\n|---|---|---|\n"
        f"| ETL build from scratch (`python -m etl build`) | {r['build_s']:.1f} s, peak RSS {r['build_peak_mb']:.0f} MB | |\n"
        f"| server start to `/_stcore/health` | {r['health_s']:.1f} s | |\n"
        f"| cold start to first rendered chart (spawn → chart in Chromium) | {r['cold_start_s']:.1f} s | |\n"
        f"| AppTest baseline (one-line script), per run | {r['baseline_s'] * 1000:.0f} ms | |\n"
    )
    rows = [
        "\n| page | server cold (s) | server warm (s) | warm ÷ baseline | browser, 1 user (s) | within budget |",
        "|---|---|---|---|---|---|",
    ]
    for name in PAGES:
        p = r["pages"][name]
        ok = p["cold_s"] < BUDGET_COLD_S and p["warm_s"] < BUDGET_WARM_S
        rows.append(
            f"| {name} | {p['cold_s']:.2f} | {p['warm_s']:.2f} | {p['warm_s'] / r['baseline_s']:.0f}× | "
            f"{r['browser'][name]:.1f} | {'yes' if ok else 'no'}{' — ' + p['error'] if p['error'] else ''} |"
        )
    ld, lw = r["load"], r["load_ws"]
    tail = (
        f"\n\nServer-side budget (issue 5): warm < {BUDGET_WARM_S} s, cold < {BUDGET_COLD_S} s per page.\n\n"
        f"| load: {ld['contexts']} users, {ld['seconds']:g} s, think ~{ld['think_s']:g} s, same server | "
        f"browser contexts (one Chromium on this machine) | websocket sessions (server only) | budget |\n"
        f"|---|---|---|---|\n"
        f"| navigations (to chart pages) / errors | {ld['navigations']} ({ld['chart_navigations']}) / {ld['errors']} "
        f"| {lw['navigations']} ({lw['chart_navigations']}) / {lw['errors']} | 0 errors |\n"
        f"| time to first chart, median | {ld['median_s']:.2f} s | {lw['median_s']:.2f} s | |\n"
        f"| time to first chart, p95 | {ld['p95_s']:.2f} s ({r['load_p95_ratio']:.0f}× 1-user) | {lw['p95_s']:.2f} s | < 3 s |\n"
        f"| server CPU share of the 2 cores | {100 * ld['server_cpu_share']:.0f} % | {100 * lw['server_cpu_share']:.0f} % | |\n"
        f"| server memory (PSS, process tree) at the end / peak | {ld['server_mem_mb']:.0f} / {ld['peak_mem_mb']:.0f} MB "
        f"| {lw['server_mem_mb']:.0f} / {lw['peak_mem_mb']:.0f} MB | < 1024 MB |\n"
        f"\nBrowser users: time from click/goto to the first chart drawn in Chromium; the 20 contexts' rendering runs "
        f"on the same 2 cores as the server. Websocket sessions: time from the request to the first chart element "
        f"sent by the server (no rendering), i.e. the server's own latency under 20 sessions.\n"
    )
    return head + "\n".join(rows) + tail


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="warm AppTest runs per page")
    ap.add_argument("--contexts", type=int, default=20)
    ap.add_argument("--load-seconds", type=float, default=60.0)
    ap.add_argument("--max-iterations", type=int, default=40)
    ap.add_argument("--ramp", type=float, default=20.0, help="browser users start evenly over this many seconds")
    ap.add_argument("--cold-only", action="store_true", help="only the cold start, against a one-chart baseline")
    ap.add_argument("--repeat", type=int, default=3, help="cold starts per variant with --cold-only")
    a = ap.parse_args(argv)
    if not harness.CHROMIUM.exists():
        print(f"bench app: {harness.CHROMIUM} missing", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    if a.cold_only:
        command = "python bench/app.py " + " ".join(argv if argv is not None else sys.argv[1:])
        with tempfile.TemporaryDirectory(prefix="servicekartan-bench-") as tmp:
            data = Path(tmp) / "data"
            print("building data …", file=sys.stderr, flush=True)
            harness.build_data(data)
            c = measure_cold(data, Path(tmp), a.repeat)
        md = cold_report(c, command)
        (OUT / "cold_start.md").write_text(md, encoding="utf-8")
        print(md)
        print(
            f"bench app: cold_start_s={c['app_wall_s']:.2f} cold_start_cpu_s={c['app_cpu_s']:.2f} "
            f"baseline_s={c['baseline_wall_s']:.2f} baseline_cpu_s={c['baseline_cpu_s']:.2f}"
        )
        return 0
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    r: dict = {
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, Python {platform.python_version()}",
        "command": "python bench/app.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    with tempfile.TemporaryDirectory(prefix="servicekartan-bench-") as tmp:
        data = Path(tmp) / "data"
        print("1/5 ETL build from scratch …", file=sys.stderr, flush=True)
        r["build_s"], r["build_peak_mb"] = measure_build(data)
        print("2/5 server-side page times (AppTest) …", file=sys.stderr, flush=True)
        r["baseline_s"], r["pages"] = measure_pages(data, a.runs)
        print("3/5 cold start + 4/5 browser page times …", file=sys.stderr, flush=True)
        server, r["health_s"], r["cold_start_s"], r["browser"] = measure_browser(data, Path(tmp) / "streamlit.log")
        try:
            kw = {"seconds": a.load_seconds, "max_iterations": a.max_iterations, "server_pid": server.pid}
            print(f"5/5 load: {a.contexts} websocket sessions × {a.load_seconds:g} s …", file=sys.stderr, flush=True)
            r["load_ws"] = asyncio.run(loadbench.run_ws_load(server.url, sessions=a.contexts, **kw))
            print(f"    load: {a.contexts} browser contexts × {a.load_seconds:g} s …", file=sys.stderr, flush=True)
            r["load"] = asyncio.run(
                loadbench.run_load(server.url, contexts=a.contexts, warm_up=False, ramp_s=a.ramp, **kw)
            )
        finally:
            harness.stop_server(server)
    chart_pages = [p for p in ("overview", "villages", "access") if p in r["browser"]]
    single = statistics.median(r["browser"][p] for p in chart_pages)
    r["load_p95_ratio"] = r["load"]["p95_s"] / single if single else float("nan")
    md = table(r)
    (OUT / "app.md").write_text(md, encoding="utf-8")
    (OUT / "app.json").write_text(json.dumps(r, indent=2, default=str), encoding="utf-8")
    print(md)
    print(loadbench.report(r["load_ws"]))
    print(loadbench.report(r["load"]))
    # The load figures of the summary line are the server's: 20 websocket sessions (issue 7 allows them). With 20
    # browser contexts on this 2-core machine Chromium's own rendering saturates the cores (see the table).
    peak_mem = max(r["load_ws"]["peak_mem_mb"], r["load"]["peak_mem_mb"])
    slowest = max((p["warm_s"] for p in r["pages"].values() if p["warm_s"] == p["warm_s"]), default=float("nan"))
    print(
        f"bench app: cold_start_s={r['cold_start_s']:.2f} slowest_page_warm_s={slowest:.2f} "
        f"build_s={r['build_s']:.2f} build_peak_mb={r['build_peak_mb']:.0f} "
        f"load_p95_s={r['load_ws']['p95_s']:.2f} load_rss_mb={peak_mem:.0f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
