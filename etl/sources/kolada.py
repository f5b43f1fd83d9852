"""Kolada API v3 -> KPI and municipality lookups, and KPI values per kommun/region, year and gender (T/K/M).

Kolada pages its answers (`next_url`, at most 5,000 rows a page) and accepts at most 25 ids per path
segment (KPIs, municipalities, years), so requests are chunked to 25 and every page is followed.
Licence CC BY 4.0, attribution "Källa: Kolada".
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urljoin

import pandas as pd
import requests

from etl.sources import endpoints
from etl.sources.http import Fetched, FetchError, HttpStatusError, Session

BASE = endpoints.DEFAULTS["kolada"]  # a run uses endpoints.url("kolada") (SERVICEKARTAN_KOLADA_URL, read at call time)
MAX_PAGES = 100  # pages of one request followed at most when the envelope's `count` does not say how many
MAX_IDS = 25
PER_PAGE = 5000
LICENCE = "CC BY 4.0"
ATTRIBUTION = "Källa: Kolada"
DEFAULT_RATE = (5, 1.0)  # Kolada documents no limit; stay polite
GENDERS = ("T", "K", "M")  # totalt, kvinnor, män


class KoladaError(FetchError):
    """A Kolada request or response that cannot be used; the message says what to change."""


def chunks(items: Sequence[Any], size: int = MAX_IDS) -> list[list[Any]]:
    """Split ids into path segments of at most `size` ids (Kolada refuses longer lists)."""
    if size < 1:
        raise ValueError("chunk size must be >= 1")
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def check_page(payload: Any, url: str = "") -> list[dict]:
    """A data page -> its `values`, or KoladaError when it is not the documented shape."""
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
        keys = ", ".join(list(payload)[:6]) if isinstance(payload, dict) else type(payload).__name__
        raise KoladaError(f"Kolada answer has no 'values' list (got {keys}); the API may have changed ({url})", url)
    for row in payload["values"]:
        if not isinstance(row, dict) or not {"kpi", "municipality", "period", "values"} <= set(row):
            raise KoladaError(
                f"Kolada row lacks kpi/municipality/period/values: {str(row)[:200]}; the API may have changed ({url})",
                url,
            )
    return payload["values"]


def values_to_frame(payloads: Sequence[dict]) -> pd.DataFrame:
    """Kolada data pages -> long frame: kpi, municipality, period (int), gender, value (float, NaN = missing), status, count."""
    rows = []
    for payload in payloads:
        for row in check_page(payload):
            for v in row.get("values") or []:
                if v.get("isdeleted") is True:  # a withdrawn value (real v3 records carry `isdeleted`)
                    continue
                if not v.get("gender"):
                    raise KoladaError(
                        f"Kolada value of {row['kpi']} / {row['municipality']} / {row['period']} has no gender: "
                        f"{str(v)[:200]}; the API may have changed"
                    )
                value = v.get("value")
                rows.append(
                    {
                        "kpi": str(row["kpi"]),
                        "municipality": str(row["municipality"]),
                        "period": int(row["period"]),
                        "gender": str(v["gender"]),
                        "value": float(value) if value is not None else math.nan,
                        "status": v.get("status") or "",
                        "count": v.get("count"),
                    }
                )
    cols = ["kpi", "municipality", "period", "gender", "value", "status", "count"]
    df = pd.DataFrame(rows, columns=cols)
    df["period"] = df["period"].astype("int64")
    df["value"] = df["value"].astype(float)
    return df.drop_duplicates(["kpi", "municipality", "period", "gender"], keep="last").reset_index(drop=True)


def first_page_url(url: str, params: dict | None) -> str:
    """The URL a first-page request is sent to (params encoded as requests does), for the seen-URL set."""
    return requests.Request("GET", url, params=params).prepare().url or url


class PageGuard:
    """Bounds the `next_url` chain of one request: each URL once, at most a page cap (from the envelope's
    `count` when it says more than one page, else `MAX_PAGES`), and no page whose rows repeat an earlier one's."""

    def __init__(self, first_url: str, base: str, max_pages: int = MAX_PAGES) -> None:
        self.base = base
        self.seen = {first_url}
        self.max_pages = max_pages
        self.cap = max_pages
        self.pages = 0
        self.rows: dict[str, int] = {}  # sha256 of a page's rows -> its page number

    def next(self, url: str, payload: Any) -> str | None:
        """Check one page (in order); the absolute next URL to fetch, or None at the last page."""
        self.pages += 1
        values = payload.get("values") if isinstance(payload, dict) else None
        if values:
            digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
            if digest in self.rows:
                raise KoladaError(
                    f"Kolada paging does not advance: page {self.pages} repeats the rows of page "
                    f"{self.rows[digest]}; stopped and nothing of this unit kept. Rerun later; if it persists, the "
                    f"API's paging has changed ({url})",
                    url,
                )
            self.rows[digest] = self.pages
            count = payload.get("count")
            if isinstance(count, int) and count > len(values):  # a total: this many pages of this size
                self.cap = min(self.max_pages, math.ceil(count / len(values)) + 1)
        nxt = payload.get("next_url") if isinstance(payload, dict) else None
        if not nxt:
            return None
        nxt = urljoin(self.base + "/", str(nxt))
        if nxt in self.seen:
            raise KoladaError(
                f"Kolada paging loops: the next_url of page {self.pages} points to a page already fetched (a loop); "
                f"stopped and nothing of this unit kept. Rerun later; if it persists, report it to Kolada ({nxt})",
                url,
            )
        if self.pages >= self.cap:
            raise KoladaError(
                f"Kolada paging runs on: more than {self.cap} pages; stopped and nothing of this unit kept. Ask for "
                f"fewer ids or years per request (next_url after page {self.pages}: {nxt})",
                url,
            )
        self.seen.add(nxt)
        return nxt


class Kolada:
    """Kolada v3 client (paged, chunked, polite)."""

    def __init__(self, session: Session | None = None, *, base: str | None = None, per_page: int = PER_PAGE) -> None:
        self.session = session or Session(name="Kolada")
        if self.session.limiter is None:
            self.session.set_rate_limit(*DEFAULT_RATE)
        self.base = (base or endpoints.url("kolada")).rstrip("/")
        self.per_page = per_page

    def get_page(self, url: str, params: dict | None = None) -> Fetched:
        """One page, checked; HTTP errors get a message that says what to change."""
        try:
            f = self.session.get(url, params=params)
        except HttpStatusError as err:
            hint = (
                "check the KPI and municipality ids (at most 25 per path segment)"
                if err.status in (400, 404)
                else "rerun later (the run resumes)"
            )
            raise KoladaError(
                f"Kolada answered HTTP {err.status} for {err.url}: {err.body[:200]}. What to change: {hint}.", err.url
            ) from err
        if "/data/" in url:
            check_page(f.payload, f.url)
        return f

    def next_url(self, payload: dict) -> str | None:
        nxt = payload.get("next_url") if isinstance(payload, dict) else None
        return urljoin(self.base + "/", nxt) if nxt else None

    def pages(self, url: str) -> Iterator[Fetched]:
        """Follow `next_url` from the first page to the last (guarded: no loop, no endless chain)."""
        params = {"per_page": self.per_page}
        guard = PageGuard(first_page_url(url, params), self.base)
        f = self.get_page(url, params)
        while True:
            yield f
            nxt = guard.next(f.url, f.payload)
            if nxt is None:
                return
            f = self.get_page(nxt)

    def lookup(self, path: str) -> list[dict]:
        out: list[dict] = []
        for f in self.pages(f"{self.base}/{path}"):
            out.extend(f.payload.get("values", []))
        return out

    def kpis(self, ids: Sequence[str]) -> list[dict]:
        """KPI descriptions (id, title, description, …) for the given ids."""
        out: list[dict] = []
        for part in chunks(ids):
            out.extend(self.lookup("kpi/" + ",".join(part)))
        return out

    def municipalities(self) -> list[dict]:
        """All kommuner (type K) and regions (type L) with ids and titles."""
        return self.lookup("municipality")

    def data_urls(self, kpi: str, years: Sequence[int], municipalities: Sequence[str] | None = None) -> list[str]:
        """First-page URLs for one KPI, all kommuner (or the given ids), the given years — chunked by 25."""
        urls = []
        for ys in chunks(sorted(set(years))):
            year_seg = ",".join(str(y) for y in ys)
            if municipalities:
                for ms in chunks(list(municipalities)):
                    urls.append(f"{self.base}/data/kpi/{kpi}/municipality/{','.join(ms)}/year/{year_seg}")
            else:
                urls.append(f"{self.base}/data/kpi/{kpi}/year/{year_seg}")
        return urls

    def data(self, kpi: str, years: Sequence[int], municipalities: Sequence[str] | None = None) -> pd.DataFrame:
        """Every value of one KPI for the years (and kommuner) asked for, all pages followed."""
        payloads = [f.payload for url in self.data_urls(kpi, years, municipalities) for f in self.pages(url)]
        return values_to_frame(payloads)
