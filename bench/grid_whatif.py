"""Benchmark of the grid what-if and the grid map -> timings, sizes and ratios against baselines measured in the same run.

    .venv/bin/python bench/grid_whatif.py

(a) grid_scenario_ms: closing Fliseryd's grocery store (model:grocery:0861TB103) on the national 1 km grid (SCB
    2024, every inhabited square) with `servicekartan.grid_whatif.scenario` (cached per-type state; only the
    affected squares recomputed; incl. the threshold shares of the kommun and län), best of 20; baseline: the full
    recomputation (a new tree without the closed point, every square queried), best of 5.
(b) grid_map_warm_s: the access page (Sverige, grocery) with the grid map, run server-side with Streamlit's
    AppTest, warm (second run; median of 3); baseline: the same warm page with the grid map section switched off.
(c) grid_map_kb: the national grid map's serialised figure JSON (plotly.io.to_json, what st.plotly_chart sends
    in the websocket message's spec); baseline: the same figure with z as a JSON list of numbers and nulls.
The last line is machine-readable:
    bench grid_whatif: grid_scenario_ms=<ms> full_ms=<ms> speedup=<x> grid_map_warm_s=<s> page_without_s=<s>
    map_ratio=<x> grid_map_kb=<kb> list_kb=<kb> size_ratio=<x> kb_08=<kb> kb_0861=<kb>
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from servicekartan import catalog, catchments, charts_grid, grid_whatif  # noqa: E402

STORE = "model:grocery:0861TB103"


def ensure_data() -> None:
    names = ("villages", "population", "services", "grid_population", "grid_access", "grid_indicators")
    if not all(catalog.exists(n) for n in names):
        os.environ["SERVICEKARTAN_DATA_DIR"] = tempfile.mkdtemp(prefix="servicekartan-bench-")
        from etl.build import build

        build(out=io.StringIO())


def best_of(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def scenario_bench() -> tuple[float, float, int]:
    from scipy.spatial import cKDTree

    sq = catchments.squares(catalog.read("grid_population"))
    services = catalog.read("services")
    state = grid_whatif.TypeState.build(grid_whatif.GridBase.build(sq), services, "grocery")
    pts = catchments.active_points(services, "grocery", sq.year)

    def fast():
        res = grid_whatif.scenario(state, [STORE])
        res.thresholds(["0861"])
        res.increase_quantiles()
        return res

    def full():
        keep = pts[pts["service_id"] != STORE]
        d, _ = cKDTree(np.c_[keep["x"], keep["y"]]).query(sq.xy)
        return np.flatnonzero(d != state.dist_m)

    res = fast()
    assert np.array_equal(res.cells, full())  # the same squares as the full recomputation
    return best_of(fast, 20) * 1000, best_of(full, 5) * 1000, len(sq)


def page_bench() -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest

    from servicekartan.ui import grid_sections

    def warm() -> float:
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=300)
        at.query_params["area"], at.query_params["svc"] = "00", "grocery"
        at.switch_page("app_pages/access.py")
        at.run()  # cold
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
            assert not at.exception, [e.value for e in at.exception]
        return statistics.median(times)

    with_map = warm()
    real = grid_sections.grid_map
    grid_sections.grid_map = lambda *a, **k: None
    try:
        without = warm()
    finally:
        grid_sections.grid_map = real
    return with_map, without


def size_bench() -> tuple[float, float, float, float]:
    sq = catchments.squares(catalog.read("grid_population"))
    state = grid_whatif.TypeState.build(grid_whatif.GridBase.build(sq), catalog.read("services"), "grocery")
    dist = np.where(np.isfinite(state.dist_m), state.dist_m / 1000, np.nan)
    geo = json.loads((REPO / "data" / "seed" / "scb_lan_wgs84.geojson").read_text(encoding="utf-8"))
    fig = charts_grid.grid_map(sq.cell_id, dist, sq.population, "Sverige", "sv", outlines=charts_grid.outline_xy(geo))
    kb = len(fig.to_json()) / 1024
    heat = fig.data[0]
    z = np.asarray(heat.z).astype(float)
    z[z == z.max()] = np.nan
    as_list = fig.to_plotly_json()
    as_list["data"][0]["z"] = [[None if np.isnan(v) else int(v) for v in row] for row in z]
    list_kb = len(json.dumps(as_list, default=str)) / 1024
    sizes = []
    for mask in (sq.county_code == "08", sq.municipality_code == "0861"):
        f = charts_grid.grid_map(sq.cell_id, dist, sq.population, "x", "sv", frame=mask)
        sizes.append(len(f.to_json()) / 1024)
    return kb, list_kb, sizes[0], sizes[1]


def main() -> None:
    ensure_data()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    ms, full_ms, n = scenario_bench()
    print(f"(a) grid what-if, close Fliseryd's store, {n} squares: {ms:.2f} ms (full recomputation {full_ms:.1f} ms)")
    kb, list_kb, kb08, kb0861 = size_bench()
    print(
        f"(c) national grid map JSON: {kb:.0f} kB (z as a JSON list: {list_kb:.0f} kB); Kalmar län {kb08:.0f} kB, "
        f"Mönsterås {kb0861:.0f} kB"
    )
    warm_s, without_s = page_bench()
    print(f"(b) access page, Sverige, warm: {warm_s:.3f} s with the grid map, {without_s:.3f} s without")
    print(
        f"bench grid_whatif: grid_scenario_ms={ms:.2f} full_ms={full_ms:.1f} speedup={full_ms / ms:.0f} "
        f"grid_map_warm_s={warm_s:.3f} page_without_s={without_s:.3f} map_ratio={warm_s / without_s:.2f} "
        f"grid_map_kb={kb:.0f} list_kb={list_kb:.0f} size_ratio={list_kb / kb:.1f} kb_08={kb08:.0f} kb_0861={kb0861:.0f}"
    )


if __name__ == "__main__":
    main()
