"""Benchmark of the access engine -> timings and ratios against brute-force baselines measured in the same run.

    .venv/bin/python bench/access.py

(a) the national village_access table (all villages x all service types x every year in the data)
    vs brute-force numpy (all pairs per type and year, no index, no year grouping);
(b) 1,000,000 synthetic points x 10,000 services with cKDTree (2 workers) vs brute-force numpy
    (measured on a subsample and scaled linearly; the output says so); peak memory of (b) measured
    in a separate subprocess (resource.getrusage maxrss) so nothing else inflates it;
(c) one closure scenario on the national data (model built once, as the app caches it) vs
    recomputing the whole table and the area sums from scratch;
(d) one multi-source Dijkstra on a synthetic 1,000,000-node / 2,500,000-edge road graph vs one
    single-source Dijkstra per source (measured on a few sources and scaled).
The last line is machine-readable:
    bench access: national_s=<s> points_s=<s> speedup=<x> scenario_ms=<ms> graph_s=<s> peak_mb=<MB>
"""

from __future__ import annotations

import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scipy.sparse.csgraph import dijkstra  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from servicekartan import catalog  # noqa: E402
from servicekartan.access import AccessModel, years_in_data  # noqa: E402
from servicekartan.definitions import SERVICE_TYPE_IDS  # noqa: E402
from servicekartan.indicators import access_aggregates  # noqa: E402
from servicekartan.roadgraph import RoadGraph  # noqa: E402

N_POINTS, N_SERVICES, BRUTE_SAMPLE = 1_000_000, 10_000, 20_000
GRID_SIDE, N_EDGES, N_SOURCES, SINGLE_SOURCE_SAMPLE = 1_000, 2_500_000, 1_000, 3
CLOSE_ID = "model:grocery:0861TB103"  # the modelled grocery store of Fliseryd (0861TB103)
# Sweden's extent in SWEREF 99 TM (m): synthetic points fall inside it.
X_RANGE, Y_RANGE = (265_000.0, 925_000.0), (6_130_000.0, 7_680_000.0)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def load_data() -> dict[str, pd.DataFrame]:
    """The built datasets; builds the embedded snapshot into a temp folder when none is built."""
    names = ("villages", "services", "population")
    if not all(catalog.exists(n) for n in names):
        tmp = tempfile.mkdtemp(prefix="servicekartan-bench-")
        os.environ["SERVICEKARTAN_DATA_DIR"] = tmp
        from etl.build import build

        build(steps=("regions", "villages", "population", "services"), out=io.StringIO())
    return {n: catalog.read(n) for n in names}


# --------------------------------------------------------------------------------------------- (a)


def brute_national(villages: pd.DataFrame, services: pd.DataFrame, years: list[int]) -> np.ndarray:
    """All pairs per (type, year), no spatial index and no grouping of identical years."""
    vxy = villages[["x", "y"]].to_numpy(float)
    o = services["opened"].astype("Float64").fillna(-np.inf).to_numpy(float)
    c = services["closed"].astype("Float64").fillna(np.inf).to_numpy(float)
    out = []
    for stype in SERVICE_TYPE_IDS:
        of_type = (services["service_type"] == stype).to_numpy()
        for y in years:
            sel = of_type & (o <= y) & (y < c)
            sxy = services.loc[sel, ["x", "y"]].to_numpy(float)
            if not len(sxy):
                out.append(np.full(len(vxy), np.nan))
                continue
            d2 = ((vxy[:, None, :] - sxy[None, :, :]) ** 2).sum(axis=2)
            j = d2.argmin(axis=1)
            out.append(np.sqrt(d2[np.arange(len(vxy)), j]) / 1000.0)
    return np.concatenate(out)


def bench_national(data: dict) -> tuple[float, float]:
    v, s, p = data["villages"], data["services"], data["population"]
    years = years_in_data(s)
    t_fast = best_of(lambda: AccessModel(v, s, p).table(years))
    t_brute = best_of(lambda: brute_national(v, s, years), repeat=1)
    table = AccessModel(v, s, p).table(years)
    brute = brute_national(v, s, years)
    rank = {t: i for i, t in enumerate(SERVICE_TYPE_IDS)}
    ordered = table.assign(_t=table["service_type"].map(rank)).sort_values(["_t", "year"], kind="stable")
    fast = ordered["distance_km"].to_numpy(float)  # type-major, then year, then village, as brute force
    assert np.allclose(fast, brute, equal_nan=True), "national table differs from brute force"
    print(
        f"(a) national table: {len(v):,} villages x {len(SERVICE_TYPE_IDS)} types x {len(years)} years "
        f"({years[0]}-{years[-1]}) = {len(table):,} rows: {t_fast:.3f} s; brute force {t_brute:.3f} s "
        f"-> {t_brute / t_fast:.1f}x"
    )
    return t_fast, t_brute


# --------------------------------------------------------------------------------------------- (b)


def synthetic_points(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(*X_RANGE, n), rng.uniform(*Y_RANGE, n)]


def points_tree_run() -> dict:
    """(b) with the KD-tree only, for the subprocess: time and peak resident memory."""
    pts, svc = synthetic_points(N_POINTS, 1), synthetic_points(N_SERVICES, 2)
    t0 = time.perf_counter()
    tree = cKDTree(svc)
    dist, idx = tree.query(pts, workers=2)
    elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    return {"points_s": elapsed, "peak_mb": peak_mb, "checksum": float(dist[:1000].sum())}


def brute_points(pts: np.ndarray, svc: np.ndarray, chunk: int = 1_000) -> np.ndarray:
    out = np.empty(len(pts))
    for i in range(0, len(pts), chunk):
        p = pts[i : i + chunk]
        d2 = (p[:, 0:1] - svc[None, :, 0]) ** 2 + (p[:, 1:2] - svc[None, :, 1]) ** 2
        out[i : i + chunk] = np.sqrt(d2.min(axis=1))
    return out


def bench_points() -> tuple[float, float, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--points-only"], capture_output=True, text=True, check=True, cwd=REPO
    )
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    pts, svc = synthetic_points(N_POINTS, 1), synthetic_points(N_SERVICES, 2)
    sample = pts[:BRUTE_SAMPLE]
    t0 = time.perf_counter()
    brute = brute_points(sample, svc)
    t_sample = time.perf_counter() - t0
    t_brute = t_sample * (N_POINTS / BRUTE_SAMPLE)
    tree_d, _ = cKDTree(svc).query(sample, workers=2)
    assert np.allclose(tree_d, brute), "KD-tree differs from brute force"
    speedup = t_brute / res["points_s"]
    print(
        f"(b) {N_POINTS:,} points x {N_SERVICES:,} services: cKDTree (build + query, 2 workers) "
        f"{res['points_s']:.3f} s, peak RSS {res['peak_mb']:.0f} MB (subprocess); brute force measured on "
        f"{BRUTE_SAMPLE:,} points in {t_sample:.2f} s and scaled x{N_POINTS // BRUTE_SAMPLE} -> {t_brute:.1f} s "
        f"-> speedup {speedup:.0f}x"
    )
    return res["points_s"], speedup, res["peak_mb"]


# --------------------------------------------------------------------------------------------- (c)


def bench_scenario(data: dict) -> float:
    v, s, p = data["villages"], data["services"], data["population"]
    model = AccessModel(v, s, p)
    model.table([2020])  # the cached base table, as the app holds it
    model.scenario(2020, close_ids=["model:grocery:0861TC104"])  # warm the area sums once
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        res = model.scenario(2020, close_ids=[CLOSE_ID])
        times.append(time.perf_counter() - t0)
    t_ms = statistics.median(times) * 1000

    def from_scratch() -> None:
        table = AccessModel(v, s[s["service_id"] != CLOSE_ID], p).table([2020])
        access_aggregates(table, v, p)  # the area sums of the new state

    t_full = best_of(from_scratch) * 1000
    row = res.villages.iloc[0]
    print(
        f"(c) closure scenario ({CLOSE_ID}, 2020): median {t_ms:.1f} ms over 30 runs, "
        f"{len(res.villages)} village(s) affected ({row['name']}: {row['old_distance_km']:.1f} -> "
        f"{row['new_distance_km']:.1f} km, new nearest {row['new_service_name']}); "
        f"recompute from scratch {t_full:.0f} ms -> {t_full / t_ms:.0f}x"
    )
    return t_ms


# --------------------------------------------------------------------------------------------- (d)


def synthetic_graph() -> RoadGraph:
    """A 1000 x 1000 grid (100 m spacing, lengths x 1-1.5) plus random diagonals up to 2,500,000 edges."""
    rng = np.random.default_rng(3)
    n = GRID_SIDE
    ids = np.arange(n * n, dtype=np.int64)
    r, c = np.divmod(ids, n)
    right = ids[c < n - 1]
    down = ids[r < n - 1]
    u = np.concatenate([right, down])
    v = np.concatenate([right + 1, down + n])
    diag_from = ids[(c < n - 1) & (r < n - 1)]
    extra = rng.choice(diag_from, N_EDGES - len(u), replace=False)
    u = np.concatenate([u, extra])
    v = np.concatenate([v, extra + n + 1])
    base = np.where(v - u == n + 1, 100.0 * np.sqrt(2), 100.0)
    nodes = pd.DataFrame({"node_id": ids, "x": c * 100.0, "y": r * 100.0})
    edges = pd.DataFrame({"u": u, "v": v, "length_m": base * rng.uniform(1.0, 1.5, len(u))})
    return RoadGraph.from_frames(nodes, edges)


def bench_graph() -> float:
    t0 = time.perf_counter()
    g = synthetic_graph()
    t_build = time.perf_counter() - t0
    sources = np.random.default_rng(4).choice(g.n_nodes, N_SOURCES, replace=False)
    t_multi = best_of(lambda: g.nearest_source(sources), repeat=2)
    cost, _ = g.nearest_source(sources)
    t0 = time.perf_counter()
    singles = [dijkstra(g.length_km, directed=False, indices=int(s)) for s in sources[:SINGLE_SOURCE_SAMPLE]]
    t_single = (time.perf_counter() - t0) / SINGLE_SOURCE_SAMPLE * N_SOURCES
    assert np.all(cost <= np.minimum.reduce(singles) + 1e-9)
    print(
        f"(d) multi-source Dijkstra, {g.n_nodes:,} nodes / {g.length_km.nnz:,} edges, {N_SOURCES:,} sources: "
        f"{t_multi:.2f} s (graph built in {t_build:.1f} s); one Dijkstra per source measured on "
        f"{SINGLE_SOURCE_SAMPLE} sources and scaled x{N_SOURCES // SINGLE_SOURCE_SAMPLE} -> {t_single:.0f} s "
        f"-> {t_single / t_multi:.0f}x"
    )
    return t_multi


def main() -> int:
    if "--points-only" in sys.argv:
        print(json.dumps(points_tree_run()))
        return 0
    print(
        f"bench access - {time.strftime('%Y-%m-%d')} - {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    data = load_data()
    national_s, _ = bench_national(data)
    points_s, speedup, peak_mb = bench_points()
    scenario_ms = bench_scenario(data)
    graph_s = bench_graph()
    targets = [
        ("(a) national < 1 s", national_s < 1.0),
        ("(b) points < 5 s", points_s < 5.0),
        ("(b) speedup >= 50x", speedup >= 50),
        ("(b) peak < 1.5 GB", peak_mb < 1536),
        ("(c) scenario < 50 ms", scenario_ms < 50),
        ("(d) graph < 10 s", graph_s < 10.0),
    ]
    print("targets: " + "; ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in targets))
    print(
        f"bench access: national_s={national_s:.3f} points_s={points_s:.3f} speedup={speedup:.0f} "
        f"scenario_ms={scenario_ms:.1f} graph_s={graph_s:.2f} peak_mb={peak_mb:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
