"""Offline build: data/seed (+ data/raw when present) -> validated data/processed/*.parquet."""

from __future__ import annotations

import importlib
import sys
import time
from typing import TextIO

import pandas as pd

from etl.validate import ValidationError, check_dataset
from servicekartan import catalog, paths

# Build order: each step may read the datasets written before it through the catalog.
STEPS: tuple[str, ...] = (
    "regions",
    "villages",
    "population",
    "servicepoints",
    "services",
    "village_access",
    "indicators",
)


def build(steps: tuple[str, ...] = STEPS, out: TextIO = sys.stderr) -> dict[str, bool]:
    """Run every step, validate, write atomically; returns {dataset: written?}. Raises on failure."""
    paths.processed_dir().mkdir(parents=True, exist_ok=True)
    frames: dict[str, pd.DataFrame] = {}
    written: dict[str, bool] = {}
    t_all = time.perf_counter()
    for i, name in enumerate(steps, 1):
        t0 = time.perf_counter()
        print(f"[{i}/{len(steps)}] {name} …", end="", file=out, flush=True)
        module = importlib.import_module(f"etl.steps.{name}")
        ds = module.build()
        errors = check_dataset(ds.name, ds.frame, frames)
        if errors:
            print(" FAILED", file=out)
            raise ValidationError("; ".join(errors))
        frames[ds.name] = ds.frame
        written[ds.name] = catalog.write(ds)
        state = "written" if written[ds.name] else "unchanged"
        print(f" {len(ds.frame):,} rows, {state} ({time.perf_counter() - t0:.1f} s)", file=out, flush=True)
    print(f"build done in {time.perf_counter() - t_all:.1f} s -> {paths.processed_dir()}", file=out)
    return written


def ensure_built() -> None:
    """Build if any dataset is missing (used by the app on first start)."""
    if not all(catalog.exists(s) for s in STEPS):
        build()
