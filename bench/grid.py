"""Benchmark of national grid access -> timings and a ratio against a brute-force baseline measured in the same run.

    .venv/bin/python bench/grid.py

(a) grid access: every populated 1 km square of SCB's 2024 grid x every service type (nearest service,
    straight line, road estimate, minutes: the `grid_access` rows of 2024) with the access engine
    (cKDTree per type, 1 worker; also shown with 2 workers) vs brute-force numpy (all square-service
    pairs per type, chunked), and the results compared;
(b) the area aggregates of those rows (people and share within/beyond 7 km and 2 minute thresholds, 3
    population bases, 290 kommuner + 21 län + Sverige).
The last line is machine-readable:
    bench grid: grid_s=<s> grid2_s=<s> near_s=<s> agg_s=<s> brute_s=<s> speedup=<x> squares=<n> types=<n>
grid_s is the whole `grid_access` table for 2024 (search + rows); near_s the KD-tree search alone.
"""

from __future__ import annotations

import io
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.datasets import grid_indicators, grid_population  # noqa: E402
from servicekartan import catalog, grid  # noqa: E402
from servicekartan.access import AccessModel  # noqa: E402
from servicekartan.definitions import SERVICE_TYPE_IDS  # noqa: E402

YEAR = 2024


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def load_data() -> dict[str, pd.DataFrame]:
    """Base datasets (built into a temp folder when none is built) + the 2024 grid squares."""
    names = ("regions", "villages", "population", "services")
    if not all(catalog.exists(n) for n in names):
        tmp = tempfile.mkdtemp(prefix="servicekartan-bench-")
        os.environ["SERVICEKARTAN_DATA_DIR"] = tmp
        from etl.build import build

        build(out=io.StringIO())
    f = {n: catalog.read(n) for n in names}
    gp = grid_population.build({k: f[k] for k in grid_population.INPUTS}).frame
    f["cells"] = gp[gp["year"] == YEAR].reset_index(drop=True)
    return f


def brute(cells: pd.DataFrame, services: pd.DataFrame, chunk: int = 2000) -> dict[str, np.ndarray]:
    """Nearest straight-line distance (km) per square and type: all pairs, no index."""
    cxy = cells[["x", "y"]].to_numpy(float)
    out = {}
    for stype in SERVICE_TYPE_IDS:
        sxy = services.loc[services["service_type"] == stype, ["x", "y"]].to_numpy(float)
        d = np.full(len(cxy), np.nan)
        if len(sxy):
            for i in range(0, len(cxy), chunk):
                c = cxy[i : i + chunk]
                d2 = (c[:, 0:1] - sxy[None, :, 0]) ** 2 + (c[:, 1:2] - sxy[None, :, 1]) ** 2
                d[i : i + chunk] = np.sqrt(d2.min(axis=1)) / 1000.0
        out[stype] = d
    return out


def main() -> int:
    print(
        f"bench grid - {time.strftime('%Y-%m-%d')} - {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    f = load_data()
    cells, services = f["cells"], f["services"]
    n, k = len(cells), len(SERVICE_TYPE_IDS)
    if services["opened"].notna().any() or services["closed"].notna().any():
        services = services[
            (services["opened"].fillna(-1) <= YEAR) & (services["closed"].fillna(YEAR + 1) > YEAR)
        ].reset_index(drop=True)

    grid_s = best_of(lambda: grid.grid_access(cells, services, YEAR))
    grid2_s = best_of(lambda: grid.grid_access(cells, services, YEAR, workers=2))

    def nearest_only() -> None:  # the engine's search alone (KD-tree per type), without building the rows
        sq = cells.rename(columns={"cell_id": "village_id"})
        model = AccessModel(sq, services, kinds=None)
        for stype in SERVICE_TYPE_IDS:
            model.state(YEAR, stype)

    near_s = best_of(nearest_only)
    table = grid.grid_access(cells, services, YEAR)
    arrays = grid.access_arrays(table, cells["cell_id"].to_numpy(object))
    weights = grid_indicators.weights(cells)
    codes = cells["municipality_code"].to_numpy(object)
    agg_s = best_of(lambda: grid.area_aggregates(codes, weights, arrays, YEAR))
    agg = grid.area_aggregates(codes, weights, arrays, YEAR)

    t0 = time.perf_counter()
    ref = brute(cells, services)
    brute_s = time.perf_counter() - t0
    for stype, d in ref.items():
        got = arrays[stype]["distance_km"]
        assert np.array_equal(np.isnan(got), np.isnan(d)), stype
        assert np.allclose(got, grid.round_up(d, 0.001), equal_nan=True, atol=1e-9), f"{stype} differs from brute force"
    nat = agg[(agg["area_code"] == "00") & (agg["basis"] == "all") & (agg["unit"] == "km") & (agg["threshold"] == 2)]
    groc = nat.loc[nat["service_type"] == "grocery", "share_within"].iloc[0]
    print(
        f"(a) grid access {YEAR}: {n:,} squares x {k} types = {len(table):,} rows: {grid_s:.3f} s "
        f"(2 workers {grid2_s:.3f} s), of which the nearest-service search {near_s:.3f} s; brute force "
        f"{brute_s:.2f} s -> {brute_s / grid_s:.1f}x the rows, {brute_s / near_s:.1f}x the search; distances equal"
    )
    print(
        f"(b) area aggregates: {len(agg):,} rows ({len(weights)} bases, {len(grid.GRID_THRESHOLDS_KM)} km + "
        f"{len(grid.GRID_THRESHOLDS_MIN)} min thresholds, 312 areas): {agg_s:.3f} s; Sverige within 2 km of grocery "
        f"(whole population, modelled layer): {groc:.1f} %"
    )
    print("targets: " + f"(a) national grid access < 1 s {'met' if grid_s < 1.0 else 'MISSED'}")
    print(
        f"bench grid: grid_s={grid_s:.3f} grid2_s={grid2_s:.3f} near_s={near_s:.3f} agg_s={agg_s:.3f} brute_s={brute_s:.2f} "
        f"speedup={brute_s / grid_s:.0f} squares={n} types={k}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
