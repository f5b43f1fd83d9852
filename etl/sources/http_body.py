"""Reading one answer's body within bounds (used by `Session` in etl/sources/http.py).

The decoded body is streamed into a spooled temporary file (on disk past `SPOOL_BYTES`), the deadline checked
per chunk (and the socket's read timeout lowered to the time left), the size cap counted after decoding, and a
body that unpacks to more than `MAX_RATIO` times its wire size refused as a decompression bomb.
"""

from __future__ import annotations

import contextlib
import http.client
import tempfile
from collections.abc import Callable
from typing import Any

import requests
import urllib3

from etl.sources.http_errors import ResponseTooLarge, TransientError, short_reason

MAX_RATIO = 100  # a body unpacking to more than this many times its wire size is a decompression bomb …
BOMB_MIN_BYTES = 8 * 1_000_000  # … once it has unpacked past this size (small, very repetitive JSON is fine)
CHUNK_BYTES = 1 << 16
SPOOL_BYTES = 4 * 1_000_000  # bodies larger than this are streamed to a temporary file, not memory
ERROR_BODY_BYTES = 64 * 1024  # how much of an error answer is read for its message


def fmt_mb(n: float) -> str:
    return f"{n / 1_000_000:,.1f} MB" if n >= 100_000 else f"{n / 1000:,.1f} kB"


def _set_read_timeout(raw: Any, seconds: float) -> None:
    """Lower the socket timeout of a streaming answer to the time left (best effort; absent under test mocks)."""
    conn = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError, ValueError):
            sock.settimeout(max(0.05, seconds))


def _wire_bytes(raw: Any) -> int:
    """Bytes read from the wire so far (before decoding), 0 when unknown."""
    try:
        return int(raw.tell())
    except (AttributeError, TypeError, ValueError, OSError):
        return 0


def read_body(
    resp: requests.Response,
    method: str,
    url: str,
    end: float,
    *,
    clock: Any,
    read_timeout: Callable[[float], float],
    label: str,
    limit: int | None,
    cap: bool,
) -> bytes:
    """Stream the decoded body into a spooled temporary file (on disk past SPOOL_BYTES), checking the deadline
    per chunk, the size cap (decoded bytes) and the decompression ratio; `cap=False` just stops at `limit`."""
    raw = resp.raw
    total = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, prefix="servicekartan-body-") as spool:
        while True:
            left = end - clock.monotonic()
            if left <= 0:
                raise TransientError(
                    f"{method} {url} timed out: no complete answer within its deadline "
                    f"({total:,} bytes received; --timeout)",
                    url,
                    "timeout",
                )
            _set_read_timeout(raw, read_timeout(left))
            try:
                chunk = (
                    raw.read1(CHUNK_BYTES, decode_content=True)
                    if hasattr(raw, "read1")
                    else raw.read(CHUNK_BYTES, decode_content=True)
                )
            except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
                if end - clock.monotonic() <= 0.05:  # the socket timeout was the time left
                    raise TransientError(
                        f"{method} {url} timed out: no complete answer within its deadline "
                        f"({total:,} bytes received; --timeout)",
                        url,
                        "timeout",
                    ) from exc
                raise TransientError(f"{method} {url} timed out ({short_reason(exc)})", url, "timeout") from exc
            except (
                urllib3.exceptions.ProtocolError,
                urllib3.exceptions.IncompleteRead,
                http.client.IncompleteRead,
                requests.exceptions.ChunkedEncodingError,
                ConnectionError,
            ) as exc:
                raise TransientError(
                    f"{method} {url} answer was cut off after {total:,} bytes ({short_reason(exc)})",
                    url,
                    "truncated",
                ) from exc
            except urllib3.exceptions.DecodeError as exc:
                raise TransientError(
                    f"{method} {url} sent a body that cannot be decoded ({exc})", url, "invalid"
                ) from exc
            if not chunk:
                break
            total += len(chunk)
            if limit is not None and total > limit:
                if not cap:
                    spool.write(chunk[: len(chunk) - (total - limit)])
                    break
                raise ResponseTooLarge(
                    f"answer from {label} is larger than the size cap of {fmt_mb(limit)} (decoded); nothing "
                    f"was kept. What to change: if the answer is genuine, raise the cap with --max-mb ({method} "
                    f"{url})",
                    url,
                )
            wire = _wire_bytes(raw)
            if cap and wire and total > BOMB_MIN_BYTES and total > MAX_RATIO * wire:
                raise ResponseTooLarge(
                    f"answer from {label} refused as a decompression bomb: it unpacks to more than "
                    f"{MAX_RATIO} times its size ({fmt_mb(wire)} sent, {fmt_mb(total)} unpacked so far); nothing "
                    f"was kept ({method} {url})",
                    url,
                )
            spool.write(chunk)
        spool.seek(0)
        return spool.read()
