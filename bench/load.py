"""Load test: N concurrent browser users clicking through the dashboard on ONE local server -> render times + RSS.

One headless Chromium (/usr/bin/chromium) with N contexts (not N browsers: 2 cores), each a user who opens a
deep link, then clicks through the pages in the sidebar for a fixed, bounded time (and at most
`max_iterations` navigations each); every 5th navigation is a fresh deep link (a shared link = a new session).
Measured per navigation: seconds from the click/goto to the new page's first rendered chart (pages without
charts: to the end of the run). Reported: median and p95 (chart pages = the headline), errors (timeouts,
tracebacks, console/page errors), the server process tree's RSS at the end and its peak.
Budget (issue 7): p95 < 3 s and RSS < 1 GB for 20 users on a 2-core machine. Localhost only.

    .venv/bin/python bench/load.py                      # builds the embedded data to a temp dir, starts a server
    .venv/bin/python bench/load.py --contexts 20 --seconds 60 --url http://127.0.0.1:8501 --server-pid 1234

Last line (machine-readable):
    bench load: contexts=20 seconds=60 navigations=<n> errors=<n> median_s=<s> p95_s=<s> all_p95_s=<s> rss_mb=<MB> peak_rss_mb=<MB> budget_ok=<true|false>
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
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
BUDGET_RSS_MB = 1024.0
NAV_TIMEOUT_MS = 45_000
# The click-through order; pages without charts are timed to the end of their run and reported apart.
CYCLE = ("overview", "villages", "access", "data", "targets", "servicepoints", "method")
# Deep links users share: the country, a län, kommuner of different sizes.
AREAS = ("00", "08", "0861", "0180", "2480", "1480", "0380", "25")

_RENDERED_JS = """
([path, title]) => {
  const here = location.pathname.replace(/\\/+$/, '') || '/';
  if (!(here.endsWith('/' + path) || (path === 'overview' && here === '/'))) return null;
  const h1 = document.querySelector('[data-testid="stMain"] h1');
  if (!h1 || h1.closest('[data-stale="true"]') || h1.innerText.trim() !== title) return null;
  if (document.querySelector('[data-testid="stException"]')) return 'exception';
  const chart = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg'))
    .some(e => !e.closest('[data-stale="true"]'));
  if (chart) return 'chart';
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
            self.peak = max(self.peak, harness.rss_mb(self.pid))
            self.stop.wait(0.5)


async def _wait_rendered(page, key: str, title: str) -> str:
    handle = await page.wait_for_function(_RENDERED_JS, arg=[key, title], timeout=NAV_TIMEOUT_MS, polling=50)
    return await handle.json_value()


async def _user(browser, base_url: str, n: int, deadline: float, max_iterations: int, out: dict) -> None:
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
    i = n  # users start at different pages
    try:
        for it in range(max_iterations):
            if time.monotonic() > deadline:
                break
            key = CYCLE[i % len(CYCLE)]
            i += 1
            title = t(f"page_{key}", "sv")
            fresh = it % 5 == 0
            t0 = time.perf_counter()
            try:
                if fresh:
                    query = "" if area == "00" else f"?area={area}"
                    await page.goto(f"{base_url}{_path(key)}{query}", wait_until="commit", timeout=NAV_TIMEOUT_MS)
                else:
                    link = page.locator(f'[data-testid="stSidebarNav"] a[href="{base_url}{_path(key)}"]')
                    await link.click(timeout=NAV_TIMEOUT_MS)
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
            out["samples"].append({"page": key, "kind": "goto" if fresh else "click", "state": state, "s": dt})
            # let the run finish before the next click, as a reading user would (not timed)
            with contextlib.suppress(Exception):
                await page.wait_for_selector(harness.STATUS, state="detached", timeout=NAV_TIMEOUT_MS)
    finally:
        await ctx.close()


async def run_load(
    base_url: str,
    contexts: int = 20,
    seconds: float = 60.0,
    max_iterations: int = 40,
    server_pid: int | None = None,
    warm_up: bool = True,
) -> dict:
    """Run the load and return the figures (see module docstring)."""
    from playwright.async_api import async_playwright

    out: dict = {"samples": [], "errors": 0, "error_samples": []}
    sampler = _RssSampler(server_pid)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**harness.launch_kwargs())
        try:
            if warm_up:  # one user visits every page once so the figures are warm-server figures
                await _user(browser, base_url, 0, time.monotonic() + 120, len(CYCLE) + 1, {**out, "samples": []})
                out["errors"], out["error_samples"] = 0, []
            sampler.start()
            t0 = time.monotonic()
            deadline = t0 + seconds
            await asyncio.gather(*(_user(browser, base_url, n, deadline, max_iterations, out) for n in range(contexts)))
            wall = time.monotonic() - t0
            rss_end = harness.rss_mb(server_pid) if server_pid else 0.0
        finally:
            sampler.stop.set()
            await browser.close()
    chart = [s["s"] for s in out["samples"] if s["state"] == "chart"]
    every = [s["s"] for s in out["samples"]]
    per_page: dict[str, dict] = {}
    for key in CYCLE:
        v = [s["s"] for s in out["samples"] if s["page"] == key]
        if v:
            per_page[key] = {"n": len(v), "median_s": statistics.median(v), "p95_s": _pct(v, 0.95)}
    result = {
        "contexts": contexts,
        "seconds": seconds,
        "wall_s": wall,
        "navigations": len(every),
        "chart_navigations": len(chart),
        "errors": out["errors"],
        "error_samples": out["error_samples"][:20],
        "median_s": statistics.median(chart) if chart else float("nan"),
        "p95_s": _pct(chart, 0.95),
        "all_median_s": statistics.median(every) if every else float("nan"),
        "all_p95_s": _pct(every, 0.95),
        "server_rss_mb": rss_end,
        "peak_rss_mb": max(sampler.peak, rss_end),
        "per_page": per_page,
    }
    result["budget_ok"] = bool(
        result["errors"] == 0 and result["p95_s"] < BUDGET_P95_S and result["peak_rss_mb"] < BUDGET_RSS_MB
    )
    return result


def run_load_sync(base_url: str, **kwargs) -> dict:
    """run_load from synchronous code (its own event loop; call it from a thread without a running loop)."""
    return asyncio.run(run_load(base_url, **kwargs))


def last_line(r: dict) -> str:
    return (
        f"bench load: contexts={r['contexts']} seconds={r['seconds']:g} navigations={r['navigations']} "
        f"errors={r['errors']} median_s={r['median_s']:.2f} p95_s={r['p95_s']:.2f} all_p95_s={r['all_p95_s']:.2f} "
        f"rss_mb={r['server_rss_mb']:.0f} peak_rss_mb={r['peak_rss_mb']:.0f} budget_ok={str(r['budget_ok']).lower()}"
    )


def report(r: dict) -> str:
    lines = [
        f"{r['contexts']} users, {r['wall_s']:.0f} s, {r['navigations']} navigations "
        f"({r['chart_navigations']} to chart pages), {r['errors']} errors",
        f"time to first rendered chart: median {r['median_s']:.2f} s, p95 {r['p95_s']:.2f} s "
        f"(budget p95 < {BUDGET_P95_S:g} s)",
        f"all navigations: median {r['all_median_s']:.2f} s, p95 {r['all_p95_s']:.2f} s",
        f"server RSS: {r['server_rss_mb']:.0f} MB at the end, peak {r['peak_rss_mb']:.0f} MB "
        f"(budget < {BUDGET_RSS_MB:.0f} MB)",
    ]
    for key, v in r["per_page"].items():
        lines.append(f"  {key:14s} n={v['n']:3d} median {v['median_s']:.2f} s  p95 {v['p95_s']:.2f} s")
    lines += [f"  ! {e}" for e in r["error_samples"][:10]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contexts", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-iterations", type=int, default=40, help="navigations per user at most")
    ap.add_argument("--url", help="an already running server (default: start one)")
    ap.add_argument("--server-pid", type=int, help="pid of that server, for its RSS")
    ap.add_argument("--data-dir", type=Path, help="built data dir for the server (default: build into a temp dir)")
    ap.add_argument("--json", type=Path, default=REPO / "bench" / "out" / "load.json")
    a = ap.parse_args(argv)
    if not harness.CHROMIUM.exists():
        print(f"bench load: {harness.CHROMIUM} missing", file=sys.stderr)
        return 2
    server = None
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
            r = run_load_sync(
                url, contexts=a.contexts, seconds=a.seconds, max_iterations=a.max_iterations, server_pid=pid
            )
        finally:
            if server is not None:
                harness.stop_server(server)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(r, indent=2))
    print(report(r))
    print(last_line(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
