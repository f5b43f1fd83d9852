"""Kolada API v3 -> KPI and municipality lookups, and KPI values per kommun/region, year and gender (T/K/M).

Kolada pages its answers (`next_url`, at most 5,000 rows a page) and accepts at most 25 ids per path
segment (KPIs, municipalities, years), so requests are chunked to 25 and every page is followed.
Licence CC BY 4.0, attribution "Källa: Kolada".
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urljoin

import pandas as pd

from etl.sources.http import Fetched, FetchError, HttpStatusError, Session

BASE = "https://api.kolada.se/v3"
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
        raise KoladaError(f"Kolada answer from {url} has no 'values' list (got {keys}); the API may have changed", url)
    for row in payload["values"]:
        if not isinstance(row, dict) or not {"kpi", "municipality", "period", "values"} <= set(row):
            raise KoladaError(
                f"Kolada row from {url} lacks kpi/municipality/period/values: {str(row)[:200]}; the API may have changed",
                url,
            )
    return payload["values"]


def values_to_frame(payloads: Sequence[dict]) -> pd.DataFrame:
    """Kolada data pages -> long frame: kpi, municipality, period (int), gender, value (float, NaN = missing), status, count."""
    rows = []
    for payload in payloads:
        for row in check_page(payload):
            for v in row.get("values") or []:
                value = v.get("value")
                rows.append(
                    {
                        "kpi": str(row["kpi"]),
                        "municipality": str(row["municipality"]),
                        "period": int(row["period"]),
                        "gender": str(v.get("gender", "T")),
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


class Kolada:
    """Kolada v3 client (paged, chunked, polite)."""

    def __init__(self, session: Session | None = None, *, base: str = BASE, per_page: int = PER_PAGE) -> None:
        self.session = session or Session()
        if self.session.limiter is None:
            self.session.set_rate_limit(*DEFAULT_RATE)
        self.base = base.rstrip("/")
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
        """Follow `next_url` from the first page to the last."""
        f = self.get_page(url, {"per_page": self.per_page})
        yield f
        seen = {f.url}
        while (nxt := self.next_url(f.payload)) and nxt not in seen:
            seen.add(nxt)
            f = self.get_page(nxt)
            yield f

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
