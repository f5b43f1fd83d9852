"""What an online fetcher is: a typed spec (`Fetcher`), the options of a run and the context its `fetch` uses.

A fetcher module in `etl/fetchers/` defines `SPEC = Fetcher(...)`: where its responses live in data/raw
(`source`, `dataset`), what it is called in the data status (`label`, `feeds`, `fallback`), its licence and
attribution, how a run is split into resumable units (`units`), the session options of its API, `fetch`
(network only: requests through the `FetchContext`, which saves every response) and `transform` (pure:
saved responses -> rows).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from etl.progress import Progress
from etl.raw import RawItem, RawStore, read_raw, request_key, unit_manifests
from etl.sources.http import Fetched, Session
from servicekartan.datasets import columns


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


@dataclass(frozen=True)
class Fetcher:
    """One online source feeding one raw dataset: everything the runner and the data status need to know."""

    name: str  # e.g. "osm_services": the unit label in progress lines and the `step` in _unit.json
    source: str  # e.g. "osm": `--source` choice and data/raw/<source>/
    dataset: str  # data/raw/<source>/<dataset>/
    feeds: str  # the processed datasets it feeds (data status "dataset" column)
    label: str  # what the data status calls the source
    licence: str
    attribution: str
    fallback: str  # what the app shows without it: "seed" or "modelled"
    units: Callable[[Options], list[str]]  # the resumable units of a run
    fetch: Callable[[FetchContext, str], None]  # network only: one unit's requests through the context
    transform: Callable[..., Any]  # pure: saved responses (+ context frames) -> rows
    session: Mapping[str, Any] = field(default_factory=dict)  # Session(**session): backoff, timeouts …

    def raw(self) -> list[RawItem]:
        """Every committed response of this fetcher (all units), oldest first."""
        return read_raw(self.source, self.dataset)

    def manifests(self) -> list[dict]:
        """The `_unit.json` manifests of its committed units."""
        return unit_manifests(self.source, self.dataset)

    def status(self) -> dict[str, Any]:
        """One data-status row: observed (fetched raw data present) or the fallback, retrieved date, file count."""
        manifests = self.manifests()
        return {
            "dataset": self.feeds,
            "source": self.label,
            "status": "observed" if manifests else self.fallback,
            "retrieved": max((m.get("completed_at", "") for m in manifests), default="")[:10],
            "raw_files": sum(len(m.get("files", [])) for m in manifests),
            "units": ", ".join(sorted(m.get("unit", "") for m in manifests)),
            "licence": self.licence,
        }


def status_frame(fetchers: list[Fetcher] | tuple[Fetcher, ...]) -> pd.DataFrame:
    """The data status of the given fetchers, one row each (columns of the `data_status` dataset)."""
    return pd.DataFrame([f.status() for f in fetchers], columns=list(columns("data_status")))
