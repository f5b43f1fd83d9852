"""PxWeb errors: RFC 7807 problem+json and HTTP failures -> `PxWebError` subclasses whose message says what to change."""

from __future__ import annotations

from etl.sources.http import FetchError, HttpStatusError


class PxWebError(FetchError):
    """A PxWeb request or response that cannot be used; the message says what to change."""


class SelectionError(PxWebError, ValueError):
    """The selection does not fit the table's metadata (unknown code, missing dimension …)."""


class BadQueryError(PxWebError):
    """HTTP 400: the API rejected the query."""


class TooManyCellsError(PxWebError):
    """HTTP 403: the query asks for more cells than the API allows."""


class TableNotFoundError(PxWebError):
    """HTTP 404: no such table (ids change; search again)."""


class RateLimitedError(PxWebError):
    """HTTP 429 even after waiting as asked."""


class ResponseShapeError(PxWebError):
    """The response does not have the shape the query asked for (e.g. a dimension is missing)."""


def problem_error(
    err: HttpStatusError, table: str, *, cells: int | None = None, max_cells: int | None = None, hint_url: str = ""
) -> PxWebError:
    """HTTP error (with an RFC 7807 problem+json body when present) -> a PxWebError saying what to change."""
    p = err.problem or {}
    detail = p.get("detail") or p.get("title") or err.body[:300] or "no detail"
    status = err.status
    where = f"SCB PxWeb, table {table}" if table else "SCB PxWeb"
    if status == 400:
        msg = (
            f"{where} rejected the query (HTTP 400: {detail}). What to change: check the dimension codes and value "
            f"codes against the table's metadata{' at ' + hint_url if hint_url else ''}; use '*' or codes that exist."
        )
        cls: type[PxWebError] = BadQueryError
    elif status == 403:
        asked = f"the query asked for {cells:,} cells" if cells is not None else "the query asked for too many cells"
        limit = f"/config allows {max_cells:,} per query" if max_cells else "see maxDataCells at /config"
        msg = (
            f"{where} refused the query as too large (HTTP 403: {detail}); {asked}, {limit}. What to change: "
            "narrow the selection, or lower the cell limit (PxWeb(max_cells=…)) so the client splits it into "
            "smaller queries."
        )
        cls = TooManyCellsError
    elif status == 404:
        msg = (
            f"{where} was not found (HTTP 404: {detail}). What to change: SCB replaces table ids; search for the "
            "table with PxWeb.search('<words>') or at https://www.statistikdatabasen.scb.se and update the step's "
            "table id (the v1 path is tried as a fallback)."
        )
        cls = TableNotFoundError
    elif status == 429:
        wait = f"{err.retry_after:.0f} s" if err.retry_after is not None else "the time window (see /config)"
        msg = (
            f"{where} rate-limited the client (HTTP 429: {detail}) even after retries. What to change: wait {wait} "
            "and rerun (the run resumes), and do not run other SCB clients from the same address at the same time."
        )
        cls = RateLimitedError
    else:
        msg = f"{where} failed: {err}"
        cls = PxWebError
    out = cls(msg, err.url)
    out.status = status  # type: ignore[attr-defined]
    return out
