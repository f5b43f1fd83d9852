"""Fetch progress on stderr: counts, bytes and ETA per unit (one line per update, redrawn on a terminal)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


def fmt_duration(s: float) -> str:
    s = max(0, int(round(s)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def fmt_bytes(n: int) -> str:
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
        return fmt_duration(self.net_time / fetched * remaining)

    def line(self) -> str:
        reused = f", {self.reused} reused" if self.reused else ""
        return (
            f"[{self.unit_no}/{self.units_total}] {self.label}: {self.done_n}/{self.total or '?'} requests{reused} · "
            f"{fmt_bytes(self.nbytes)} · {fmt_duration(self.clock() - self.t0)} · ETA {self.eta()}"
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
