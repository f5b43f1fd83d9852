"""Load test: N concurrent browser users clicking through the dashboard on ONE local server -> render times + memory.

One headless Chromium (/usr/bin/chromium) with N contexts (not N browsers: 2 cores), each a user who opens a
deep link, then clicks through the pages in the sidebar for a fixed, bounded time (and at most
`max_iterations` navigations each), looking at each page for ~`think` s (uniform 0.5–1.5×; 0 = hammering);
users start evenly over `ramp` s; every 10th navigation is a fresh deep link (a shared link = a new session,
a full page load). Also reported: time to the new page's title (the server has answered; the rest is the
browser drawing), and the server's CPU share (client and server share this machine's cores).
Measured per navigation: seconds from the click/goto to the new page's first rendered chart (pages without
charts: to the end of the run). Reported: median and p95 (chart pages = the headline), errors (timeouts,
tracebacks, console/page errors), the server process tree's memory (PSS, see
harness.memory_mb) at the end and its peak.
Budget (issue 7): p95 < 3 s and memory < 1 GB for 20 users on a 2-core machine. Localhost only.

    .venv/bin/python bench/load.py                      # builds the embedded data to a temp dir, starts a server
    .venv/bin/python bench/load.py --contexts 20 --seconds 60 --url http://127.0.0.1:8501 --server-pid 1234

Last line (machine-readable):
    bench load: contexts=20 seconds=60 think_s=3 navigations=<n> errors=<n> median_s=<s> p95_s=<s> all_p95_s=<s> mem_mb=<MB> peak_mem_mb=<MB> budget_ok=<true|false>
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from servicekartan.i18n import t  # noqa: E402
from tests.e2e import harness  # noqa: E402

BUDGET_P95_S = 3.0
BUDGET_MEM_MB = 1024.0
NAV_TIMEOUT_MS = 45_000
# The click-through order; pages without charts are timed to the end of their run and reported apart.
CYCLE = ("overview", "villages", "access", "data", "targets", "servicepoints", "method")
# Deep links users share: the country, a län, kommuner of different sizes.
AREAS = ("00", "08", "0861", "0180", "2480", "1480", "0380", "25")

_RENDERED_JS = """
([path, title, needChart]) => {
  const here = location.pathname.replace(/\\/+$/, '') || '/';
  if (!(here.endsWith('/' + path) || (path === 'overview' && here === '/'))) return null;
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  if (!h1 || h1.closest('[data-stale="true"]') || h1.innerText.trim() !== title) return null;
  if (document.querySelector('[data-testid="stException"]')) return 'exception';
  const fresh = e => !e.closest('[data-stale="true"]');
  if (Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg')).some(fresh)) return 'chart';
  // a charted page is rendered when its first chart is drawn (plotly mounts lazily, after the run ends)
  if (needChart) return null;
  const idle = !document.querySelector('[data-testid="stStatusWidget"]') && !document.querySelector('[data-stale="true"]');
  return idle ? 'idle' : null;
}
"""


def _path(key: str) -> str:
    """A page's link: the default page (overview) answers on "/" only."""
    return "/" if key == "overview" else f"/{key}"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class _RssSampler(threading.Thread):
    def __init__(self, pid: int | None) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while self.pid and not self.stop.is_set():
            self.peak = max(self.peak, harness.memory_mb(self.pid))
            self.stop.wait(0.5)


_TITLE_JS = """
([path, title]) => {
  const here = location.pathname.replace(/\\/+$/, '') || '/';
  if (!(here.endsWith('/' + path) || (path === 'overview' && here === '/'))) return false;
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  return !!h1 && !h1.closest('[data-stale="true"]') && h1.innerText.trim() === title;
}
"""


async def _wait_rendered(page, key: str, title: str) -> str:
    arg = [key, title, key in harness.CHART_PAGES]
    handle = await page.wait_for_function(_RENDERED_JS, arg=arg, timeout=NAV_TIMEOUT_MS, polling=50)
    return await handle.json_value()


async def _user(
    browser,
    base_url: str,
    n: int,
    start: float,
    deadline: float,
    max_iterations: int,
    out: dict,
    think_s: float = 0.0,
    reload_every: int = 10,
) -> None:
    """One person: waits for its start time (ramp-up), opens a deep link, then clicks through the sidebar."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    ctx = await browser.new_context(viewport={"width": 1280, "height": 1600})
    await ctx.route(harness.EXTERNAL, lambda route: route.abort())
    page = await ctx.new_page()
    problems: list[str] = out["error_samples"]

    def console(msg) -> None:
        if msg.type == "error" and not harness.is_benign_console_error(msg.text, (msg.location or {}).get("url", "")):
            out["errors"] += 1
            problems.append(f"user {n} console: {msg.text[:200]}")

    def page_error(exc) -> None:
        out["errors"] += 1
        problems.append(f"user {n} page error: {str(exc)[:200]}")

    page.on("console", console)
    page.on("pageerror", page_error)
    area = AREAS[n % len(AREAS)]
    rng = random.Random(n)
    i = n  # users start at different pages
    try:
        for it in range(max_iterations):
            if time.monotonic() > deadline:
                break
            key = CYCLE[i % len(CYCLE)]
            i += 1
            title = t(f"page_{key}", "sv")
            fresh = it % reload_every == 0  # a (shared) link opened anew: a new session, a full page load
            t0 = time.perf_counter()
            try:
                if fresh:
                    query = "" if area == "00" else f"?area={area}"
                    await page.goto(f"{base_url}{_path(key)}{query}", wait_until="commit", timeout=NAV_TIMEOUT_MS)
                else:
                    link = page.locator(f'[data-testid="stSidebarNav"] a[href="{base_url}{_path(key)}"]')
                    await link.click(timeout=NAV_TIMEOUT_MS)
                await page.wait_for_function(_TITLE_JS, arg=[key, title], timeout=NAV_TIMEOUT_MS, polling=50)
                t_title = time.perf_counter() - t0
                state = await _wait_rendered(page, key, title)
            except Exception as exc:  # timeout or a closed page: an error, the user goes on
                out["errors"] += 1
                problems.append(f"user {n} {key}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
                continue
            dt = time.perf_counter() - t0
            if state == "exception":
                out["errors"] += 1
                problems.append(f"user {n} {key}: Python exception on the page")
                continue
            kind = "goto" if fresh else "click"
            out["samples"].append({"page": key, "kind": kind, "state": state, "s": dt, "title_s": t_title})
            # let the run finish before the next click, as a reading user would (not timed)
            with contextlib.suppress(Exception):
                await page.wait_for_selector(harness.STATUS, state="detached", timeout=NAV_TIMEOUT_MS)
            if think_s:  # a person looks at the page before the next click
                await asyncio.sleep(rng.uniform(0.5 * think_s, 1.5 * think_s))
    finally:
        await ctx.close()


async def run_load(
    base_url: str,
    contexts: int = 20,
    seconds: float = 60.0,
    max_iterations: int = 40,
    server_pid: int | None = None,
    warm_up: bool = True,
    think_s: float = 3.0,
    ramp_s: float = 10.0,
) -> dict:
    """Run the load and return the figures (see module docstring)."""
    from playwright.async_api import async_playwright

    out: dict = {"samples": [], "errors": 0, "error_samples": []}
    sampler = _RssSampler(server_pid)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**harness.launch_kwargs())
        try:
            if warm_up:  # one user visits every page once so the figures are warm-server figures
                now = time.monotonic()
                await _user(browser, base_url, 0, now, now + 120, len(CYCLE) + 1, {**out, "samples": []}, 0.0, 99)
                out["errors"], out["error_samples"] = 0, []
            sampler.start()
            cpu0 = harness.cpu_seconds(server_pid) if server_pid else 0.0
            t0 = time.monotonic()
            deadline = t0 + seconds
            await asyncio.gather(
                *(
                    _user(browser, base_url, n, t0 + ramp_s * n / contexts, deadline, max_iterations, out, think_s)
                    for n in range(contexts)
                )
            )
            wall = time.monotonic() - t0
            mem_end = harness.memory_mb(server_pid) if server_pid else 0.0
            server_cpu = (harness.cpu_seconds(server_pid) - cpu0) if server_pid else 0.0
        finally:
            sampler.stop.set()
            await browser.close()
    return _summary(out, contexts, seconds, think_s, ramp_s, wall, mem_end, sampler.peak, server_cpu, "browser")


def _summary(
    out: dict,
    users: int,
    seconds: float,
    think_s: float,
    ramp_s: float,
    wall: float,
    mem_end: float,
    mem_peak: float,
    server_cpu: float,
    mode: str,
) -> dict:
    chart = [s["s"] for s in out["samples"] if s["state"] == "chart"]
    titles = [s["title_s"] for s in out["samples"]]
    clicks = [s["s"] for s in out["samples"] if s["state"] == "chart" and s["kind"] != "goto"]
    every = [s["s"] for s in out["samples"]]
    per_page: dict[str, dict] = {}
    for key in CYCLE:
        v = [s["s"] for s in out["samples"] if s["page"] == key]
        if v:
            per_page[key] = {"n": len(v), "median_s": statistics.median(v), "p95_s": _pct(v, 0.95)}
    result = {
        "mode": mode,
        "contexts": users,
        "seconds": seconds,
        "think_s": think_s,
        "ramp_s": ramp_s,
        "wall_s": wall,
        "server_cpu_s": server_cpu,
        "server_cpu_share": server_cpu / wall / (os.cpu_count() or 1) if wall else 0.0,
        "navigations": len(every),
        "chart_navigations": len(chart),
        "errors": out["errors"],
        "error_samples": out["error_samples"][:20],
        "median_s": statistics.median(chart) if chart else float("nan"),
        "p95_s": _pct(chart, 0.95),
        "click_p95_s": _pct(clicks, 0.95),
        "title_median_s": statistics.median(titles) if titles else float("nan"),
        "title_p95_s": _pct(titles, 0.95),
        "all_median_s": statistics.median(every) if every else float("nan"),
        "all_p95_s": _pct(every, 0.95),
        "server_mem_mb": mem_end,
        "peak_mem_mb": max(mem_peak, mem_end),
        "per_page": per_page,
        "samples": out["samples"],
    }
    result["budget_ok"] = bool(
        result["errors"] == 0 and result["p95_s"] < BUDGET_P95_S and result["peak_mem_mb"] < BUDGET_MEM_MB
    )
    return result


def run_load_sync(base_url: str, **kwargs) -> dict:
    """run_load from synchronous code (its own event loop; call it from a thread without a running loop)."""
    return asyncio.run(run_load(base_url, **kwargs))


def last_line(r: dict) -> str:
    return (
        f"bench load: mode={r['mode']} contexts={r['contexts']} seconds={r['seconds']:g} think_s={r['think_s']:g} "
        f"navigations={r['navigations']} errors={r['errors']} median_s={r['median_s']:.2f} p95_s={r['p95_s']:.2f} "
        f"all_p95_s={r['all_p95_s']:.2f} mem_mb={r['server_mem_mb']:.0f} peak_mem_mb={r['peak_mem_mb']:.0f} "
        f"budget_ok={str(r['budget_ok']).lower()}"
    )


def report(r: dict) -> str:
    who = "browser contexts (one Chromium)" if r["mode"] == "browser" else "websocket sessions (no browser)"
    what = "first rendered chart" if r["mode"] == "browser" else "first chart element sent by the server"
    done = "the new page's title shown" if r["mode"] == "browser" else "script run finished"
    lines = [
        f"{r['contexts']} {who}, starting over {r['ramp_s']:g} s, think time ~{r['think_s']:g} s; "
        f"{r['wall_s']:.0f} s, {r['navigations']} navigations ({r['chart_navigations']} to chart pages), "
        f"{r['errors']} errors",
        f"time to {what}: median {r['median_s']:.2f} s, p95 {r['p95_s']:.2f} s (budget p95 < {BUDGET_P95_S:g} s)",
        f"  page switches without reload: p95 {r['click_p95_s']:.2f} s",
        f"time to {done}: median {r['title_median_s']:.2f} s, p95 {r['title_p95_s']:.2f} s",
        f"server memory (PSS of its process tree): {r['server_mem_mb']:.0f} MB at the end, peak {r['peak_mem_mb']:.0f} MB "
        f"(budget < {BUDGET_MEM_MB:.0f} MB)",
        f"server CPU: {r['server_cpu_s']:.0f} s = {100 * r['server_cpu_share']:.0f} % of the machine's "
        f"{os.cpu_count()} cores during the run",
    ]
    for key, v in r["per_page"].items():
        lines.append(f"  {key:14s} n={v['n']:3d} median {v['median_s']:.2f} s  p95 {v['p95_s']:.2f} s")
    lines += [f"  ! {e}" for e in r["error_samples"][:10]]
    return "\n".join(lines)


# ------------------------------------------------------------------ websocket sessions (the server alone)


async def _ws_user(
    base_url: str, n: int, start: float, deadline: float, max_iterations: int, out: dict, think_s: float
) -> None:
    """One session speaking Streamlit's own protocol: page switches as the sidebar sends them, no rendering.
    Timed: request -> first chart element (chart pages) and -> script finished."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    await asyncio.sleep(max(0.0, start - time.monotonic()))
    area = AREAS[n % len(AREAS)]
    query = "" if area == "00" else f"area={area}"
    rng = random.Random(n)
    url = base_url.replace("http://", "ws://") + "/_stcore/stream"
    pages: dict[str, str] = {}
    i = n
    try:
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws:
            for it in range(max_iterations):
                if time.monotonic() > deadline:
                    break
                key = CYCLE[i % len(CYCLE)] if it else "overview"
                i += 1 if it else 0
                msg = BackMsg()
                msg.rerun_script.query_string = query
                msg.rerun_script.page_script_hash = pages.get("" if key == "overview" else key, "")
                t0 = time.perf_counter()
                await ws.send(msg.SerializeToString())
                first_chart = None
                while True:
                    raw = await asyncio.wait_for(ws.recv(), NAV_TIMEOUT_MS / 1000)
                    fm = ForwardMsg()
                    fm.ParseFromString(raw)
                    kind = fm.WhichOneof("type")
                    if kind == "navigation":
                        pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                    elif kind == "delta" and first_chart is None:
                        d = fm.delta
                        if d.WhichOneof("type") == "new_element":
                            el = d.new_element.WhichOneof("type")
                            if el == "plotly_chart":
                                first_chart = time.perf_counter() - t0
                            elif el == "exception":
                                out["errors"] += 1
                                out["error_samples"].append(f"session {n} {key}: Python exception")
                    elif kind == "script_finished":
                        break
                done = time.perf_counter() - t0
                state = "chart" if first_chart is not None else "idle"
                out["samples"].append(
                    {"page": key, "kind": "ws", "state": state, "s": first_chart or done, "title_s": done}
                )
                if think_s:
                    await asyncio.sleep(rng.uniform(0.5 * think_s, 1.5 * think_s))
    except Exception as exc:
        out["errors"] += 1
        out["error_samples"].append(f"session {n}: {type(exc).__name__}: {str(exc)[:160]}")


async def run_ws_load(
    base_url: str,
    sessions: int = 20,
    seconds: float = 60.0,
    max_iterations: int = 40,
    server_pid: int | None = None,
    think_s: float = 3.0,
    ramp_s: float = 10.0,
) -> dict:
    """Like run_load, but the users are websocket sessions (no browser): the server's own latency."""
    out: dict = {"samples": [], "errors": 0, "error_samples": []}
    sampler = _RssSampler(server_pid)
    sampler.start()
    cpu0 = harness.cpu_seconds(server_pid) if server_pid else 0.0
    t0 = time.monotonic()
    try:
        await asyncio.gather(
            *(
                _ws_user(base_url, n, t0 + ramp_s * n / sessions, t0 + seconds, max_iterations, out, think_s)
                for n in range(sessions)
            )
        )
    finally:
        sampler.stop.set()
    wall = time.monotonic() - t0
    mem_end = harness.memory_mb(server_pid) if server_pid else 0.0
    server_cpu = (harness.cpu_seconds(server_pid) - cpu0) if server_pid else 0.0
    return _summary(out, sessions, seconds, think_s, ramp_s, wall, mem_end, sampler.peak, server_cpu, "ws")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("browser", "ws", "both"), default="browser")
    ap.add_argument("--contexts", type=int, default=20, help="concurrent users")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-iterations", type=int, default=40, help="navigations per user at most")
    ap.add_argument("--think", type=float, default=3.0, help="mean seconds a user looks at a page (0 = none)")
    ap.add_argument("--ramp", type=float, default=10.0, help="users start evenly over this many seconds")
    ap.add_argument("--url", help="an already running server (default: start one)")
    ap.add_argument("--server-pid", type=int, help="pid of that server, for its memory and CPU")
    ap.add_argument("--data-dir", type=Path, help="built data dir for the server (default: build into a temp dir)")
    ap.add_argument("--json", type=Path, default=REPO / "bench" / "out" / "load.json")
    a = ap.parse_args(argv)
    if a.mode != "ws" and not harness.CHROMIUM.exists():
        print(f"bench load: {harness.CHROMIUM} missing", file=sys.stderr)
        return 2
    server = None
    results: list[dict] = []
    kw = {"seconds": a.seconds, "max_iterations": a.max_iterations, "think_s": a.think, "ramp_s": a.ramp}
    with tempfile.TemporaryDirectory(prefix="servicekartan-load-") as tmp:
        try:
            url, pid = a.url, a.server_pid
            if url is None:
                data = a.data_dir
                if data is None:
                    data = Path(tmp) / "data"
                    print("building the embedded data …", file=sys.stderr, flush=True)
                    harness.build_data(data)
                server = harness.start_server(data, Path(tmp) / "streamlit.log")
                url, pid = server.url, server.pid
            if a.mode in ("ws", "both"):
                results.append(asyncio.run(run_ws_load(url, sessions=a.contexts, server_pid=pid, **kw)))
            if a.mode in ("browser", "both"):
                results.append(run_load_sync(url, contexts=a.contexts, server_pid=pid, **kw))
        finally:
            if server is not None:
                harness.stop_server(server)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(results, indent=2))
    for r in results:
        print(report(r))
    for r in results:
        print(last_line(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
