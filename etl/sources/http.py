"""Shared HTTP layer: a request -> a checked `Fetched` response, with timeout, User-Agent, retries and pacing.

Every online client (SCB PxWeb, Kolada, Overpass) talks through one `Session`:

- a default timeout (connect, read) and the identifying User-Agent `USER_AGENT`;
- retries with exponential backoff on 429 / 5xx, connection errors, timeouts and bodies that are not
  the JSON they claim to be (a truncated transfer); `Retry-After` (seconds or HTTP date) is honoured;
- pacing to at most `calls` requests per `window` seconds (PxWeb's `maxCallsPerTimeWindow`).

Time is injectable (`Clock`): tests pass a fake clock whose `sleep` only advances a counter.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests

USER_AGENT = "Servicekartan/0.1 (+open-data dashboard)"
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 120.0)  # (connect, read) seconds
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
RERUN_HINT = "rerun `python -m etl fetch` later: completed responses are kept and the run resumes"


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


class FetchError(RuntimeError):
    """A request failed for good; the message says what failed and what to do."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class TransientError(FetchError):
    """Connection error, timeout or a truncated/invalid body: retried, then raised."""

    def __init__(self, message: str, url: str = "", kind: str = "") -> None:
        super().__init__(message, url)
        self.kind = kind  # "connection", "timeout" or "invalid"


class HttpStatusError(FetchError):
    """The server answered with an error status (after retries for 429/5xx)."""

    def __init__(
        self,
        message: str,
        url: str,
        status: int,
        body: str = "",
        problem: dict | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url)
        self.status = status
        self.body = body
        self.problem = problem
        self.retry_after = retry_after


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


def short_reason(exc: BaseException) -> str:
    """A connection error's gist ('Failed to resolve host', 'Connection refused' …) without urllib3's nesting."""
    text = str(exc)
    for pattern in (
        r"Failed to resolve '[^']+'",
        r"Connection refused",
        r"Connection reset by peer",
        r"Network is unreachable",
        r"Read timed out",
        r"timed out",
        r"Name or service not known",
    ):
        m = re.search(pattern, text)
        if m:
            return f"{type(exc).__name__}: {m.group(0)}"
    return f"{type(exc).__name__}: {text[:160]}"


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
    """A polite HTTP session shared by one source's requests (not thread-safe: one request at a time)."""

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
    ) -> Fetched:
        """Send a request with pacing and retries; returns `Fetched` or raises a `FetchError` subclass."""
        attempts = self.retries + 1
        last: FetchError | None = None
        for attempt in range(attempts):
            if self.limiter is not None:
                self.limiter.wait()
            self.call_times.append(self.clock.monotonic())
            wait = self._backoff(attempt)
            try:
                resp = self.http.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                    timeout=timeout if timeout is not None else self.timeout,
                )
                content = resp.content
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                timeout_ = isinstance(exc, requests.Timeout)
                last = TransientError(
                    f"{method} {url} {'timed out' if timeout_ else 'connection failed'} ({short_reason(exc)})",
                    url,
                    "timeout" if timeout_ else "connection",
                )
            else:
                full_url = resp.url or url
                if resp.status_code in retry_statuses:
                    problem = parse_problem(resp)
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.clock.wall())
                    detail = (problem or {}).get("detail") or (problem or {}).get("title") or resp.reason or ""
                    last = HttpStatusError(
                        f"{method} {full_url} answered HTTP {resp.status_code} {detail}".strip(),
                        full_url,
                        resp.status_code,
                        resp.text[:2000],
                        problem,
                        retry_after,
                    )
                    if retry_after is not None:
                        if retry_after > self.max_retry_after:
                            last.args = (
                                f"{last.args[0]}; the server asks to wait {retry_after:.0f} s "
                                f"(more than {self.max_retry_after:.0f} s): {RERUN_HINT}",
                            )
                            raise last
                        wait = retry_after
                elif resp.status_code >= 400:
                    problem = parse_problem(resp)
                    detail = (problem or {}).get("detail") or (problem or {}).get("title") or resp.reason or ""
                    raise HttpStatusError(
                        f"{method} {full_url} answered HTTP {resp.status_code} {detail}".strip(),
                        full_url,
                        resp.status_code,
                        resp.text[:2000],
                        problem,
                    )
                else:
                    payload = None
                    invalid: TransientError | None = None
                    if expect_json:
                        try:
                            payload = json.loads(content)
                        except ValueError as exc:
                            invalid = TransientError(
                                f"{method} {full_url} returned {len(content):,} bytes that are not valid JSON "
                                f"(truncated transfer? {exc})",
                                full_url,
                                "invalid",
                            )
                    if invalid is not None:
                        last = invalid
                    else:
                        return Fetched(
                            method=method,
                            url=full_url,
                            status=resp.status_code,
                            content=content,
                            content_type=resp.headers.get("Content-Type", ""),
                            payload=payload,
                            headers=dict(resp.headers),
                            request_body=json_body if json_body is not None else data,
                        )
            if attempt < attempts - 1:
                self._emit(f"retry {attempt + 1}/{self.retries} in {wait:.0f} s: {last}")
                self.clock.sleep(wait)
        assert last is not None
        last.args = (f"{last.args[0]} — gave up after {attempts} attempts; {RERUN_HINT}",)
        raise last

    def get(self, url: str, **kw: Any) -> Fetched:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Fetched:
        return self.request("POST", url, **kw)
