"""The fetch's errors and how error answers are read (split from etl/sources/http.py; import them from there).

- `FetchError` (what failed, what to do), `TransientError` (connection, timeout, truncated, invalid: retried),
  `SourceDown` (the source given up for the run), `ResponseTooLarge` (size cap or decompression bomb),
  `HtmlErrorPage` (HTML where JSON was expected), `HttpStatusError` (an error status, after retries);
- `short_reason`, `parse_problem_bytes`, `is_html`, `html_error_text`, `error_detail`: the gist of an error answer
  (RFC 7807 problem+json, Overpass' OSM3S HTML pages, anything else by its reason phrase).
"""

from __future__ import annotations

import json
import re

RERUN_HINT = "rerun `python -m etl fetch` later: completed responses are kept and the run resumes"


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


class SourceDown(TransientError):
    """The source is given up for this run (consecutive transport failures, or its time budget used up)."""


class ResponseTooLarge(FetchError):
    """An answer over the size cap, or a decompression bomb: refused, never retried, nothing kept."""


class HtmlErrorPage(FetchError):
    """An HTML page where JSON was expected (a maintenance or error page, often with HTTP 200)."""


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


def parse_problem_bytes(body: bytes) -> dict | None:
    """RFC 7807 problem+json bytes -> dict (also plain JSON with title/status/detail), None otherwise."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict) and ({"title", "detail", "status", "type"} & set(data)):
        return data
    return None


def is_html(content_type: str, body: bytes) -> bool:
    """An HTML (or XHTML) page: by its Content-Type, or by a body that starts with markup."""
    if "html" in content_type.lower():
        return True
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<?xml") and b"<html" in head)


def html_error_text(body: bytes) -> str:
    """The error sentence of an HTML error page: Overpass/OSM3S `<strong>Error</strong>: …`, else its <title>."""
    text = body.decode("utf-8", "replace")
    m = re.search(r"<strong[^>]*>\s*Error\s*</strong>\s*:?\s*(.*?)</p>", text, re.IGNORECASE | re.DOTALL)
    if not m:
        m = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.IGNORECASE | re.DOTALL) or re.search(
            r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL
        )
    if not m:
        return ""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1))).strip()[:300]


def html_page_message(source: str, status: int, body: bytes) -> str:
    gist = html_error_text(body)
    return (
        f"HTML error page from {source} (HTTP {status})" + (f": {gist}" if gist else "") + ". The service is "
        f"probably down for maintenance or overloaded: {RERUN_HINT}"
    )


def error_detail(body: bytes, problem: dict | None, reason: str, content_type: str) -> str:
    """What an error answer says: problem+json detail/title, an HTML page's error text, else the reason phrase."""
    if problem:
        return str(problem.get("detail") or problem.get("title") or reason or "")
    if is_html(content_type, body):
        gist = html_error_text(body)
        return f"{reason}: {gist}" if gist and reason else (gist or reason or "")
    return reason or ""
