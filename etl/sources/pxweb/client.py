"""The SCB PxWeb client: API 2.0 first, v1 as fallback; opened tables plan, send and check (split, paced) queries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pandas as pd

from etl.sources import endpoints
from etl.sources.http import Fetched, FetchError, HttpStatusError, Session, SourceDown
from etl.sources.pxweb.errors import PxWebError, ResponseShapeError, problem_error
from etl.sources.pxweb.jsonstat import response_to_frame
from etl.sources.pxweb.metadata import (
    DEFAULT_RATE,
    ApiConfig,
    TableMeta,
    config_from_v1,
    config_from_v2,
    meta_from_jsonstat2,
    meta_from_v1,
)
from etl.sources.pxweb.selection import Selection, count_cells, expand_selection, merge_frames, split_selection

# the real services; a run uses `endpoints.url("scb_v2"/"scb_v1")` (SERVICEKARTAN_SCB_V2_URL / _V1_URL, read at call time)
V2_BASE = endpoints.DEFAULTS["scb_v2"]
V1_BASE = endpoints.DEFAULTS["scb_v1"]
MAX_SEARCH_PAGES = 20  # v2 /tables search pages followed at most (each one a request)


@dataclass(frozen=True)
class TableRef:
    """Where a table lives: its v2 id and/or its v1 path (subject path below `ssd/`)."""

    v2_id: str | None = None
    v1_path: str | None = None
    name: str = ""

    @property
    def ident(self) -> str:
        return self.v2_id or (self.v1_path or "").rsplit("/", 1)[-1] or self.name


@dataclass
class DataQuery:
    """One data request of a (possibly split) query, with a stable key for the raw store."""

    api: str
    table: str
    url: str
    params: dict
    body: dict
    selection: dict[str, list[str]]
    cells: int
    part: int = 1
    parts: int = 1


class PxWeb:
    """SCB PxWeb client: API 2.0 first, v1 as fallback."""

    def __init__(
        self,
        session: Session | None = None,
        *,
        v2_base: str | None = None,
        v1_base: str | None = None,
        lang: str = "sv",
        max_cells: int | None = None,
        use_v2: bool = True,
        v1_format: str = "json-stat2",
    ) -> None:
        self.session = session or Session(rate=DEFAULT_RATE)
        if self.session.limiter is None:
            self.session.set_rate_limit(*DEFAULT_RATE)
        self.v2_base = (v2_base or endpoints.url("scb_v2")).rstrip("/")
        self.v1_base = (v1_base or endpoints.url("scb_v1")).rstrip("/")
        self.lang = lang
        self.max_cells_override = max_cells
        self.use_v2 = use_v2
        self.v1_format = v1_format  # "json-stat2" (default), "json-stat" or "json"; all three are parsed
        self._config: dict[str, ApiConfig] = {}
        self.events: list[str] = []

    # -- plumbing
    def _get(self, url: str, table: str = "", **kw: Any) -> Fetched:
        try:
            return self.session.get(url, **kw)
        except HttpStatusError as err:
            raise problem_error(err, table, hint_url=url) from err

    def _apply_config(self, cfg: ApiConfig) -> ApiConfig:
        if self.max_cells_override:
            cfg.max_cells = min(cfg.max_cells, self.max_cells_override)
        self.session.set_rate_limit(cfg.max_calls, cfg.window)
        return cfg

    # -- API 2.0
    def config_v2(self) -> tuple[ApiConfig, Fetched | None]:
        if "v2" in self._config:
            return self._config["v2"], None
        f = self._get(f"{self.v2_base}/config")
        cfg = self._apply_config(config_from_v2(f.payload))
        self._config["v2"] = cfg
        return cfg, f

    def search(self, query: str, page_size: int = 100, max_pages: int = MAX_SEARCH_PAGES) -> list[dict]:
        """v2 table search (`/tables?query=`) -> table descriptions (id, label, paths, periods …).

        Follows `page.links` rel "next" (same host only, each URL once, at most `max_pages` pages); a page that
        repeats an earlier one, or more pages than the cap, raises PxWebError instead of returning a partial list.
        """
        out: list[dict] = []
        url: str | None = f"{self.v2_base}/tables"
        first = {"query": query, "lang": self.lang, "pageSize": page_size}
        params: dict | None = {**first, "pageNumber": 1}
        seen: set[str] = set()
        ids_seen: set[tuple[str, ...]] = set()
        host = urlsplit(self.v2_base).netloc
        for page in range(1, max_pages + 1):
            assert url is not None
            f = self._get(url, params=params)
            seen.add(f.url)
            tables = f.payload.get("tables", []) if isinstance(f.payload, dict) else []
            ids = tuple(str(t.get("id")) for t in tables if isinstance(t, dict))
            if ids and ids in ids_seen:
                raise PxWebError(f"SCB table search page {page} ({f.url}) repeats an earlier page; stopped", f.url)
            ids_seen.add(ids)
            out.extend(tables)
            info = (f.payload.get("page") if isinstance(f.payload, dict) else None) or {}
            nxt = next_link(info, f.url)
            if nxt is None:
                if page < int(info.get("totalPages", 1) or 1):
                    self.events.append(
                        f"SCB table search for {query!r}: page {page} of {info.get('totalPages')} has no next link; "
                        "the list is incomplete"
                    )
                return out
            if urlsplit(nxt).netloc != host:
                raise PxWebError(f"SCB table search: next page {nxt} is on another host than {host}; stopped", nxt)
            if nxt in seen:
                raise PxWebError(f"SCB table search: next page {nxt} was already fetched (a loop); stopped", nxt)
            # SCB's next link drops `query` (recorded scb_v2/tables.json): keep the search's own parameters
            have = {k.lower() for k in parse_qs(urlsplit(nxt).query)}
            url, params = nxt, {k: v for k, v in first.items() if k.lower() not in have} or None
        raise PxWebError(
            f"SCB table search for {query!r} has more than {max_pages} pages; stopped (narrow the query)", url or ""
        )

    def table_info(self, table_id: str) -> dict:
        return self._get(f"{self.v2_base}/tables/{table_id}", table_id, params={"lang": self.lang}).payload

    def metadata_v2(self, table_id: str) -> tuple[TableMeta, Fetched]:
        url = f"{self.v2_base}/tables/{table_id}/metadata"
        f = self._get(url, table_id, params={"lang": self.lang, "outputFormat": "json-stat2"})
        return meta_from_jsonstat2(f.payload, table_id), f

    # -- API v1
    def v1_url(self, path: str) -> str:
        return f"{self.v1_base}/{self.lang}/ssd/{path.strip('/')}"

    def config_v1(self, path: str) -> tuple[ApiConfig, Fetched | None]:
        """`?config` on a table path; an installation that does not answer it gets SCB's documented limits."""
        if "v1" in self._config:
            return self._config["v1"], None
        f: Fetched | None = None
        try:
            f = self._get(self.v1_url(path) + "?config", path)
            cfg = self._apply_config(config_from_v1(f.payload))
        except (PxWebError, AttributeError, TypeError, ValueError) as exc:
            self.events.append(f"v1 ?config of {path} unavailable ({exc}); using SCB's documented limits")
            f, cfg = None, self._apply_config(ApiConfig(api="v1"))
        self._config["v1"] = cfg
        return cfg, f

    def query_v1(self, path: str, query: dict) -> Fetched:
        """POST a v1 query body as given (`{"query": [...], "response": {"format": ...}}`), e.g. a saved query."""
        try:
            return self.session.post(self.v1_url(path), json_body=query)
        except HttpStatusError as err:
            raise problem_error(err, path) from err

    def list_v1(self, path: str = "") -> list[dict]:
        """v1 folder listing -> [{id, type ('l' folder / 't' table), text, updated?}]."""
        url = self.v1_url(path) if path else f"{self.v1_base}/{self.lang}/ssd"
        return list(self._get(url, path).payload)

    def find_tables_v1(self, folder: str, pattern: str, depth: int = 2) -> list[tuple[str, str]]:
        """Tables under a v1 folder whose text matches a regex -> [(path, text)] (folders walked `depth` deep)."""
        rx = re.compile(pattern, re.IGNORECASE)
        found: list[tuple[str, str]] = []
        for item in self.list_v1(folder):
            path = f"{folder.strip('/')}/{item['id']}"
            if item.get("type") == "t" and rx.search(item.get("text", "")):
                found.append((path, item.get("text", "")))
            elif item.get("type") == "l" and depth > 0:
                found.extend(self.find_tables_v1(path, pattern, depth - 1))
        return found

    def metadata_v1(self, path: str) -> tuple[TableMeta, Fetched]:
        f = self._get(self.v1_url(path), path)
        return meta_from_v1(f.payload, path), f

    # -- unified
    def open(self, ref: TableRef) -> Table:
        """Config + metadata of a table, API 2.0 first; on any failure there, the v1 path when the ref has one."""
        fetched: list[Fetched] = []
        v2_error: FetchError | None = None
        if self.use_v2 and ref.v2_id:
            try:
                cfg, fc = self.config_v2()
                meta, fm = self.metadata_v2(ref.v2_id)
                fetched += [f for f in (fc, fm) if f is not None]
                return Table(self, ref, "v2", meta, cfg, fetched)
            except (FetchError, KeyError, TypeError, ValueError) as exc:
                v2_error = exc if isinstance(exc, FetchError) else PxWebError(f"unexpected v2 answer: {exc!r}")
                if not ref.v1_path:
                    raise v2_error from exc
                if isinstance(exc, SourceDown):  # v1 is another host: give it its own chance
                    self.session.down, self.session.failures = None, 0
                self.events.append(f"PxWeb v2 failed for {ref.v2_id} ({v2_error}); falling back to v1 {ref.v1_path}")
        if not ref.v1_path:
            raise PxWebError(f"table reference {ref} has neither a v2 id nor a v1 path")
        try:
            cfg, fc = self.config_v1(ref.v1_path)
            meta, fm = self.metadata_v1(ref.v1_path)
        except FetchError as exc:
            if v2_error is not None:
                raise PxWebError(f"both PxWeb APIs failed. v2: {v2_error} | v1: {exc}", exc.url) from exc
            raise
        fetched += [f for f in (fc, fm) if f is not None]
        return Table(self, ref, "v1", meta, cfg, fetched)


class Table:
    """An opened table: metadata + limits; plans, sends and checks (split) data queries."""

    def __init__(
        self, client: PxWeb, ref: TableRef, api: str, meta: TableMeta, config: ApiConfig, fetched: list[Fetched]
    ) -> None:
        self.client = client
        self.ref = ref
        self.api = api
        self.meta = meta
        self.config = config
        self.fetched = fetched  # config + metadata responses, for the raw store

    @property
    def ident(self) -> str:
        return self.ref.v2_id if self.api == "v2" and self.ref.v2_id else self.ref.ident

    def _request(self, sel: dict[str, list[str]]) -> tuple[str, dict, dict]:
        if self.api == "v2":
            url = f"{self.client.v2_base}/tables/{self.ref.v2_id}/data"
            params = {"lang": self.client.lang, "outputFormat": "json-stat2"}
            body = {"selection": [{"variableCode": d, "valueCodes": codes} for d, codes in sel.items()]}
        else:
            url = self.client.v1_url(self.ref.v1_path or "")
            params = {}
            body = {
                "query": [{"code": d, "selection": {"filter": "item", "values": codes}} for d, codes in sel.items()],
                "response": {"format": self.client.v1_format},
            }
        return url, params, body

    def plan(self, selection: Selection, eliminate: Iterable[str] = ()) -> list[DataQuery]:
        """Selection -> the data requests to send (split under the cell limit)."""
        sel = expand_selection(self.meta, selection, eliminate)
        parts = split_selection(sel, self.config.max_cells)
        out = []
        for i, part in enumerate(parts, 1):
            url, params, body = self._request(part)
            out.append(DataQuery(self.api, self.ident, url, params, body, part, count_cells(part), i, len(parts)))
        return out

    def query(self, dq: DataQuery) -> Fetched:
        """Send one planned request; the response is checked against what was asked before it is returned."""
        try:
            f = self.client.session.post(dq.url, params=dq.params or None, json_body=dq.body)
        except HttpStatusError as err:
            raise problem_error(err, self.ident, cells=dq.cells, max_cells=self.config.max_cells) from err
        check_response(f.payload, dq, f.url)
        return f

    def fetch(self, selection: Selection, eliminate: Iterable[str] = ()) -> pd.DataFrame:
        """Plan, send every part (paced), check and merge -> one long frame."""
        return merge_frames(
            [response_to_frame(self.query(q).payload) for q in self.plan(selection, eliminate)], self.meta
        )


def next_link(page: dict, base: str) -> str | None:
    """The rel "next" href of a v2 `page.links` list (absolute), None when there is none."""
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return urljoin(base, str(link["href"]))
    return None


def check_response(payload: Any, dq: DataQuery, url: str = "") -> pd.DataFrame:
    """A data response -> its frame, or ResponseShapeError when it lacks a selected dimension or value."""
    try:
        frame = response_to_frame(payload)
    except ResponseShapeError as exc:
        raise ResponseShapeError(f"response of {dq.table} ({url or dq.url}) is malformed: {exc}", url) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ResponseShapeError(f"response of {dq.table} ({url or dq.url}) is malformed: {exc!r}", url) from exc
    for dim, codes in dq.selection.items():
        if dim not in frame.columns:
            raise ResponseShapeError(
                f"response of {dq.table} lacks dimension {dim!r} that the query selected (it has "
                f"{', '.join(c for c in frame.columns if c != 'value')}). The table's layout may have changed: compare "
                "its metadata and update the step's selection.",
                url,
            )
        got = set(frame[dim].unique())
        lost = [c for c in codes if c not in got]
        if lost:
            raise ResponseShapeError(
                f"response of {dq.table} lacks values {lost[:5]} of {dim!r} that the query selected; rerun, and if it "
                "persists compare the table's metadata with the step's selection.",
                url,
            )
    return frame
