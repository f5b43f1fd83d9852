"""`python -m etl fetch`: online sources -> data/raw/<source>/<dataset>/<unit>/ responses with lock files, resumable.

How a run keeps the last good data:

- every response is written (atomically) into `data/staging/<source>/<dataset>/<unit>/` with a lock file
  `<name>.lock.json` (url, query, sha256, retrieved_at, licence …) written after the body;
- only when every request of a unit succeeded is the staged folder swapped into `data/raw/…/<unit>/`
  (with a `_unit.json` manifest); a failed unit leaves `data/raw/` and `data/processed/` untouched;
- a rerun skips every request whose lock says complete (staged by a failed run, or committed) and is
  younger than `--max-age-days`, checking the body against the lock's sha256 — so it resumes instead of
  starting over; `--refresh` downloads everything again.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import pandas as pd

from etl.sources.http import USER_AGENT, Clock, Fetched, Session, SystemClock, TransientError
from servicekartan import paths
from servicekartan.catalog import DatasetError, atomic_write_bytes

# source -> fetch steps (modules in etl/steps/), run in this order.
STEPS: dict[str, tuple[str, ...]] = {
    "scb": ("scb_population", "scb_tatorter"),
    "kolada": ("kolada_kpis",),
    "osm": ("osm_services",),
}
LOCK_SUFFIX = ".lock.json"
UNIT_MANIFEST = "_unit.json"


def staging_dir() -> Path:
    return paths.data_dir() / "staging"


def _now_iso(clock: Clock) -> str:
    return datetime.fromtimestamp(clock.wall(), UTC).replace(microsecond=0).isoformat()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60] or "response"


def request_key(method: str, url: str, params: Any = None, body: Any = None) -> str:
    """Stable identity of a request: sha256 over method, URL, params and body (canonical JSON)."""
    canon = json.dumps([method.upper(), url, params or {}, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------- raw store


@dataclass
class RawItem:
    """One committed response: its body file and lock."""

    path: Path
    lock: dict

    @property
    def content(self) -> bytes:
        return self.path.read_bytes()

    @property
    def payload(self) -> Any:
        return json.loads(self.content)

    @property
    def kind(self) -> str:
        return self.lock.get("kind", "data")

    @property
    def info(self) -> dict:
        return self.lock.get("info") or {}

    @property
    def retrieved(self) -> str:
        return self.lock.get("retrieved_at", "")


def _read_lock(path: Path) -> dict | None:
    try:
        lock = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return lock if isinstance(lock, dict) and lock.get("status") == "complete" else None


def _body_ok(body: Path, lock: dict) -> bool:
    try:
        return hashlib.sha256(body.read_bytes()).hexdigest() == lock.get("sha256")
    except OSError:
        return False


class RawStore:
    """The responses of one fetch unit: staged during the run, swapped into data/raw/ when all succeeded."""

    def __init__(
        self, source: str, dataset: str, unit: str, *, licence: str, attribution: str, clock: Clock | None = None
    ) -> None:
        self.source, self.dataset, self.unit = source, dataset, unit
        self.licence, self.attribution = licence, attribution
        self.clock = clock or SystemClock()
        self.final = paths.raw_dir() / source / dataset / unit
        self.stage = staging_dir() / source / dataset / unit
        self.used: list[str] = []  # body file names belonging to this run
        self.saved = 0  # responses downloaded (not reused) in this run

    def _find(self, directory: Path, key: str) -> tuple[Path, dict] | None:
        if not directory.is_dir():
            return None
        for lock_path in directory.glob(f"*--{key}{LOCK_SUFFIX}"):
            lock = _read_lock(lock_path)
            if lock is None:
                continue
            body = directory / lock["file"]
            if _body_ok(body, lock):
                return body, lock
        return None

    def _fresh(self, lock: dict, max_age_s: float | None) -> bool:
        if max_age_s is None:
            return True
        try:
            age = self.clock.wall() - datetime.fromisoformat(lock["retrieved_at"]).timestamp()
        except (KeyError, ValueError):
            return False
        return age <= max_age_s

    def lookup(self, key: str, max_age_s: float | None) -> tuple[bytes, dict] | None:
        """A complete earlier response to this request (staged by a failed run, or committed), if fresh enough."""
        hit = self._find(self.stage, key)
        if hit is not None and not self._fresh(hit[1], max_age_s):
            hit = None
        if hit is None:
            hit = self._find(self.final, key)
            if hit is not None and not self._fresh(hit[1], max_age_s):
                return None
            if hit is not None:  # carry the committed response into this run's set
                body, lock = hit
                atomic_write_bytes(self.stage / body.name, body.read_bytes())
                atomic_write_bytes(self.stage / (body.name[: -len(".json")] + LOCK_SUFFIX), _lock_bytes(lock))
        if hit is None:
            return None
        body, lock = hit
        self.used.append(body.name)
        return body.read_bytes(), lock

    def save(self, fetched: Fetched, key: str, slug: str, *, kind: str, query: dict, info: dict | None) -> RawItem:
        """Write the exact response bytes, then the lock file (the lock marks the response complete)."""
        name = f"{_slug(slug)}--{key}.json"
        body = self.stage / name
        atomic_write_bytes(body, fetched.content)
        lock = {
            "status": "complete",
            "source": self.source,
            "dataset": self.dataset,
            "unit": self.unit,
            "kind": kind,
            "key": key,
            "file": name,
            "method": fetched.method,
            "url": fetched.url,
            "query": query,
            "http_status": fetched.status,
            "content_type": fetched.content_type,
            "bytes": len(fetched.content),
            "sha256": hashlib.sha256(fetched.content).hexdigest(),
            "retrieved_at": _now_iso(self.clock),
            "licence": self.licence,
            "attribution": self.attribution,
            "client": USER_AGENT,
            "info": info or {},
        }
        atomic_write_bytes(self.stage / f"{_slug(slug)}--{key}{LOCK_SUFFIX}", _lock_bytes(lock))
        self.used.append(name)
        self.saved += 1
        return RawItem(body, lock)

    def commit(self, manifest: dict) -> None:
        """Swap the staged unit into data/raw/ (dropping staged files this run did not use).

        A run that only reused the committed responses leaves data/raw/ exactly as it was.
        """
        committed = self.final / UNIT_MANIFEST
        if self.saved == 0 and committed.exists():
            try:
                unchanged = json.loads(committed.read_text(encoding="utf-8")).get("files") == sorted(self.used)
            except (OSError, ValueError):
                unchanged = False
            if unchanged:
                shutil.rmtree(self.stage, ignore_errors=True)
                _prune_empty(self.stage.parent, staging_dir())
                return
        keep = set(self.used) | {n[: -len(".json")] + LOCK_SUFFIX for n in self.used}
        self.stage.mkdir(parents=True, exist_ok=True)
        for p in self.stage.iterdir():
            if p.name not in keep:
                p.unlink() if p.is_file() else shutil.rmtree(p)
        manifest = {**manifest, "files": sorted(self.used), "completed_at": _now_iso(self.clock)}
        atomic_write_bytes(self.stage / UNIT_MANIFEST, _lock_bytes(manifest))
        self.final.parent.mkdir(parents=True, exist_ok=True)
        trash = self.final.parent / f".{self.unit}.replaced-{os.getpid()}"
        if self.final.exists():
            os.replace(self.final, trash)
        os.replace(self.stage, self.final)
        shutil.rmtree(trash, ignore_errors=True)
        _prune_empty(self.stage.parent, staging_dir())


def _lock_bytes(d: dict) -> bytes:
    return (json.dumps(d, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n").encode()


def _prune_empty(path: Path, stop: Path) -> None:
    while path != stop and stop in path.parents:
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent
    with contextlib.suppress(OSError):
        stop.rmdir()


def read_raw(source: str, dataset: str) -> list[RawItem]:
    """Every committed response of a dataset (all units), oldest first; a body that fails its sha256 raises."""
    root = paths.raw_dir() / source / dataset
    if not root.is_dir():
        return []
    items: list[RawItem] = []
    for unit in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (unit / UNIT_MANIFEST).exists():
            continue
        for lock_path in sorted(unit.glob(f"*{LOCK_SUFFIX}")):
            lock = _read_lock(lock_path)
            if lock is None:
                continue
            body = unit / lock["file"]
            if not _body_ok(body, lock):
                raise DatasetError(
                    f"raw file {body} does not match the sha256 in its lock file; fetch it again with: "
                    f"python -m etl fetch --source {source} --refresh"
                )
            items.append(RawItem(body, lock))
    items.sort(key=lambda i: i.retrieved)
    return items


def unit_manifests(source: str, dataset: str) -> list[dict]:
    root = paths.raw_dir() / source / dataset
    out = []
    if root.is_dir():
        for m in sorted(root.glob(f"*/{UNIT_MANIFEST}")):
            try:
                out.append(json.loads(m.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
    return out


# ---------------------------------------------------------------------------------------------- progress


def _fmt_s(s: float) -> str:
    s = max(0, int(round(s)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


class Progress:
    """Counts, bytes and ETA on stderr: one line per update (redrawn in place on a terminal)."""

    def __init__(self, out: TextIO, units_total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self.units_total = units_total
        self.unit_no = 0
        self.clock = clock
        self.label = ""

    def start(self, label: str) -> None:
        self.unit_no += 1
        self.label = label
        self.total = self.done_n = self.reused = self.nbytes = 0
        self.t0 = self.clock()
        self.net_time = 0.0
        self._t_last = self.t0
        self._draw()

    def expect(self, n: int) -> None:
        self.total += n

    def done(self, nbytes: int = 0, reused: bool = False) -> None:
        now = self.clock()
        self.done_n += 1
        self.total = max(self.total, self.done_n)
        if reused:
            self.reused += 1
        else:
            self.nbytes += nbytes
            self.net_time += now - self._t_last
        self._t_last = now
        self._draw()

    def note(self, msg: str) -> None:
        self._end_line()
        print(f"    {msg}", file=self.out, flush=True)

    def eta(self) -> str:
        fetched = self.done_n - self.reused
        remaining = self.total - self.done_n
        if remaining <= 0:
            return "0:00"
        if fetched == 0:
            return "?"
        return _fmt_s(self.net_time / fetched * remaining)

    def line(self) -> str:
        reused = f", {self.reused} reused" if self.reused else ""
        return (
            f"[{self.unit_no}/{self.units_total}] {self.label}: {self.done_n}/{self.total or '?'} requests{reused} · "
            f"{_fmt_bytes(self.nbytes)} · {_fmt_s(self.clock() - self.t0)} · ETA {self.eta()}"
        )

    def _draw(self) -> None:
        if self.tty:
            print("\r" + self.line().ljust(100), end="", file=self.out, flush=True)
        else:
            print(self.line(), file=self.out, flush=True)

    def _end_line(self) -> None:
        if self.tty:
            print(file=self.out)

    def finish(self, status: str) -> None:
        self._end_line()
        if status != "ok":
            print(f"    {status}", file=self.out, flush=True)


# ---------------------------------------------------------------------------------------------- context + runner


def scope_unit(county: str | None, since: int | None, base: str = "all") -> str:
    """Unit folder name for a filtered fetch: 'all', 'county-08', 'since-2015', 'county-08-since-2015'."""
    parts = [] if (county or since) else [base]
    if county:
        parts.append(f"county-{county}")
    if since:
        parts.append(f"since-{int(since)}")
    return "-".join(parts)


def parse_scope(unit: str) -> tuple[str | None, int | None]:
    """Inverse of `scope_unit`: unit name -> (county, since)."""
    m_c = re.search(r"county-(\d{2})", unit)
    m_s = re.search(r"since-(\d{4})", unit)
    return (m_c.group(1) if m_c else None, int(m_s.group(1)) if m_s else None)


@dataclass
class Options:
    county: str | None = None
    since: int | None = None
    refresh: bool = False
    max_age_days: float = 1.0


class FetchContext:
    """What a step's `fetch(ctx, unit)` uses: the source's session, the raw store and progress."""

    def __init__(self, store: RawStore, session: Session, progress: Progress, options: Options) -> None:
        self.store = store
        self.session = session
        self.progress = progress
        self.options = options
        self.requests = 0
        self.reused = 0
        self.nbytes = 0

    def expect(self, n: int) -> None:
        self.progress.expect(n)

    def record(self, fetched: Fetched | None, slug: str, *, kind: str = "metadata", info: dict | None = None) -> None:
        """Keep a response that was already fetched (config, metadata) with the unit's raw files."""
        if fetched is None:
            return
        key = request_key(fetched.method, fetched.url, None, fetched.request_body)
        self.store.save(fetched, key, slug, kind=kind, query={"body": fetched.request_body}, info=info)
        self.requests += 1
        self.nbytes += len(fetched.content)

    def request(
        self,
        slug: str,
        method: str,
        url: str,
        run: Callable[[], Fetched],
        *,
        params: dict | None = None,
        body: Any = None,
        kind: str = "data",
        info: dict | None = None,
        reusable: bool = True,
    ) -> Any:
        """Payload of one request: from a complete earlier response when there is one, else `run()` and save it.

        `run` must raise on any failure (it is given already-checked responses by the clients), so nothing
        partial is ever saved.
        """
        key = request_key(method, url, params, body)
        if reusable and not self.options.refresh:
            max_age = self.options.max_age_days * 86400 if self.options.max_age_days >= 0 else None
            hit = self.store.lookup(key, max_age)
            if hit is not None:
                self.reused += 1
                self.progress.done(reused=True)
                return json.loads(hit[0])
        fetched = run()
        self.store.save(fetched, key, slug, kind=kind, query={"params": params, "body": body}, info=info)
        self.requests += 1
        self.nbytes += len(fetched.content)
        self.progress.done(nbytes=len(fetched.content))
        return fetched.payload


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


def step_module(name: str) -> ModuleType:
    return importlib.import_module(f"etl.steps.{name}")


def plan_units(sources: Iterable[str], options: Options) -> list[tuple[str, str, str]]:
    out = []
    for source in sources:
        for step in STEPS[source]:
            for unit in step_module(step).units(options):
                out.append((source, step, unit))
    return out


def run_fetch(
    sources: Iterable[str] | None = None,
    options: Options | None = None,
    *,
    steps: Iterable[str] | None = None,
    out: TextIO | None = None,
    clock: Clock | None = None,
    debug: bool = False,
) -> FetchRun:
    """Fetch every unit of the chosen sources; failures are reported, never raised (unless debug)."""
    out = out or sys.stderr
    options = options or Options()
    clock = clock or SystemClock()
    sources = list(sources or STEPS)
    units = plan_units(sources, options)
    if steps is not None:
        wanted = set(steps)
        units = [u for u in units if u[1] in wanted]
    progress = Progress(out, len(units), clock.monotonic)
    sessions: dict[str, Session] = {}
    unreachable: dict[str, str] = {}  # source -> why (no connection at all: skip its other units)
    run = FetchRun()
    for source, step, unit in units:
        mod = step_module(step)
        if source in unreachable:
            run.results.append(UnitResult(source, step, unit, "FAILED", message=f"skipped: {unreachable[source]}"))
            continue
        session = sessions.get(source)
        if session is None:
            session = sessions[source] = Session(clock=clock, on_event=progress.note, **getattr(mod, "SESSION", {}))
        store = RawStore(mod.SOURCE, mod.DATASET, unit, licence=mod.LICENCE, attribution=mod.ATTRIBUTION, clock=clock)
        ctx = FetchContext(store, session, progress, options)
        result = UnitResult(source, step, unit)
        t0 = clock.monotonic()
        progress.start(f"{step} {unit}")
        try:
            mod.fetch(ctx, unit)
            store.commit({"source": mod.SOURCE, "dataset": mod.DATASET, "unit": unit, "step": step})
        except Exception as exc:  # a failed unit never stops the others; the summary says what failed
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
                "downloaded": _fmt_bytes(r.nbytes),
                "time": _fmt_s(r.seconds),
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


# ---------------------------------------------------------------------------------------------- status


def data_status() -> pd.DataFrame:
    """Per dataset/source: observed (fetched raw data present) or modelled/seed, retrieved date, raw file count."""
    rows = []
    for steps in STEPS.values():
        for step in steps:
            mod = step_module(step)
            manifests = unit_manifests(mod.SOURCE, mod.DATASET)
            n_files = sum(len([f for f in m.get("files", [])]) for m in manifests)
            retrieved = max((m.get("completed_at", "") for m in manifests), default="")
            units = sorted(m.get("unit", "") for m in manifests)
            rows.append(
                {
                    "dataset": mod.FEEDS,
                    "source": mod.LABEL,
                    "status": "observed" if manifests else mod.FALLBACK,
                    "retrieved": retrieved[:10],
                    "raw_files": n_files,
                    "units": ", ".join(units),
                    "licence": mod.LICENCE,
                }
            )
    return pd.DataFrame(rows, columns=["dataset", "source", "status", "retrieved", "raw_files", "units", "licence"])


# ---------------------------------------------------------------------------------------------- CLI


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", choices=sorted(STEPS), action="append", help="fetch only this source (repeatable)")
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


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run `python -m etl fetch` with parsed arguments: 0 when every unit succeeded, 1 when any failed, 2 on bad options."""
    out = out or sys.stderr
    if args.county is not None:
        from etl.sources.overpass import LAN_ISO

        if args.county not in LAN_ISO:
            print(f"--county must be one of the 21 län codes ({', '.join(LAN_ISO)}), not {args.county!r}", file=out)
            return 2
    options = Options(county=args.county, since=args.since, refresh=args.refresh, max_age_days=args.max_age_days)
    try:
        run = run_fetch(args.source, options, out=out, debug=args.debug)
    except ValueError as exc:  # bad options caught while planning (e.g. an unknown län)
        print(f"fetch: {exc}", file=out)
        return 2
    if not run.ok:
        return 1
    if args.build:
        from etl.build import build
        from etl.validate import ValidationError

        try:
            build(out=out)
        except (ValidationError, DatasetError) as exc:
            print(f"\nbuild failed: {exc}", file=out)
            return 1
    return 0
