"""Shared HTTP layer: a request -> a checked `Fetched` response, with timeout, User-Agent, retries and pacing.

Every online client (SCB PxWeb, Kolada, Overpass) talks through one `Session`:

- a default timeout (connect, read) and the identifying User-Agent `USER_AGENT`;
- retries with exponential backoff on 429 / 5xx, connection errors, timeouts and bodies that are not
  the JSON they claim to be (a truncated transfer); `Retry-After` (seconds or HTTP date) is honoured;
- pacing to at most `calls` requests per `window` seconds (PxWeb's `maxCallsPerTimeWindow`);
- bounds: a total deadline per request (connect + every read, the body streamed and the clock checked per
  chunk), a time budget per source, a size cap on every body counted after decoding (gzip bombs refused),
  HTML where JSON was expected refused with "HTML error page from <source> (HTTP 200)", and a source given
  up after `max_failures` consecutive transport failures (`SourceDown`).

Time is injectable (`Clock`): tests pass a fake clock whose `sleep` only advances a counter.
The errors live in `http_errors.py` and the bounded body reading in `http_body.py`; import both from here.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests

from etl.sources.http_body import ERROR_BODY_BYTES, MAX_RATIO, fmt_mb, read_body
from etl.sources.http_errors import (
    RERUN_HINT,
    FetchError,
    HtmlErrorPage,
    HttpStatusError,
    ResponseTooLarge,
    SourceDown,
    TransientError,
    error_detail,
    html_error_text,
    html_page_message,
    is_html,
    parse_problem_bytes,
    short_reason,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_RATIO",
    "RERUN_HINT",
    "RETRY_STATUSES",
    "USER_AGENT",
    "Clock",
    "FetchError",
    "Fetched",
    "HtmlErrorPage",
    "HttpStatusError",
    "RateLimiter",
    "ResponseTooLarge",
    "Session",
    "SourceDown",
    "SystemClock",
    "TransientError",
    "error_detail",
    "fmt_mb",
    "html_error_text",
    "is_html",
    "parse_problem",
    "parse_retry_after",
    "short_reason",
]

USER_AGENT = "Servicekartan/0.1 (+open-data dashboard)"
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 120.0)  # (connect, each read) seconds
DEFAULT_DEADLINE = 300.0  # seconds for one whole request: connect + every read of the body
DEFAULT_MAX_BYTES = 64 * 1_000_000  # size cap of one answer, decoded
DEFAULT_MAX_FAILURES = 3  # consecutive transport failures before a source is given up for the run
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...
    def wall(self) -> float: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def wall(self) -> float:
        return time.time()


@dataclass
class Fetched:
    """One successful response: the exact bytes as received, plus the parsed JSON when asked for."""

    method: str
    url: str
    status: int
    content: bytes
    content_type: str = ""
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    request_body: Any = None


def parse_retry_after(value: str | None, now_wall: float) -> float | None:
    """`Retry-After` header -> seconds to wait (delta-seconds or an HTTP date), None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now_wall)
    except (TypeError, ValueError, IndexError):
        return None


def parse_problem(resp: requests.Response) -> dict | None:
    """RFC 7807 problem+json body -> dict (also accepts plain JSON with title/status/detail)."""
    try:
        data = json.loads(resp.content)
    except ValueError:
        return None
    if isinstance(data, dict) and ({"title", "detail", "status", "type"} & set(data)):
        return data
    return None


class RateLimiter:
    """At most `calls` requests in any `window` seconds (sliding window over the injectable clock)."""

    def __init__(self, calls: int, window: float, clock: Clock) -> None:
        if calls < 1 or window <= 0:
            raise ValueError("rate limit needs calls >= 1 and window > 0")
        self.calls = int(calls)
        self.window = float(window)
        self.clock = clock
        self._times: deque[float] = deque()

    def _prune(self, now: float) -> None:
        while self._times and now - self._times[0] >= self.window:
            self._times.popleft()

    def wait(self) -> float:
        """Block until a call is allowed, record it; returns the seconds slept."""
        now = self.clock.monotonic()
        self._prune(now)
        slept = 0.0
        while len(self._times) >= self.calls:
            delay = self._times[0] + self.window - now
            if delay > 0:
                self.clock.sleep(delay)
                slept += delay
            now = self.clock.monotonic()
            self._prune(now)
        self._times.append(now)
        return slept


class Session:
    """A polite HTTP session shared by one source's requests (not thread-safe: one request at a time).

    Bounded in time and size: every request has a total `deadline` (connect + every read; the body is
    streamed and the clock checked per chunk), the whole source a `budget` (seconds from the session's
    start), and every body a size cap `max_bytes` counted after decoding (a gzip body that unpacks more
    than `MAX_RATIO` times its wire size is refused as a decompression bomb). After `max_failures`
    consecutive transport failures (refused, unreachable, timed out, truncated) the source is marked down:
    every later request raises `SourceDown` at once.
    """

    def __init__(
        self,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 4,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
        max_retry_after: float = 300.0,
        rate: tuple[int, float] | None = None,
        clock: Clock | None = None,
        user_agent: str = USER_AGENT,
        on_event: Callable[[str], None] | None = None,
        http: requests.Session | None = None,
        name: str = "",
        deadline: float | None = DEFAULT_DEADLINE,
        budget: float | None = None,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
        max_failures: int = DEFAULT_MAX_FAILURES,
        transport_backoff: float = 1.0,
    ) -> None:
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.clock: Clock = clock or SystemClock()
        self.on_event = on_event
        self.http = http or requests.Session()
        self.http.headers["User-Agent"] = user_agent
        self.name = name
        self.deadline = deadline
        self.budget = budget
        self.max_bytes = max_bytes
        self.max_failures = max(1, int(max_failures))
        self.transport_backoff = transport_backoff
        self.started = self.clock.monotonic()
        self.failures = 0  # consecutive transport failures (reset by any answer)
        self.down: SourceDown | None = None  # set once the source is given up for this run
        self.limiter: RateLimiter | None = None
        self.call_times: list[float] = []  # monotonic time of every request sent (pacing is checked in tests)
        if rate:
            self.set_rate_limit(*rate)

    def set_rate_limit(self, calls: int, window: float) -> None:
        """Pace to `calls` per `window` seconds (keeps the history when only the limit changes)."""
        old = self.limiter
        self.limiter = RateLimiter(calls, window, self.clock)
        if old is not None:
            self.limiter._times = old._times

    def _emit(self, message: str) -> None:
        if self.on_event:
            self.on_event(message)

    def _backoff(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * (2**attempt))

    @property
    def label(self) -> str:
        return self.name or "the server"

    def budget_left(self) -> float:
        """Seconds left of the source's budget (inf without one)."""
        if self.budget is None or self.budget <= 0:
            return math.inf
        return self.started + self.budget - self.clock.monotonic()

    def _give_up(self, why: str, last: FetchError | None, kind: str) -> SourceDown:
        tail = f"; last error: {last.args[0]}" if last is not None else ""
        self.down = SourceDown(f"{self.label} {why}{tail}", last.url if last else "", kind)
        self.down.__cause__ = last
        return self.down

    def _transport_failed(self, err: TransientError, attempts: int) -> None:
        """Count a transport failure; at `max_failures` in a row the source is down (raised, and for every later call)."""
        self.failures += 1
        if self.failures >= self.max_failures:
            why = "unreachable" if err.kind == "connection" else f"not answering ({err.kind})"
            self.down = SourceDown(
                f"{self.label} {why}: gave up after {attempts} attempts, {self.failures} consecutive transport "
                f"failures (last: {err.args[0]}); check the network, then {RERUN_HINT}",
                err.url,
                err.kind,
            )
            self.down.__cause__ = err
            raise self.down

    def _timeouts(self, timeout: float | tuple[float, float] | None, left: float) -> tuple[float, float]:
        t = timeout if timeout is not None else self.timeout
        connect, read = (t, t) if isinstance(t, int | float) else t
        return (max(0.05, min(connect, left)), max(0.05, min(read, left)))

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict | None = None,
        json_body: Any = None,
        data: Any = None,
        headers: dict | None = None,
        expect_json: bool = True,
        timeout: float | tuple[float, float] | None = None,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        retries: int | None = None,
        deadline: float | None = None,
        paced: bool = True,
        before_retry: Callable[[FetchError], float | None] | None = None,
    ) -> Fetched:
        """Send a request with pacing, deadlines and retries; returns `Fetched` or raises a `FetchError` subclass.

        `retries`/`deadline` override the session's for this call; `paced=False` skips the rate limiter (a status
        check that the service does not count); `before_retry(error)` may return the seconds to wait instead of
        the backoff (e.g. what Overpass' /api/status says).
        """
        if self.down is not None:
            raise self.down
        retries = self.retries if retries is None else retries
        attempts = retries + 1
        per_request = self.deadline if deadline is None else deadline
        last: FetchError | None = None
        for attempt in range(attempts):
            if self.budget_left() <= 0:
                raise self._give_up(f"used up its time budget of {self.budget:.0f} s (--source-budget)", last, "budget")
            if paced and self.limiter is not None:
                self.limiter.wait()
            now = self.clock.monotonic()
            self.call_times.append(now)
            end = min(now + (per_request if per_request else math.inf), now + self.budget_left())
            wait = self._backoff(attempt)
            try:
                got = self._attempt(method, url, params, json_body, data, headers, expect_json, timeout, end)
            except TransientError as exc:
                last = exc
                wait = min(self.max_backoff, self.transport_backoff * (2**attempt))
                self._transport_failed(exc, attempt + 1)
            else:
                self.failures = 0
                if isinstance(got, Fetched):
                    return got
                resp_status, resp_url, body, problem, retry_after_raw, reason, ctype = got
                detail = error_detail(body, problem, reason, ctype)
                message = f"{method} {resp_url} answered HTTP {resp_status} {detail}".strip()
                text = body.decode("utf-8", "replace")
                if resp_status not in retry_statuses:
                    raise HttpStatusError(message, resp_url, resp_status, text[:2000], problem)
                retry_after = parse_retry_after(retry_after_raw, self.clock.wall())
                last = HttpStatusError(message, resp_url, resp_status, text[:2000], problem, retry_after)
                if retry_after is not None:
                    if retry_after > self.max_retry_after:
                        last.args = (
                            f"{last.args[0]}; the server asks to wait {retry_after:.0f} s "
                            f"(more than {self.max_retry_after:.0f} s): {RERUN_HINT}",
                        )
                        raise last
                    wait = retry_after
                elif before_retry is not None and attempt < attempts - 1:
                    hinted = before_retry(last)
                    if hinted is not None:
                        wait = hinted
            if attempt < attempts - 1:
                left = self.budget_left()
                if wait >= left:
                    raise self._give_up(
                        f"would wait {wait:.0f} s to retry, more than the {max(0.0, left):.0f} s left of its time "
                        f"budget of {self.budget:.0f} s (--source-budget)",
                        last,
                        "budget",
                    )
                self._emit(f"retry {attempt + 1}/{retries} in {wait:.0f} s: {last}")
                self.clock.sleep(wait)
        assert last is not None
        last.args = (f"{last.args[0]} — gave up after {attempts} attempts; {RERUN_HINT}",)
        raise last

    def _attempt(
        self,
        method: str,
        url: str,
        params: dict | None,
        json_body: Any,
        data: Any,
        headers: dict | None,
        expect_json: bool,
        timeout: float | tuple[float, float] | None,
        end: float,
    ) -> Fetched | tuple[int, str, bytes, dict | None, str | None, str, str]:
        """One attempt: a checked `Fetched`, or (status, url, body head, problem, Retry-After, reason, type) of an
        error status; TransientError for transport failures, FetchError subclasses for unusable bodies."""
        left = end - self.clock.monotonic()
        if left <= 0:
            raise TransientError(f"{method} {url} timed out (no time left)", url, "timeout")
        try:
            resp = self.http.request(
                method,
                url,
                params=params,
                json=json_body,
                data=data,
                headers=headers,
                timeout=self._timeouts(timeout, left),
                stream=True,
            )
        except requests.Timeout as exc:
            if end - self.clock.monotonic() <= 0.05:  # the timeout given was the time left
                raise TransientError(
                    f"{method} {url} timed out: no answer within its deadline (--timeout)", url, "timeout"
                ) from exc
            raise TransientError(f"{method} {url} timed out ({short_reason(exc)})", url, "timeout") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise TransientError(f"{method} {url} connection failed ({short_reason(exc)})", url, "connection") from exc
        with contextlib.closing(resp):
            full_url = resp.url or url
            ctype = resp.headers.get("Content-Type", "")
            if resp.status_code >= 400:
                body = self._read_body(resp, method, full_url, end, timeout, limit=ERROR_BODY_BYTES, cap=False)
                problem = parse_problem_bytes(body)
                return (resp.status_code, full_url, body, problem, resp.headers.get("Retry-After"), resp.reason, ctype)
            if expect_json and is_html(ctype, b""):
                head = self._read_body(resp, method, full_url, end, timeout, limit=ERROR_BODY_BYTES, cap=False)
                raise HtmlErrorPage(html_page_message(self.label, resp.status_code, head), full_url)
            content = self._read_body(resp, method, full_url, end, timeout, limit=self.max_bytes, cap=True)
            payload = None
            if expect_json:
                if is_html(ctype, content):
                    raise HtmlErrorPage(html_page_message(self.label, resp.status_code, content), full_url)
                try:
                    payload = json.loads(content)
                except ValueError as exc:
                    raise TransientError(
                        f"{method} {full_url} returned {len(content):,} bytes that are not valid JSON "
                        f"(truncated transfer? {exc})",
                        full_url,
                        "invalid",
                    ) from exc
            return Fetched(
                method=method,
                url=full_url,
                status=resp.status_code,
                content=content,
                content_type=ctype,
                payload=payload,
                headers=dict(resp.headers),
                request_body=json_body if json_body is not None else data,
            )

    def _read_body(
        self,
        resp: requests.Response,
        method: str,
        url: str,
        end: float,
        timeout: float | tuple[float, float] | None,
        *,
        limit: int | None,
        cap: bool,
    ) -> bytes:
        return read_body(
            resp,
            method,
            url,
            end,
            clock=self.clock,
            read_timeout=lambda left: self._timeouts(timeout, left)[1],
            label=self.label,
            limit=limit,
            cap=cap,
        )

    def get(self, url: str, **kw: Any) -> Fetched:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Fetched:
        return self.request("POST", url, **kw)
