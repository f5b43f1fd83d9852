"""Benchmark of an own-data session layer -> seconds to recompute every derived dataset, against the build's way of
making the same datasets (every service type) measured in the same run.

    .venv/bin/python bench/own_data.py

The session layer (servicekartan.ui.own_layer) recomputes, for the types of the uploaded register only:
the merged service layer, village_access (all types: 2,017 tätorter, cheap), the access indicators,
grid_access (every populated square of 2021 and 2024 x the uploaded types) and grid_indicators. The baseline
recomputes grid_access and grid_indicators for every type, as `etl build` does. Uses data/processed.
The last line is machine-readable:
    bench own_data: validate_s=<s> session_s=<s> full_s=<s> ratio=<full/session> types=<n> points=<n>
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from servicekartan import catalog, layer_derive, own_data  # noqa: E402

FILE = REPO / "tests" / "fixtures" / "handmade" / "own_grocery_kalmar.csv"


def main() -> None:
    frames = {
        n: catalog.read(n)
        for n in (
            "services",
            "villages",
            "population",
            "indicators",
            "grid_population",
            "grid_access",
            "grid_indicators",
        )
    }
    t0 = time.perf_counter()
    result = own_data.validate(FILE.read_bytes(), FILE.name, source="bench")
    validate_s = time.perf_counter() - t0
    types = sorted(result.points["service_type"].unique())

    t0 = time.perf_counter()
    services = own_data.merge(frames["services"], result.points, dict.fromkeys(types, own_data.REPLACE))
    va = layer_derive.village_access(frames["villages"], services)
    layer_derive.indicators_with_access(frames["indicators"], va, frames["villages"], frames["population"])
    new_ga = layer_derive.grid_access(frames["grid_population"], services, types=types)
    layer_derive.with_types(frames["grid_access"], new_ga, types)
    new_gi = layer_derive.grid_indicators(frames["grid_population"], new_ga, types)
    layer_derive.with_types(frames["grid_indicators"], new_gi, types)
    session_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    full_ga = layer_derive.grid_access(frames["grid_population"], services)
    layer_derive.grid_indicators(frames["grid_population"], full_ga)
    full_s = time.perf_counter() - t0

    print(f"validate {len(result.points)} points: {validate_s:.3f} s (first call loads the kommun polygons)")
    print(f"session layer ({', '.join(types)}): {session_s:.2f} s; build way (all types, grid only): {full_s:.2f} s")
    print(
        f"bench own_data: validate_s={validate_s:.3f} session_s={session_s:.2f} full_s={full_s:.2f} "
        f"ratio={full_s / session_s:.1f} types={len(types)} points={len(result.points)}"
    )


if __name__ == "__main__":
    main()
