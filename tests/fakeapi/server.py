"""A local fake of SCB PxWeb (v2, v1, WFS), Kolada v3 and Overpass that replays recorded bodies and injects faults.

One `FakeAPI` is one `ThreadingHTTPServer` per source on 127.0.0.1 (ephemeral ports, never another address),
each in a daemon thread. Each source also has its own path prefix (`/scb`, `/kolada`, `/overpass`) below which
the paths are the real services' paths, so a client only needs its base URL changed (`FakeAPI.urls`).

Faults are rules `(source, kind, path glob, method, times, params)`: the first rule that matches a request and
still has uses left decides what happens to it; everything else gets the normal (recorded) answer. So one run
can make SCB fine, Kolada hang and Overpass answer 504 twice and then OK.

Bounded: every request is counted (`count()`, `requests`); after `max_requests` the fake answers 503 with a
`fakeapi: request cap` text; a hang or trickle lasts at most its `max_s`; the server stops itself after
`max_lifetime` seconds and `stop()` ends every open connection at once.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.fakeapi import bodies as B

HOST = "127.0.0.1"
SOURCES = ("scb", "kolada", "overpass")

# fault kind -> what it does (params and defaults); the README of the package and test_fakeapi.py show each
FAULTS: dict[str, str] = {
    "ok": "the normal recorded answer (use with `times` to let requests through before a later rule)",
    "rate_limit": "HTTP 429 (Overpass: its real rate_limited HTML; SCB: problem+json); retry_after=None|'<s>'|<http-date>",
    "status": "HTTP `status` (default 503; Overpass 504: its real too-busy HTML); retry_after optional; body optional",
    "problem": "RFC 7807 application/problem+json with `status` (default 403), shape of PxAPI-2.yml's example",
    "refused": "the source's port stops listening (a bound, never-listening socket holds it): refused, until clear()",
    "close": "read the request, then close the connection without a byte (RemoteDisconnected)",
    "hang": "read the request, never answer; lasts at most max_s (default 60) or until stop()",
    "trickle": "send the normal answer one byte every `interval` s (default 1.0), at most max_s (default 60)",
    "truncated": "Content-Length of the whole normal answer, send `fraction` (default 0.5) of it, close",
    "drift": "schema drift of the normal answer (per source; `variant`, see _drift)",
    "html": "HTTP 200 text/html page (Overpass: its real OSM3S error page; others: handmade maintenance page)",
    "remark": "Overpass: HTTP 200 with the real body whose `remark` says 'runtime error: …' (no elements)",
    "self_next": "Kolada: a data page whose `next_url` is its own URL",
    "endless_next": "Kolada: every data page (real records again) has a `next_url` to page+1, forever",
    "oversize": "a valid JSON body of `size` bytes (default 224_000_000) streamed from a generator",
    "gzip_bomb": "Content-Encoding: gzip body (~1 MB) unpacking to `unpacked` bytes (default 1 GiB)",
}


@dataclass
class Fault:
    source: str
    kind: str
    path: str = "*"  # glob on the path below the source prefix, without the query (e.g. "/v3/data/*")
    method: str = "*"
    times: int | None = None  # the first `times` matching requests get the fault, later ones fall through
    params: dict[str, Any] = field(default_factory=dict)
    used: int = 0

    def matches(self, source: str, method: str, path: str) -> bool:
        return (
            self.source == source
            and (self.method == "*" or self.method.upper() == method)
            and fnmatch.fnmatchcase(path, self.path)
            and (self.times is None or self.used < self.times)
        )


@dataclass
class Seen:
    """One request the fake received."""

    source: str
    method: str
    path: str  # below the source prefix
    query: dict[str, list[str]]
    body: bytes
    fault: str  # kind applied, "" for a normal answer
    t: float


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterable[bytes] | None = None  # instead of body
    length: int | None = None  # Content-Length of a stream


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # a refused source listens again on the same port after clear()
    request_queue_size = 64
    fake: FakeAPI
    source: str


class FakeAPI:
    """The fake servers (one loopback port per source). Use as a context manager (or start()/stop());
    see `fault()`, `urls`, `count()`."""

    def __init__(
        self,
        *,
        max_requests: int = 5000,
        max_lifetime: float = 600.0,
        kolada_per_page: int | None = None,
        kolada_relabel: bool = False,
    ) -> None:
        self.max_requests = max_requests
        self.max_lifetime = max_lifetime
        self.kolada_per_page = kolada_per_page  # force small pages (the 5 real records over several pages)
        self.kolada_relabel = kolada_relabel  # rewrite the real records' kpi to the one asked (BUILT; off)
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self.capped = False
        self.stopped = threading.Event()  # set when stopping begins (ends hangs and trickles)
        self.closed = threading.Event()  # set when every port is closed
        self._lock = threading.Lock()
        self._conns: dict[socket.socket, str] = {}  # open connection -> source
        self._ports: dict[str, int] = {}
        self._servers: dict[str, _Server] = {}
        self._closed: dict[str, socket.socket] = {}  # refused source -> bound, never listening socket on its port
        self._timer: threading.Timer | None = None

    # ------------------------------------------------------------------ lifecycle

    def _serve(self, source: str, port: int = 0) -> None:
        server = _Server((HOST, port), _Handler)
        server.fake, server.source = self, source
        self._servers[source] = server
        self._ports[source] = server.server_address[1]
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fakeapi-{source}", daemon=True
        ).start()

    def _drop_connections(self, source: str | None = None) -> None:
        with self._lock:
            conns = [c for c, s in self._conns.items() if source is None or s == source]
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)

    def start(self) -> FakeAPI:
        for source in SOURCES:
            self._serve(source)
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()  # ends hangs and trickles
        self._drop_connections()
        for server in list(self._servers.values()):
            server.shutdown()
            server.server_close()
        self._servers.clear()
        for sock in self._closed.values():
            sock.close()
        self._closed.clear()
        if self._timer is not None:
            self._timer.cancel()
        self.closed.set()

    def __enter__(self) -> FakeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    def port_of(self, source: str) -> int:
        assert self._ports, "start() the fake first"
        return self._ports[source]

    def base(self, source: str) -> str:
        """Base URL of one source: its own port, and its prefix."""
        return f"http://{HOST}:{self.port_of(source)}/{source}"

    @property
    def urls(self) -> dict[str, str]:
        """Base URLs the clients use, keyed like the constants they replace (fixed for the fake's life)."""
        scb, kolada, osm = self.base("scb"), self.base("kolada"), self.base("overpass")
        return {
            "scb_v2": f"{scb}/api/v2",  # etl.sources.pxweb.V2_BASE
            "scb_v1": f"{scb}/OV0104/v1/doris",  # etl.sources.pxweb.V1_BASE
            "scb_wfs": f"{scb}/geodata/geoserver/stat/wfs",  # etl.steps.scb_tatorter.WFS_URL
            "kolada": f"{kolada}/v3",  # etl.sources.kolada.BASE
            "overpass": f"{osm}/api/interpreter",  # etl.sources.overpass.INTERPRETER
            "overpass_status": f"{osm}/api/status",  # etl.sources.overpass.STATUS
        }

    # ------------------------------------------------------------------ faults and counts

    def fault(
        self, source: str, kind: str, *, path: str = "*", method: str = "*", times: int | None = None, **params: Any
    ) -> Fault:
        """Add a fault rule (rules are tried in the order added). Returns it (its `used` counts applications).

        `refused` is source-wide and immediate: the source's server stops listening (open connections are
        cut) and a bound, never-listening socket holds its port, so connecting is refused until `clear()`.
        """
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; one of {SOURCES}")
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(FAULTS)}")
        if kind == "refused" and source not in self._closed:
            server = self._servers.pop(source)
            server.shutdown()
            server.server_close()
            self._drop_connections(source)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((HOST, self._ports[source]))
            self._closed[source] = sock
        f = Fault(source, kind, path, method, times, params)
        with self._lock:
            self.faults.append(f)
        return f

    def clear(self) -> None:
        """Drop every fault rule and listen again where refused (a 'healthy again' rerun); counts are kept."""
        with self._lock:
            self.faults.clear()
        for source, sock in list(self._closed.items()):
            sock.close()
            del self._closed[source]
            self._serve(source, self._ports[source])

    def count(self, source: str | None = None, path: str = "*", method: str = "*") -> int:
        """Requests received for a source (and a path glob below its prefix, and a method)."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (source is None or r.source == source)
                and (method == "*" or r.method == method.upper())
                and fnmatch.fnmatchcase(r.path, path)
            )

    def paths(self, source: str | None = None) -> dict[str, int]:
        """path -> number of requests (for a readable assertion message)."""
        out: dict[str, int] = {}
        with self._lock:
            for r in self.requests:
                if source is None or r.source == source:
                    key = f"{r.method} /{r.source}{r.path}"
                    out[key] = out.get(key, 0) + 1
        return out

    def _pick(self, source: str, method: str, path: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.kind != "refused" and f.matches(source, method, path):
                    f.used += 1
                    return f
        return None

    # ------------------------------------------------------------------ normal answers (recorded bodies)

    def answer(self, source: str, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Reply:
        if source == "scb":
            return self._scb(method, path, query, body)
        if source == "kolada":
            return self._kolada(method, path, query)
        if source == "overpass":
            return self._overpass(method, path)
        return Reply(404, b"fakeapi: unknown source", "text/plain")

    def _scb(self, method: str, path: str, query: dict, body: bytes) -> Reply:
        v2 = self.urls["scb_v2"]
        if path == "/api/v2/config":
            return Reply(body=B.recorded(B.SCB_V2_CONFIG))
        if path.rstrip("/") == "/api/v2/tables":
            rel = B.SCB_V2_SEARCH if "query" in query else B.SCB_V2_TABLES
            return Reply(body=B.rebase(B.recorded(rel), B.REAL_SCB_V2, v2))
        if path.startswith("/api/v2/tables/"):
            parts = path.split("/")  # ['', 'api', 'v2', 'tables', id, what]
            table, what = parts[4], (parts[5] if len(parts) > 5 else "")
            metas = {"TAB638": lambda: json.loads(B.recorded(B.SCB_V2_TAB638_META)), "TAB5557": B.tab5557_metadata}
            if table not in metas:
                return _problem(404, f"Table with id, {table} can not be found")
            if what == "metadata" and method == "GET":
                if table == "TAB638":
                    return Reply(body=B.recorded(B.SCB_V2_TAB638_META))
                return Reply(body=json.dumps(metas[table]()).encode())  # BUILT (see bodies.tab5557_metadata)
            if what == "data" and method == "POST":
                try:
                    sel = {s["variableCode"]: list(s["valueCodes"]) for s in json.loads(body)["selection"]}
                except (ValueError, KeyError, TypeError):
                    return _problem(400, "The request body is not a valid selection")
                if table == "TAB638" and sel == B.recorded_selection_v2():
                    return Reply(body=B.recorded(B.SCB_V2_TAB638_DATA))
                return Reply(body=json.dumps(B.jsonstat2_answer(metas[table](), sel)).encode())  # BUILT
            return _problem(404, f"No such resource {path}")
        if path.startswith("/OV0104/v1/doris/"):
            return self._scb_v1(method, path[len("/OV0104/v1/doris/") :], query, body)
        if path == "/geodata/geoserver/stat/wfs":
            if (query.get("typeNames") or [""])[0] == "stat:Smaorter_2023":
                return Reply(body=B.handmade(B.SCB_WFS_SMAORTER), content_type="application/json;charset=UTF-8")
            return Reply(400, b"<ows:ExceptionReport>unknown typeNames</ows:ExceptionReport>", "application/xml")
        return _problem(404, f"No such resource {path}")

    def _scb_v1(self, method: str, rel: str, query: dict, body: bytes) -> Reply:
        tables = {
            "sv/ssd/BE/BE0101/BE0101A/BefolkningNy": lambda: B.recorded(B.SCB_V1_BEFOLKNINGNY),
            "sv/ssd/MI/MI0810/MI0810A/LandarealTatortN": lambda: B.handmade(B.SCB_V1_TATORT_META),
            "sv/ssd/MI/MI0811/MI0811A/LandarealSmaort": lambda: B.handmade(B.SCB_V1_SMAORT_META),
        }
        rel = rel.rstrip("/")
        if "config" in query:  # `?config` answers the same for every table path
            return Reply(body=B.recorded(B.SCB_V1_CONFIG))
        if rel == "sv/ssd/BE/BE0101" and method == "GET":
            return Reply(body=B.recorded(B.SCB_V1_BE0101))
        if rel not in tables:
            return Reply(404, b"Resource not found", "text/plain")  # BUILT: v1's 404 body was not recorded
        if method == "GET":
            return Reply(body=tables[rel]())
        try:
            q = json.loads(body)
            sel = {item["code"]: list(item["selection"]["values"]) for item in q["query"]}
        except (ValueError, KeyError, TypeError):
            return Reply(400, b"Bad request", "text/plain")
        meta = B.v1_meta_as_jsonstat2(json.loads(tables[rel]()))
        return Reply(body=json.dumps(B.jsonstat2_answer(meta, sel)).encode())  # BUILT, json-stat2

    def _kolada(self, method: str, path: str, query: dict) -> Reply:
        if method != "GET":
            return Reply(405, b"Method Not Allowed", "text/plain")
        if path.startswith("/v3/kpi/"):
            ids = unquote(path[len("/v3/kpi/") :]).split(",")
            return Reply(body=B.kolada_page(B.kolada_kpi_rows(ids), None))
        if path.rstrip("/") == "/v3/municipality":
            return Reply(body=B.kolada_page(B.kolada_municipality_rows(), None))
        if path.startswith("/v3/data/"):
            records = B.kolada_records()
            if self.kolada_relabel and path.startswith("/v3/data/kpi/"):
                kpi = path.split("/")[4]
                records = [{**r, "kpi": kpi} for r in records]
            page = int((query.get("page") or ["1"])[0])
            per = int((query.get("per_page") or ["5000"])[0])
            if self.kolada_per_page:
                per = min(per, self.kolada_per_page)
            rows = records[(page - 1) * per : page * per]
            more = page * per < len(records)
            nxt = self._kolada_url(path, page + 1, per) if more else None
            return Reply(body=B.kolada_page(rows, nxt))
        return Reply(404, b'{"detail": "Not found."}')  # BUILT

    def _kolada_url(self, path: str, page: int, per: int) -> str:
        return f"{self.base('kolada')}{path}?{urlencode({'page': page, 'per_page': per})}"

    def _overpass(self, method: str, path: str) -> Reply:
        if path == "/api/status":
            return Reply(body=B.pasted(B.OVERPASS_STATUS_IDLE), content_type="text/plain; charset=utf-8")
        if path == "/api/interpreter":
            return Reply(body=B.recorded(B.OVERPASS_OK))
        return Reply(404, b"fakeapi: no such Overpass path", "text/plain")

    # ------------------------------------------------------------------ faults applied to answers

    def faulty(self, f: Fault, source: str, method: str, path: str, query: dict, body: bytes) -> Reply:
        p = f.params
        k = f.kind
        if k == "rate_limit":
            return self._error(source, 429, p.get("retry_after"), p.get("body"))
        if k == "status":
            return self._error(source, int(p.get("status", 503)), p.get("retry_after"), p.get("body"))
        if k == "problem":
            return _problem(int(p.get("status", 403)), p.get("detail"))
        if k == "html":
            if source == "overpass":
                return Reply(200, B.pasted(B.OVERPASS_504), "text/html; charset=utf-8")
            return Reply(200, B.handmade(B.MAINTENANCE_HTML), "text/html; charset=utf-8")
        if k == "remark":
            return Reply(200, B.pasted(B.OVERPASS_REMARK))
        if k == "oversize":
            size = int(p.get("size", 224_000_000))
            _, length = B.oversize_length(source, size)
            return Reply(200, stream=B.oversize_stream(source, size), length=length)
        if k == "gzip_bomb":
            return Reply(200, B.gzip_bomb(int(p.get("unpacked", 1 << 30))), headers={"Content-Encoding": "gzip"})
        if k in ("self_next", "endless_next"):
            if source != "kolada" or not path.startswith("/v3/data/"):
                return self.answer(source, method, path, query, body)
            page = int((query.get("page") or ["1"])[0])
            per = int((query.get("per_page") or ["5000"])[0])
            if k == "self_next":
                own = f"{self.base('kolada')}{path}" + (f"?{urlencode(query, doseq=True)}" if query else "")
                nxt = own
            else:
                nxt = self._kolada_url(path, page + 1, per)
            return Reply(body=B.kolada_page(B.kolada_records(), nxt))
        normal = self.answer(source, method, path, query, body)
        if k == "drift":
            return _drift(source, path, normal, p.get("variant"))
        return normal  # "ok", and the transport faults (trickle, truncated) send the normal answer their way

    def _error(self, source: str, status: int, retry_after: Any, body: bytes | None) -> Reply:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if body is not None:
            return Reply(status, body, "text/plain; charset=utf-8", headers)
        if source == "overpass":
            if status == 429:
                return Reply(status, B.pasted(B.OVERPASS_429), "text/html; charset=utf-8", headers)
            if status in (502, 503, 504):
                return Reply(status, B.pasted(B.OVERPASS_504), "text/html; charset=utf-8", headers)
            return Reply(status, B.pasted(B.OVERPASS_DOWN), "text/plain; charset=utf-8", headers)
        if source == "scb":
            r = _problem(status, None)
            r.headers.update(headers)
            return r
        # Kolada: its error bodies were never recorded; a short BUILT text
        return Reply(status, f"{status} fakeapi Kolada error".encode(), "text/plain; charset=utf-8", headers)


def _problem(status: int, detail: str | None) -> Reply:
    return Reply(status, B.problem(status, detail), "application/problem+json; charset=utf-8")


def _drift(source: str, path: str, normal: Reply, variant: str | None) -> Reply:
    """The normal answer with its schema drifted (the body stays valid JSON)."""
    try:
        doc = json.loads(normal.body)
    except ValueError:
        return normal
    if source == "kolada" and isinstance(doc, dict) and isinstance(doc.get("values"), list):
        if variant == "no_values":  # the list under another name
            doc = {"count": doc.get("count"), "data": doc.pop("values")}
        else:  # default "renamed_keys": rows named like rKolada's tables (municipality_id, year)
            doc["values"] = [
                {
                    ("municipality_id" if k == "municipality" else "year" if k == "period" else k): v
                    for k, v in r.items()
                }
                for r in doc["values"]
            ]
    elif source == "overpass" and isinstance(doc, dict) and "elements" in doc:
        if variant == "no_center":  # elements lose their coordinates (a client may silently drop them all)
            for el in doc["elements"]:
                for key in ("center", "lat", "lon", "geometry"):
                    el.pop(key, None)
        else:  # default "renamed_elements"
            doc["element"] = doc.pop("elements")
    elif source == "scb" and isinstance(doc, dict) and "dimension" in doc and "value" in doc:
        # a data answer that lacks one selected dimension (the first that is neither region, content nor time)
        time_dims = set((doc.get("role") or {}).get("time") or [])
        drop = next((d for d in doc["id"] if d not in ("Region", "ContentsCode") and d not in time_dims), None)
        if variant == "string_values" or drop is None:
            doc["value"] = [None if v is None else f"{v:,.1f}" for v in doc["value"]]
        else:
            i = doc["id"].index(drop)
            n = doc["size"][i]
            doc["id"].pop(i)
            doc["size"].pop(i)
            doc["dimension"].pop(drop)
            doc["value"] = doc["value"][:: max(1, n)][: _prod(doc["size"])]
    else:
        doc = {"result": doc}  # any other JSON: wrapped one level deeper
    return Reply(normal.status, json.dumps(doc, ensure_ascii=False).encode(), normal.content_type, normal.headers)


def _prod(xs: list[int]) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30  # a client that stops sending its request is dropped

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake._conns[self.connection] = self.server.source

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.server.fake._lock:
            self.server.fake._conns.pop(self.connection, None)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.server.fake
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        parts = urlsplit(self.path)
        segs = parts.path.split("/", 2)  # ['', source, rest]
        source = segs[1] if len(segs) > 1 else ""
        if source != self.server.source:  # each port serves only its own source's prefix
            source = ""
        path = "/" + (segs[2] if len(segs) > 2 else "")
        query = parse_qs(parts.query, keep_blank_values=True)
        method = self.command
        f = fake._pick(source, method, path) if source in SOURCES else None
        with fake._lock:
            over = len(fake.requests) >= fake.max_requests
            fake.requests.append(Seen(source, method, path, query, body, f.kind if f else "", time.monotonic()))
        if over:
            fake.capped = True
            self._send(Reply(503, f"fakeapi: request cap {fake.max_requests} reached".encode(), "text/plain"))
            return
        if f is not None and f.kind == "hang":
            fake.stopped.wait(float(f.params.get("max_s", 60.0)))
            self.close_connection = True
            return
        if f is not None and f.kind == "close":
            self.close_connection = True
            return
        if f is not None:
            reply = fake.faulty(f, source, method, path, query, body)
        else:
            reply = fake.answer(source, method, path, query, body)
        if f is not None and f.kind == "trickle":
            self._trickle(reply, float(f.params.get("interval", 1.0)), float(f.params.get("max_s", 60.0)))
        elif f is not None and f.kind == "truncated":
            self._truncated(reply, float(f.params.get("fraction", 0.5)))
        else:
            self._send(reply)

    def _head(self, reply: Reply, length: int) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(length))
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()

    def _send(self, reply: Reply) -> None:
        stop = self.server.fake.stopped
        try:
            if reply.stream is not None:
                assert reply.length is not None
                self._head(reply, reply.length)
                for chunk in reply.stream:
                    if stop.is_set():
                        self.close_connection = True
                        return
                    self.wfile.write(chunk)
            else:
                self._head(reply, len(reply.body))
                if self.command != "HEAD":
                    self.wfile.write(reply.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _trickle(self, reply: Reply, interval: float, max_s: float) -> None:
        body = reply.body if reply.stream is None else b"".join(_take(reply.stream, 1 << 20))
        stop = self.server.fake.stopped
        deadline = time.monotonic() + max_s
        self.close_connection = True
        try:
            self._head(reply, len(body))
            self.wfile.flush()
            for i in range(len(body)):
                if stop.wait(interval) or time.monotonic() > deadline:
                    return
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _truncated(self, reply: Reply, fraction: float) -> None:
        body = reply.body
        self.close_connection = True
        try:
            self._head(reply, len(body) + (0 if fraction < 1 else 1))
            self.wfile.write(body[: int(len(body) * fraction)] if fraction < 1 else body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


def _take(stream: Iterable[bytes], limit: int) -> Iterator[bytes]:
    n = 0
    for chunk in stream:
        yield chunk
        n += len(chunk)
        if n >= limit:
            return
