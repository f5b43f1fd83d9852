"""One writer at a time per data directory: `with data_lock("build"): ...` around fetch, build and any import.

The lock is an OS file lock (`filelock`, flock on Linux/macOS) on `<data dir>/.lock`, released by the
kernel when the holder dies (kill -9 included), so a crash never leaves a stale lock. Beside it the
holder writes `<data dir>/.lock.holder.json` (pid, command, since) so a second process can say who
holds the lock. A second process waits up to `wait` seconds (default `DEFAULT_WAIT_S`, or
`SERVICEKARTAN_LOCK_WAIT`), printing one message, then raises `DataLocked` naming the holder; the CLI
turns that into exit code 3.

The lock is re-entrant within a thread (`fetch --build` takes it once); another thread of the same
process waits like another process would.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from filelock import FileLock, Timeout

from servicekartan import paths
from servicekartan.catalog import DatasetError

LOCK_NAME = ".lock"
HOLDER_NAME = ".lock.holder.json"
DEFAULT_WAIT_S = 600.0
EXIT_LOCKED = 3  # CLI exit code when the data directory stays locked by another process

_local = threading.local()


class DataLocked(DatasetError):
    """Another process holds the data directory's lock (the message names it: pid, command, since)."""


def default_wait() -> float:
    """Seconds to wait for the lock: SERVICEKARTAN_LOCK_WAIT if set, else DEFAULT_WAIT_S."""
    env = os.environ.get("SERVICEKARTAN_LOCK_WAIT")
    try:
        return float(env) if env else DEFAULT_WAIT_S
    except ValueError:
        return DEFAULT_WAIT_S


def lock_path(data_dir: Path | None = None) -> Path:
    return (data_dir or paths.data_dir()) / LOCK_NAME


def holder(data_dir: Path | None = None) -> dict | None:
    """Who holds (or last held) the lock: {"pid", "command", "since"}; None when unknown."""
    try:
        info = json.loads(((data_dir or paths.data_dir()) / HOLDER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def describe(info: dict | None) -> str:
    if not info:
        return "another process (unknown: it has not written its name yet)"
    return f"pid {info.get('pid')} ({info.get('command', '?')}, since {info.get('since', '?')})"


def _held() -> dict[str, int]:
    if not hasattr(_local, "held"):
        _local.held = {}
    return _local.held


def _command_line() -> str:
    argv = list(sys.argv)
    if argv and argv[0].endswith(("etl/__main__.py", "etl\\__main__.py")):
        argv[0] = "-m etl"
    return " ".join(["python", *argv]) if argv else "python"


@contextlib.contextmanager
def data_lock(
    purpose: str, *, wait: float | None = None, out: TextIO | None = None, data_dir: Path | None = None
) -> Iterator[None]:
    """Hold the data directory's lock for `purpose` ("build", "fetch", "import" …).

    Waits up to `wait` seconds (None: `default_wait()`; 0: fail at once) with one message on `out`,
    then raises DataLocked naming the holder.
    """
    data = Path(data_dir or paths.data_dir())
    key = str(data.resolve())
    held = _held()
    if held.get(key):  # re-entrant within this thread
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    data.mkdir(parents=True, exist_ok=True)
    wait = default_wait() if wait is None else max(0.0, float(wait))
    lock = FileLock(str(lock_path(data)), preserve_lock_file=True)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        who = describe(holder(data))
        if wait <= 0:
            raise DataLocked(f"{data} is in use by {who}; try again when it has finished") from None
        print(f"waiting up to {wait:.0f} s for {data}: in use by {who} …", file=out or sys.stderr, flush=True)
        t0 = time.monotonic()
        try:
            lock.acquire(timeout=wait, poll_interval=0.1)
        except Timeout:
            raise DataLocked(
                f"{data} is still in use by {describe(holder(data))} after {time.monotonic() - t0:.0f} s; "
                "try again when it has finished (or wait longer with --wait SECONDS)"
            ) from None
    info = {
        "pid": os.getpid(),
        "command": f"{purpose}: {_command_line()}",
        "since": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    holder_file = data / HOLDER_NAME
    with contextlib.suppress(OSError):  # naming the holder is a courtesy; the lock itself holds
        holder_file.write_text(json.dumps(info) + "\n", encoding="utf-8")
    held[key] = 1
    try:
        yield
    finally:
        held.pop(key, None)
        with contextlib.suppress(OSError):
            holder_file.unlink()
        lock.release()
