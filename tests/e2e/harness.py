"""Browser-test harness: a Streamlit server process + headless Debian Chromium -> rendered, checked pages.

Shared by the e2e tests (tests/e2e/conftest.py) and the benchmarks (bench/load.py, bench/app.py), so both
start the app, wait for a rendered page and tell benign console noise from errors in exactly the same way.
No network: the server binds 127.0.0.1 and the browser is told to reach nothing else.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SERVICEKARTAN_CHROMIUM", "/usr/bin/chromium"))  # Debian's; no browser download
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 2600}  # tall: Streamlit scrolls inside its own container
SCREENSHOTS = REPO / "screenshots"  # git-ignored

# Page url paths of dashboard.py's st.navigation (the default page answers on "/").
PAGE_PATHS = ("overview", "villages", "access", "targets", "servicepoints", "own_data", "data", "method")
# Pages whose default view draws at least one plotly chart or map (a new charted page: add it here).
CHART_PAGES = ("overview", "villages", "access", "targets", "servicepoints")

CHART = '[data-testid="stPlotlyChart"] .main-svg'
STATUS = '[data-testid="stStatusWidget"]'
TITLE = '[data-testid="stMain"] h1'
EXCEPTION = '[data-testid="stException"]'

# Streamlit 1.67's frontend probes the page path itself as a candidate base URL before "/"
# (function PD() in static/js/index.*.js: for /villages it pings /villages/_stcore/health and
# /villages/_stcore/host-config, gets 404, then connects via /). Chromium logs each 404 as a console
# error "Failed to load resource". Benign; exactly these URLs (and nothing else) are ignored.
_BENIGN_404 = re.compile(r"^https?://[^/]+/(?:" + "|".join(PAGE_PATHS) + r")/_stcore/(?:health|host-config)$")


def is_benign_console_error(text: str, url: str) -> bool:
    """True for the two known Streamlit base-URL probe 404s; any other console error is a finding."""
    return text.startswith("Failed to load resource") and "404" in text and bool(_BENIGN_404.match(url or ""))


# ------------------------------------------------------------------------------------------ server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running `streamlit run dashboard.py` on 127.0.0.1."""

    process: subprocess.Popen
    port: int
    data_dir: Path
    log_path: Path
    started: float = field(default_factory=time.perf_counter)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def start_server(data_dir: Path, log_path: Path, port: int | None = None, timeout: float = 90.0) -> Server:
    """Start the dashboard on `data_dir` (SERVICEKARTAN_DATA_DIR) and wait for /_stcore/health."""
    port = port or free_port()
    env = dict(os.environ, SERVICEKARTAN_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")  # noqa: SIM115 - lives as long as the server
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(proc, port, data_dir, log_path, started=t0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    """Terminate the server (its own process group only), escalate to SIGKILL after 10 s."""
    proc = server.process
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(x) for x in (task / "children").read_text().split()]
    return kids


def _tree(pid: int):  # noqa: ANN202 - Iterator[int]
    """A process and its live descendants."""
    stack, seen = [pid], set()
    while stack:
        p = stack.pop()
        if p not in seen:
            seen.add(p)
            yield p
            stack += _children(p)


def memory_mb(pid: int) -> float:
    """Memory of a process and all its descendants in MB (0 if gone): the sum of their PSS.

    PSS (proportional set size) shares each shared page among the processes that map it. A plain sum of VmRSS
    counts Chromium's shared pages once per process: kaleido's export Chromium (a child of the server) alone
    would add ~550 MB that are not there (measured: 1,036 MB RSS sum vs 480 MB PSS for the same tree)."""
    total_kb = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            rollup = Path(f"/proc/{p}/smaps_rollup")
            source, field = (rollup, "Pss:") if rollup.exists() else (Path(f"/proc/{p}/status"), "VmRSS:")
            total_kb += next((int(ln.split()[1]) for ln in source.read_text().splitlines() if ln.startswith(field)), 0)
    return total_kb / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its live descendants (0 if gone)."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def build_data(data_dir: Path) -> None:
    """`python -m etl build` into data_dir (a subprocess, so this process never holds the build's memory)."""
    env = dict(os.environ, SERVICEKARTAN_DATA_DIR=str(data_dir))
    subprocess.run([sys.executable, "-m", "etl", "build"], cwd=REPO, env=env, check=True, capture_output=True)


# ------------------------------------------------------------------------------------------ browser


def launch_kwargs() -> dict[str, Any]:
    return {"executable_path": str(CHROMIUM), "headless": True, "args": list(CHROMIUM_ARGS)}


# Requests that leave 127.0.0.1 (map tiles, fonts, telemetry) are aborted and recorded: tests never
# touch the network, and a public dashboard should not make its users' browsers call third parties.
EXTERNAL = re.compile(r"^(?:https?|wss?)://(?!127\.0\.0\.1[:/]|localhost[:/])")


def wait_rendered(page: Any, charts: bool = True, timeout: float = 90_000, settle_ms: int = 300) -> None:
    """Wait until the page's charts are drawn and the script run is over (no status widget, nothing stale)."""
    # A traceback ends the wait too (the test then reports it instead of timing out).
    page.wait_for_selector(f"{CHART if charts else TITLE}, {EXCEPTION}", timeout=timeout)
    wait_idle(page, timeout=timeout, settle_ms=settle_ms)


def wait_idle(page: Any, timeout: float = 90_000, settle_ms: int = 300) -> None:
    """After an interaction: let the rerun start, then wait until it has finished and nothing is stale."""
    page.wait_for_timeout(settle_ms)
    for _ in range(2):  # the status widget can reappear for a follow-up rerun (st.rerun, URL sync)
        page.wait_for_selector(STATUS, state="detached", timeout=timeout)
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=timeout, polling=100)
        page.wait_for_timeout(settle_ms)


def screenshot(page: Any, name: str) -> Path:
    """A full-content PNG under screenshots/: the viewport is grown to the main container's scroll height."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size or VIEWPORT
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : 0 }"
    )
    if height and height + 40 > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 16_000)})
        page.wait_for_timeout(800)  # plotly/maplibre repaint after the resize
        page.screenshot(path=str(path))
        page.set_viewport_size(size)
        page.wait_for_timeout(300)
    else:
        page.screenshot(path=str(path))
    return path


# JS: how many data points each plotly chart on the page holds (0 = an empty, i.e. blank, chart).
_CHART_POINTS_JS = """
() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).map(el => {
  const gd = el.querySelector('.js-plotly-plot');
  // _fullData: the traces as plotly.js drew them (typed arrays decoded); _length = points drawn.
  const data = (gd && (gd._fullData || gd.data)) || [];
  let n = 0;
  for (const tr of data) {
    if (tr.visible === false) continue;
    if (typeof tr._length === 'number') { n += tr._length; continue; }
    const lens = ['x', 'y', 'lat', 'lon', 'locations', 'z', 'values'].map(k => (tr[k] && tr[k].length) || 0);
    n += Math.max(...lens);
  }
  const t = gd && gd.layout && gd.layout.title;
  const title = t ? (typeof t === 'string' ? t : (t.text || '')) : '';
  return {points: n, traces: data.length, map: !!el.querySelector('.maplibregl-canvas'),
          title: title.replace(/<[^>]+>/g, ' ').replace(/\\s+/g, ' ').trim(), stale: !!el.closest('[data-stale="true"]')};
})
"""


def chart_summaries(page: Any) -> list[dict]:
    """One dict per plotly chart: points, traces, map (bool), title."""
    return list(page.evaluate(_CHART_POINTS_JS))


def drawn_pixels(png: bytes) -> int:
    """Pixels that differ clearly from the image's dominant (background) colour: 0 for a blank canvas."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB").reduce(2)
    pixels = list(img.getdata())
    counts: dict[tuple[int, int, int], int] = {}
    for px in pixels:
        counts[px] = counts.get(px, 0) + 1
    bg = max(counts, key=counts.__getitem__)
    return sum(n for px, n in counts.items() if sum(abs(a - b) for a, b in zip(px, bg, strict=True)) > 60)


def map_canvases_drawn(page: Any, min_pixels: int = 40, timeout_s: float = 30.0) -> list[int]:
    """Drawn-pixel counts of each map canvas (WebGL), polled until all are drawn (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while True:
        canvases = page.locator('[data-testid="stPlotlyChart"] .maplibregl-canvas')
        counts = [drawn_pixels(canvases.nth(i).screenshot()) for i in range(canvases.count())]
        if all(c >= min_pixels for c in counts) or time.monotonic() > deadline:
            return counts
        page.wait_for_timeout(500)
