"""The fault cases of issue 17 item 4 (and issue 11 item 2) as fake-API rules, for a fault suite to parametrize over.

Each case names the rules to add (`apply(api)`) and which fetch `--source` it targets. What the ETL must do
in each case is the suite's business; `today` records what the code at main cc6f91a did against this fake
(see the faults helper's report), so a test can mark the cases still expected to fail.
Cases that are not a server behaviour — kill -9 mid-unit, two concurrent fetches — are left to the suite
(run the fetch in a subprocess: `python -m tests.fakeapi.etl_shim fetch …`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakeapi.server import FakeAPI


@dataclass(frozen=True)
class Case:
    name: str
    source: str  # fetch --source (scb, kolada, osm)
    rules: tuple[tuple[str, str, dict[str, Any]], ...]  # (fake source, kind, params)
    today: str  # behaviour of main cc6f91a against the fake
    options: dict[str, Any] = field(default_factory=dict)  # fetch options the case is meant for (e.g. county)

    def apply(self, api: FakeAPI) -> None:
        for source, kind, params in self.rules:
            api.fault(source, kind, **params)


INTERPRETER = "/api/interpreter"
KOLADA_DATA = "/v3/data/*"
SCB_DATA = "/api/v2/tables/*/data"

CASES: tuple[Case, ...] = (
    Case("429 with Retry-After", "osm", (("overpass", "rate_limit", {"path": INTERPRETER, "retry_after": "7", "times": 2}),),
         "ok: Retry-After honoured (7 s, 7 s)", {"county": "08"}),
    Case("429 without Retry-After", "osm", (("overpass", "rate_limit", {"path": INTERPRETER}),),
         "FAILED after 5 attempts, backoff 15+30+60+120 s; /api/status not consulted between attempts", {"county": "08"}),
    Case("5xx then OK", "scb", (("scb", "status", {"path": SCB_DATA, "status": 503, "times": 3}),),
         "ok after 3 retries (2+4+8 s)"),
    Case("Overpass 504 then OK", "osm", (("overpass", "status", {"path": INTERPRETER, "status": 504, "times": 2}),),
         "ok after 2 retries", {"county": "08"}),
    Case("permanent 5xx", "kolada", (("kolada", "status", {"status": 503}),),
         "every unit FAILED, each after 5 attempts (no source-wide stop)"),
    Case("connection refused", "kolada", (("kolada", "refused", {}),),
         "first unit FAILED after 5 attempts (30 s backoff), other units skipped as unreachable"),
    Case("hang", "kolada", (("kolada", "hang", {"max_s": 600}),),
         "each request read-times-out after 120 s, 5 attempts (~630 s) per unit, every unit again: no deadline"),
    Case("trickle", "osm", (("overpass", "trickle", {"path": INTERPRETER, "interval": 20.0, "max_s": 600}),),
         "never times out (per-read timeout); a 1.9 kB body at 1 byte/20 s takes ~10 h", {"county": "08"}),
    Case("truncated", "kolada", (("kolada", "truncated", {}),),
         "retried as 'connection failed' (ChunkedEncodingError) and then marks the source unreachable"),
    Case("schema drift (Kolada rows)", "kolada", (("kolada", "drift", {"path": KOLADA_DATA}),),
         "unit FAILED: KoladaError 'lacks kpi/municipality/period/values' (clear), pages left in staging"),
    Case("schema drift (Overpass no coordinates)", "osm", (("overpass", "drift", {"variant": "no_center"}),),
         "ok: elements without coordinates silently dropped, the empty result committed", {"county": "08"}),
    Case("schema drift (SCB dimension missing)", "scb", (("scb", "drift", {"path": SCB_DATA}),),
         "unit FAILED: ResponseShapeError 'lacks dimension' (clear)"),
    Case("HTML page with 200", "osm", (("overpass", "html", {"path": INTERPRETER}),),
         "downloaded 5 times, reported as 'not valid JSON (truncated transfer?)'", {"county": "08"}),
    Case("RFC 7807 403", "scb", (("scb", "problem", {"path": SCB_DATA, "status": 403}),),
         "unit FAILED: TooManyCellsError with cells asked and /config limit (clear)"),
    Case("Overpass remark", "osm", (("overpass", "remark", {"path": INTERPRETER}),),
         "FAILED after 3 queries (remark retries); hint always says raise [timeout:]", {"county": "08"}),
    Case("self-looping next_url", "kolada", (("kolada", "self_next", {"path": KOLADA_DATA}),),
         "loops forever on the staged page (2 requests, then 100 % CPU, ~70 MB/min progress output)"),
    Case("endless next_url", "kolada", (("kolada", "endless_next", {"path": KOLADA_DATA}),),
         "follows every page (stopped only by the fake's request cap); every page stays in staging"),
    Case("oversize body", "osm", (("overpass", "oversize", {"path": INTERPRETER, "size": 224_000_000}),),
         "accepted and committed: 224 MB raw file, peak RSS ~1.26 GB", {"county": "08"}),
    Case("gzip bomb", "kolada", (("kolada", "gzip_bomb", {"path": KOLADA_DATA, "times": 1}),),
         "accepted: unpacked in memory and committed unpacked, 0 rows (measured at 128 MiB: +260 MB RSS)", {}),
)  # fmt: skip


def by_name(name: str) -> Case:
    for c in CASES:
        if c.name == name:
            return c
    raise KeyError(name)
