"""`python -m etl fetch`: run the online fetchers (etl/fetchers/) unit by unit into data/raw/, resumable.

How a run keeps the last good data (see etl/raw.py for the store):

- every response is staged with a lock file; only a unit whose every request succeeded is committed to
  data/raw/; a failed unit leaves `data/raw/` and `data/processed/` untouched;
- a rerun skips every request whose lock says complete (staged by a failed run, or committed) and is
  younger than `--max-age-days`, checking the body against the lock's sha256 — so it resumes instead of
  starting over; `--refresh` downloads everything again; pages of a paginated chain are never kept from a
  failed run (a bad chain is fetched whole again, never replayed);
- one fetch or build at a time per data folder (etl/lock.py): a second waits up to `--wait` seconds, then
  exits 3 naming the holder; a commit killed half-way is finished or rolled back when the next run starts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

import pandas as pd

from etl.build import BuildOrderError, build
from etl.fetchers import FETCHERS, SOURCES, Fetcher
from etl.fetchers.spec import FetchContext, Options
from etl.lock import EXIT_LOCKED, DataLocked, data_lock
from etl.progress import Progress, fmt_bytes, fmt_duration
from etl.raw import RawStore, recover
from etl.sources.http import Clock, Session, SystemClock, TransientError
from etl.sources.overpass import LAN_ISO
from etl.validate import ValidationError
from servicekartan import paths
from servicekartan.catalog import DatasetError

__all__ = ["FetchRun", "Options", "UnitResult", "add_arguments", "main", "run_fetch"]


@dataclass
class UnitResult:
    source: str
    step: str
    unit: str
    status: str = "ok"
    requests: int = 0
    reused: int = 0
    nbytes: int = 0
    seconds: float = 0.0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class FetchRun:
    results: list[UnitResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def plan_units(sources: Iterable[str], options: Options) -> list[tuple[Fetcher, str]]:
    """(fetcher, unit) of every unit of the chosen sources, in registry order."""
    wanted = set(sources)
    return [(f, unit) for f in FETCHERS if f.source in wanted for unit in f.units(options)]


def run_fetch(
    sources: Iterable[str] | None = None,
    options: Options | None = None,
    *,
    steps: Iterable[str] | None = None,
    out: TextIO | None = None,
    clock: Clock | None = None,
    debug: bool = False,
    wait: float | None = None,
) -> FetchRun:
    """Fetch every unit of the chosen sources (or only the named fetchers); failures are reported, never raised (unless debug).

    Holds the data directory's lock (etl.lock; raises DataLocked after `wait` seconds)."""
    out = out or sys.stderr
    with data_lock("fetch", wait=wait, out=out):
        recover(out)
        return _run_fetch(sources, options, steps=steps, out=out, clock=clock, debug=debug)


def _run_fetch(
    sources: Iterable[str] | None,
    options: Options | None,
    *,
    steps: Iterable[str] | None,
    out: TextIO,
    clock: Clock | None,
    debug: bool,
) -> FetchRun:
    options = options or Options()
    clock = clock or SystemClock()
    units = plan_units(list(sources or SOURCES), options)
    if steps is not None:
        wanted = set(steps)
        units = [u for u in units if u[0].name in wanted]
    progress = Progress(out, len(units), clock.monotonic)
    sessions: dict[str, Session] = {}
    unreachable: dict[str, str] = {}  # source -> why (no connection at all: skip its other units)
    run = FetchRun()
    for spec, unit in units:
        source = spec.source
        if source in unreachable:
            run.results.append(UnitResult(source, spec.name, unit, "FAILED", message=f"skipped: {unreachable[source]}"))
            continue
        session = sessions.get(source)
        if session is None:
            session = sessions[source] = Session(clock=clock, on_event=progress.note, **spec.session)
        store = RawStore(
            spec.source, spec.dataset, unit, licence=spec.licence, attribution=spec.attribution, clock=clock
        )
        ctx = FetchContext(store, session, progress, options)
        result = UnitResult(source, spec.name, unit)
        t0 = clock.monotonic()
        progress.start(f"{spec.name} {unit}")
        try:
            spec.fetch(ctx, unit)
            store.commit({"source": spec.source, "dataset": spec.dataset, "unit": unit, "step": spec.name})
        except Exception as exc:  # a failed unit never stops the others; the summary says what failed
            store.abort()  # never keep a page of a failed run
            if debug:
                raise
            result.status = "FAILED"
            result.message = f"{type(exc).__name__}: {exc}"
            cause = exc if isinstance(exc, TransientError) else exc.__cause__ or exc.__context__
            if isinstance(cause, TransientError) and cause.kind == "connection" and ctx.requests == 0:
                unreachable[source] = f"{source} unreachable ({cause.url or 'no connection'}); check the network"
        result.requests, result.reused, result.nbytes = ctx.requests, ctx.reused, ctx.nbytes
        result.seconds = clock.monotonic() - t0
        progress.finish(result.status if result.ok else f"FAILED: {result.message}")
        run.results.append(result)
    print_summary(run, out)
    return run


def summary_frame(run: FetchRun) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "source": r.source,
                "step": r.step,
                "unit": r.unit,
                "status": r.status,
                "requests": r.requests,
                "reused": r.reused,
                "downloaded": fmt_bytes(r.nbytes),
                "time": fmt_duration(r.seconds),
                "message": r.message[:160],
            }
            for r in run.results
        ],
        columns=["source", "step", "unit", "status", "requests", "reused", "downloaded", "time", "message"],
    )


def print_summary(run: FetchRun, out: TextIO) -> None:
    df = summary_frame(run)
    print("\nFetch summary", file=out)
    if df.empty:
        print("  nothing to fetch", file=out)
        return
    print(df.to_string(index=False), file=out)
    failed = [r for r in run.results if not r.ok]
    if failed:
        print(
            f"\n{len(failed)} of {len(run.results)} units FAILED; data/raw/ keeps their last good data. "
            "Rerun the same command to resume.",
            file=out,
        )
    else:
        print(f"\nall {len(run.results)} units ok -> {paths.raw_dir()}; now run: python -m etl build", file=out)


# ---------------------------------------------------------------------------------------------- CLI


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", choices=sorted(SOURCES), action="append", help="fetch only this source (repeatable)")
    p.add_argument(
        "--county", metavar="LAN", help="only this län (2-digit code, e.g. 08): OSM per län, SCB/Kolada filtered"
    )
    p.add_argument("--since", type=int, metavar="YEAR", help="only years from YEAR on (SCB, Kolada)")
    p.add_argument("--refresh", action="store_true", help="download again even what a lock file says is complete")
    p.add_argument(
        "--max-age-days",
        type=float,
        metavar="DAYS",
        default=1.0,
        help="reuse complete responses (staged or committed) younger than this many days (default 1; -1 = any age)",
    )
    p.add_argument("--build", action="store_true", help="run `etl build` afterwards when every unit succeeded")
    p.add_argument("--debug", action="store_true", help="stop with a traceback at the first failure")
    add_wait_argument(p)


def add_wait_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        default=None,
        help="wait at most this long for another fetch/build on the same data folder "
        "(default 600, or SERVICEKARTAN_LOCK_WAIT; 0 = exit at once with code 3)",
    )


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run `python -m etl fetch` with parsed arguments: 0 when every unit succeeded, 1 when any failed, 2 on bad options."""
    out = out or sys.stderr
    if args.county is not None and args.county not in LAN_ISO:
        print(f"--county must be one of the 21 län codes ({', '.join(LAN_ISO)}), not {args.county!r}", file=out)
        return 2
    options = Options(county=args.county, since=args.since, refresh=args.refresh, max_age_days=args.max_age_days)
    try:
        with data_lock("fetch", wait=args.wait, out=out):  # held through --build too
            run = run_fetch(args.source, options, out=out, debug=args.debug)
            if not run.ok:
                return 1
            if args.build:
                try:
                    build(out=out)
                except (ValidationError, DatasetError, BuildOrderError, OSError) as exc:
                    print(f"\nbuild failed: {exc}", file=out)
                    return 1
    except DataLocked as exc:
        print(f"fetch: {exc}", file=out)
        return EXIT_LOCKED
    except ValueError as exc:  # bad options caught while planning (e.g. an unknown län)
        print(f"fetch: {exc}", file=out)
        return 2
    return 0
