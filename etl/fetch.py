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


How a run stays bounded (issue 17): every request has a total deadline (`--timeout`: connect + all reads), every
source a time budget (`--source-budget`) and a size cap per answer (`--max-mb`, decoded bytes; gzip bombs
refused); a source is given up after `--max-failures` consecutive transport failures (refused, unreachable, timed
out, cut off) or after a unit failed for a reason that would fail the next one too (retries used up, HTML error
page), so with no network the whole fetch ends in seconds with one line per source. A unit that failed for a
reason a rerun would not fix (size cap, pagination loop, schema drift …) leaves nothing in staging either.
"""

from __future__ import annotations

import argparse
import shutil
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
from etl.raw import RawStore, _prune_empty, recover, staging_dir
from etl.sources import endpoints
from etl.sources.http import (
    RETRY_STATUSES,
    Clock,
    HtmlErrorPage,
    HttpStatusError,
    Session,
    SourceDown,
    SystemClock,
    TransientError,
)
from etl.sources.overpass import LAN_ISO, QUERY_TIMEOUT
from etl.validate import ValidationError
from servicekartan import paths
from servicekartan.catalog import DatasetError

__all__ = ["FetchRun", "Limits", "Options", "UnitResult", "add_arguments", "main", "run_fetch"]

# what messages call each source
SOURCE_NAMES = {"scb": "SCB", "kolada": "Kolada", "osm": "Overpass"}
MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Deadlines and caps of one source's session (seconds, bytes); `--timeout` etc. override them for every source."""

    deadline: float = 300.0  # one whole request: connect + every read
    budget: float = 3600.0  # the whole source in one run (0 = none)
    max_bytes: int = 64 * MB  # one answer, decoded (real answers are a few MB; parsing 64 MB of JSON stays < 500 MB)
    max_failures: int = 3  # consecutive transport failures before the source is given up
    retries: int | None = None  # None: the fetcher's own (session default 4)
    backoff: float | None = None  # None: the fetcher's own (SCB/Kolada 2 s, Overpass 15 s)


# per-source defaults: Overpass queries may run QUERY_TIMEOUT s each, 21 of them
SOURCE_LIMITS: dict[str, Limits] = {
    "scb": Limits(deadline=300.0, budget=3600.0, max_bytes=64 * MB),
    "kolada": Limits(deadline=300.0, budget=3600.0, max_bytes=64 * MB),
    "osm": Limits(deadline=QUERY_TIMEOUT + 60.0, budget=3 * 3600.0, max_bytes=64 * MB),
}


def limits_for(source: str, override: dict | None = None) -> Limits:
    """The source's limits with the command line's overrides (keys of `Limits`, None = keep the default)."""
    base = SOURCE_LIMITS.get(source, Limits())
    changes = {k: v for k, v in (override or {}).items() if v is not None}
    return Limits(**{**base.__dict__, **changes})


def make_session(spec: Fetcher, limits: Limits, clock: Clock, on_event) -> Session:
    kw = dict(spec.session)
    if limits.retries is not None:
        kw["retries"] = limits.retries
    if limits.backoff is not None:
        kw["backoff"] = limits.backoff
        kw["max_backoff"] = max(limits.backoff, min(kw.get("max_backoff", 60.0), limits.backoff * 16))
        kw["transport_backoff"] = min(1.0, limits.backoff)
    return Session(
        clock=clock,
        on_event=on_event,
        name=SOURCE_NAMES.get(spec.source, spec.source),
        deadline=limits.deadline or None,
        budget=limits.budget or None,
        max_bytes=limits.max_bytes or None,
        max_failures=limits.max_failures,
        **kw,
    )


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out and len(out) < 20:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


UNITS_FAILING_IN_A_ROW = 2  # units of a source failing in a row after all retries (5xx, 429 …) stop the source


def stops_source(exc: BaseException, session: Session, in_a_row: int = UNITS_FAILING_IN_A_ROW) -> str | None:
    """Why a unit's failure stops its source for this run (the next unit would fail the same way), else None.

    At once: the source is down (transport failures, time budget) or sends HTML error pages; after `in_a_row`
    units in a row that used up their retries on error statuses: keeps failing."""
    chain = _chain(exc)
    down = session.down or next((e for e in chain if isinstance(e, SourceDown)), None)
    if down is not None:
        return str(down)
    for e in chain:
        if isinstance(e, HtmlErrorPage):
            return str(e)
        if in_a_row >= UNITS_FAILING_IN_A_ROW and isinstance(e, TransientError):
            return f"{session.label} keeps failing ({e.kind}; {in_a_row} units in a row): {e}"
        if in_a_row >= UNITS_FAILING_IN_A_ROW and isinstance(e, HttpStatusError) and e.status in RETRY_STATUSES:
            return f"{session.label} keeps answering HTTP {e.status} ({in_a_row} units in a row): {e}"
    return None


def is_transient(exc: BaseException) -> bool:
    """A failure a later rerun may not meet (staged answers are kept for it to resume)."""
    for e in _chain(exc):
        if isinstance(e, TransientError):
            return True
        if isinstance(e, HttpStatusError) and e.status in RETRY_STATUSES:
            return True
    return False


def discard_staging(store: RawStore) -> None:
    """Drop what a failed unit staged (a page of a failed run is never reused)."""
    shutil.rmtree(store.stage, ignore_errors=True)
    _prune_empty(store.stage.parent, staging_dir())


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
    stopped: dict[str, str] = field(default_factory=dict)  # source -> why its remaining units were skipped

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
    limits: dict | None = None,
) -> FetchRun:
    """Fetch every unit of the chosen sources (or only the named fetchers); failures are reported, never raised (unless debug).

    Holds the data directory's lock (etl.lock; raises DataLocked after `wait` seconds).
    `limits`: overrides of `Limits` fields for every source (from the command line), e.g. {"deadline": 5}.
    """
    out = out or sys.stderr
    with data_lock("fetch", wait=wait, out=out):
        recover(out)
        return _run_fetch(sources, options, steps=steps, out=out, clock=clock, debug=debug, limits=limits)


def _run_fetch(
    sources: Iterable[str] | None,
    options: Options | None,
    *,
    steps: Iterable[str] | None,
    out: TextIO,
    clock: Clock | None,
    debug: bool,
    limits: dict | None,
) -> FetchRun:
    options = options or Options()
    clock = clock or SystemClock()
    units = plan_units(list(sources or SOURCES), options)
    if steps is not None:
        wanted = set(steps)
        units = [u for u in units if u[0].name in wanted]
    progress = Progress(out, len(units), clock.monotonic)
    sessions: dict[str, Session] = {}
    stopped: dict[str, str] = {}  # source -> why its other units are skipped this run
    failing: dict[str, int] = {}  # source -> units failed in a row on transient causes
    run = FetchRun()
    for spec, unit in units:
        source = spec.source
        if source in stopped:
            run.results.append(UnitResult(source, spec.name, unit, "FAILED", message=f"skipped: {stopped[source]}"))
            continue
        session = sessions.get(source)
        if session is None:
            session = sessions[source] = make_session(spec, limits_for(source, limits), clock, progress.note)
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
            failing[source] = 0
        except Exception as exc:  # a failed unit never stops the others; the summary says what failed
            store.abort()  # never keep a page of a failed run
            if debug:
                raise
            result.status = "FAILED"
            result.message = f"{type(exc).__name__}: {exc}"
            failing[source] = failing.get(source, 0) + 1 if is_transient(exc) else 0
            why = stops_source(exc, session, failing[source])
            if why is not None:
                stopped[source] = why
            if not is_transient(exc):
                discard_staging(store)
        result.requests, result.reused, result.nbytes = ctx.requests, ctx.reused, ctx.nbytes
        result.seconds = clock.monotonic() - t0
        progress.finish(result.status if result.ok else f"FAILED: {result.message}")
        run.results.append(result)
    run.stopped = stopped
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
    print("\nSources:", file=out)
    for line in source_lines(run):
        print(f"  {line}", file=out)


def source_lines(run: FetchRun) -> list[str]:
    """One line per source: ok with its unit count, or FAILED with the first reason (and how many units failed)."""
    lines = []
    by_source: dict[str, list[UnitResult]] = {}
    for r in run.results:
        by_source.setdefault(r.source, []).append(r)
    for source, results in by_source.items():
        failed = [r for r in results if not r.ok]
        if not failed:
            lines.append(f"{source}: ok ({len(results)} unit{'s' if len(results) != 1 else ''})")
            continue
        why = run.stopped.get(source) or failed[0].message
        lines.append(f"{source}: FAILED ({len(failed)} of {len(results)} units): {short(why, 400)}")
    return lines


def short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


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
    p.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="total time for one request: connect + the whole answer (default 300; Overpass 240)",
    )
    p.add_argument(
        "--source-budget",
        type=float,
        metavar="SECONDS",
        help="time budget of each source in this run; the source stops when used up (default 3600; Overpass 10800; 0 = none)",
    )
    p.add_argument(
        "--max-mb",
        type=float,
        metavar="MB",
        help="size cap of one answer in MB, counted after decompression (default 64)",
    )
    p.add_argument(
        "--max-failures",
        type=int,
        metavar="N",
        help="give a source up after N consecutive transport failures (refused, timed out, cut off; default 3)",
    )
    p.add_argument("--retries", type=int, metavar="N", help="retries of a failed request (default 4)")
    p.add_argument(
        "--backoff", type=float, metavar="SECONDS", help="first retry wait, doubled each retry (default 2; Overpass 15)"
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
    for name in ("timeout", "source_budget", "max_mb", "max_failures", "retries", "backoff"):
        value = getattr(args, name, None)
        if value is not None and value < 0:
            print(f"--{name.replace('_', '-')} must be >= 0, not {value}", file=out)
            return 2
    limits = {
        "deadline": args.timeout,
        "budget": args.source_budget,
        "max_bytes": int(args.max_mb * MB) if args.max_mb is not None else None,
        "max_failures": args.max_failures,
        "retries": args.retries,
        "backoff": args.backoff,
    }
    moved = {k: v for k, v in endpoints.current().items() if v != endpoints.DEFAULTS[k]}
    if moved:
        print("endpoints from the environment: " + ", ".join(f"{k}={v}" for k, v in moved.items()), file=out)
    try:
        with data_lock("fetch", wait=args.wait, out=out):  # held through --build too
            run = run_fetch(args.source, options, out=out, debug=args.debug, limits=limits)
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
