"""Offline build: data/seed (+ data/raw when present) -> validated data/processed/*.parquet, in an order derived from INPUTS."""

from __future__ import annotations

import graphlib
import sys
import time
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import TextIO

import pandas as pd

from etl import datasets as builders_pkg
from etl import raw
from etl.datasets import Inputs
from etl.lock import data_lock
from etl.validate import REFERENCES, ValidationError, check_dataset
from servicekartan import catalog, paths
from servicekartan.catalog import DatasetError, Provenance


class BuildOrderError(ValueError):
    """The declared INPUTS do not form a buildable order: a cycle, or an input no builder produces."""


def build_order(deps: Mapping[str, Iterable[str]], wanted: Iterable[str] | None = None) -> list[str]:
    """Datasets in an order where each comes after its inputs; `wanted` (default all) plus everything it needs.

    `deps` maps each dataset to the datasets it reads. Ties are broken by name, so the order is stable.
    Raises BuildOrderError naming the missing input (and who needs it) or the datasets of a cycle.
    """
    deps = {n: tuple(d) for n, d in deps.items()}
    todo = list(wanted if wanted is not None else deps)
    needed: set[str] = set()
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        if name not in deps:
            who = sorted(n for n, d in deps.items() if name in d)
            by = f" (an input of {', '.join(who)})" if who else ""
            raise BuildOrderError(f"no builder produces dataset {name!r}{by}: add etl/datasets/{name}.py or fix INPUTS")
        needed.add(name)
        todo.extend(deps[name])
    sorter = graphlib.TopologicalSorter({n: deps[n] for n in needed})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        raise BuildOrderError("dataset inputs form a cycle: " + " -> ".join(cycle)) from exc
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return order


def _graph(modules: Mapping[str, ModuleType]) -> dict[str, tuple[str, ...]]:
    """Builder INPUTS, plus (ordering only) the datasets each is validated against when both are built."""
    deps = {n: tuple(m.INPUTS) for n, m in modules.items()}
    for name, refs in REFERENCES.items():
        if name in deps:
            deps[name] = (*deps[name], *(r for r in refs if r in deps and r not in deps[name]))
    return deps


class BuildFailed(DatasetError):
    """A builder raised, or the new version could not be written (e.g. a full disk); data/processed is unchanged."""


def build(
    names: Iterable[str] | None = None, out: TextIO = sys.stderr, *, wait: float | None = None
) -> dict[str, bool]:
    """Build the named datasets (default: all) and what they need, validate, then swap data/processed whole.

    Holds the data directory's lock (etl.lock; `wait` seconds at most for another writer). Every dataset
    is built and validated in memory first; the changed ones are written into a fresh version folder that
    replaces data/processed with one rename (catalog.Transaction), so a failure, a kill or a full disk
    leaves data/processed exactly as it was. An output whose data no longer match their stored content
    hash (or is unreadable) counts as changed and is rewritten from its inputs.
    Returns {dataset: written?} (False: the file already held exactly this). Raises on failure.
    """
    with data_lock("build", wait=wait, out=out):
        return _build(names, out)


def _build(names: Iterable[str] | None, out: TextIO) -> dict[str, bool]:
    raw.recover(out)
    modules = builders_pkg.builders()
    deps = _graph(modules)
    order = build_order(deps, names)
    tx = catalog.Transaction()
    frames: dict[str, pd.DataFrame] = {}
    provenance: dict[str, Provenance] = {}
    written: dict[str, bool] = {}
    t_all = time.perf_counter()
    for i, name in enumerate(order, 1):
        t0 = time.perf_counter()
        print(f"[{i}/{len(order)}] {name} …", end="", file=out, flush=True)
        module = modules[name]
        inputs = Inputs({n: frames[n] for n in module.INPUTS}, {n: provenance[n] for n in module.INPUTS})
        try:
            ds = module.build(inputs)
            errors = check_dataset(ds.name, ds.frame, frames)
            if errors:
                raise ValidationError("; ".join(errors))
            written[ds.name] = tx.write(ds)
        except (ValidationError, DatasetError):
            print(" FAILED", file=out)
            raise
        except Exception as exc:  # a builder's bug or unexpected input: one line naming the dataset, no traceback
            print(" FAILED", file=out)
            raise BuildFailed(f"building {name!r} failed: {type(exc).__name__}: {exc}") from exc
        frames[ds.name], provenance[ds.name] = ds.frame, ds.provenance
        state = "written" if written[ds.name] else "unchanged"
        print(f" {len(ds.frame):,} rows, {state} ({time.perf_counter() - t0:.1f} s)", file=out, flush=True)
    try:
        tx.commit()
    except OSError as exc:
        raise BuildFailed(f"could not write the new data/processed ({exc}); the previous one is unchanged") from exc
    print(f"build done in {time.perf_counter() - t_all:.1f} s -> {paths.processed_dir()}", file=out)
    return written


_CURRENT: dict[tuple, bool] = {}


def _current(name: str) -> bool:
    """The dataset's file exists and is not from a build without verifiable hashes (footer only; cached per version).

    A damaged file counts as present: the app names it (DatasetCorrupt) and `python -m etl build` rebuilds it."""
    p = catalog.dataset_path(name)
    try:
        st = p.stat()
    except OSError:
        return False
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _CURRENT:
        try:
            _CURRENT[key] = catalog.read_metadata(name, p).get("hash_scheme") == catalog.HASH_SCHEME
        except DatasetError:
            _CURRENT[key] = True
    return _CURRENT[key]


def missing() -> list[str]:
    """The datasets a full build writes that data/processed lacks (or holds from a build without verifiable hashes)."""
    return [n for n in builders_pkg.builder_names() if not _current(n)]


def ensure_built(out: TextIO | None = None, wait: float | None = None) -> bool:
    """Build if any dataset is missing (the app calls this on start); True when it built.

    `wait`: seconds to wait for another fetch/build holding the data folder (default etl.lock.default_wait())."""
    if not missing():
        return False
    build(out=out or sys.stderr, wait=wait)
    return True
