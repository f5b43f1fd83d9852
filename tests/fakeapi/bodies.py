"""Bodies the fake serves: real recorded ones first, hand-built ones only where no real body exists.

Every function says where its bytes come from:

- `recorded(rel)`: a file of tests/fixtures/recorded/, byte for byte (see its README).
- `pasted(rel)`: a body pasted into another project's tests (Overpass error bodies): the leading newline
  and the trailing indentation the pasting added are stripped, nothing else.
- `handmade(rel)`: a file of tests/fixtures/handmade/ (labelled in its README).
- `kolada_page(...)`, `jsonstat2_answer(...)`, `tab5557_metadata()`: BUILT here, from real parts (real
  Kolada records, real TAB638 metadata) in a hand-made envelope / computed for the selection asked.
- `oversize_stream(...)`, `gzip_bomb(...)`: synthetic fault bodies.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import textwrap
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RECORDED = FIXTURES / "recorded"
HANDMADE = FIXTURES / "handmade"

# real origins whose absolute URLs appear inside recorded bodies; the fake rewrites them to itself so a client that
# follows a link in a replayed body (SCB v2 `page.links`, `links`) never leaves 127.0.0.1
REAL_SCB_V2 = "https://statistikdatabasen.scb.se/api/v2"

# -- the recorded files the fake replays (paths relative to tests/fixtures/recorded)
SCB_V2_CONFIG = "pxweb_r/v2/config.json"
SCB_V2_TAB638_META = "pxweb_r/v2/tables/TAB638/metadata-f01ece.json"
SCB_V2_TAB638_DATA = "pxweb_r/v2/tables/TAB638/data-35e0e2-5aec69-POST.json"
SCB_V2_TABLES = "scb_v2/tables.json"  # GET /tables?lang=sv, page 1 of 213, page.links next/last
SCB_V2_SEARCH = "scb_v2/search.json"  # GET /tables?query=befolkning…, 1 page
SCB_V1_CONFIG = "pxweb_r/v1/en/ssd/BE/BE0101/BE0101A/BefolkningNy-249173.json"  # ?config: maxValues, maxCells …
SCB_V1_BEFOLKNINGNY = "pxweb_r/v1/sv/ssd/BE/BE0101/BE0101A/BefolkningNy.json"
SCB_V1_BE0101 = "pxweb_r/v1/sv/ssd/BE/BE0101.json"
PXAPI_SPEC = "pxtools_pxwebapi/PxAPI-2.yml"
KOLADA_RECORDS = "kolada/omsorgsradar/tests/fixtures/kolada_n21704_fixture.json"  # 5 real v3 records, no envelope
KOLADA_KPIS = "kolada/rKolada-sysdata/kpi_subset.derived.json"  # field names exact, not the wire shape
KOLADA_MUNICIPALITIES = "kolada/rKolada-sysdata/munic.derived.json"
OVERPASS_OK = "overpass/aio-overpass_out_variations/way_out_center.json"  # Overpass 0.7.62.1, byte-exact
OVERPASS_ERRORS = "overpass/aio-overpass_error_bodies"
OVERPASS_STATUS_IDLE = f"{OVERPASS_ERRORS}/test_status__test_idle__body.txt"
OVERPASS_429 = f"{OVERPASS_ERRORS}/test_interpreter_error__test_too_many_queries__body.html"  # rate_limited
OVERPASS_504 = f"{OVERPASS_ERRORS}/test_interpreter_error__test_too_busy__body.html"  # busy / timeout
OVERPASS_400 = f"{OVERPASS_ERRORS}/test_interpreter_error__test_syntax_error__body.html"
OVERPASS_DOWN = f"{OVERPASS_ERRORS}/test_interpreter_error__test_plaintext_server_error__body.txt"
OVERPASS_REMARK = f"{OVERPASS_ERRORS}/test_interpreter_error__test_other_query_error_remark__body.json"

# -- hand-made files (tests/fixtures/handmade/README.md says why each exists)
SCB_V1_TATORT_META = "scb_v1_LandarealTatortN_metadata.json"
SCB_V1_SMAORT_META = "scb_v1_LandarealSmaort_metadata.json"
SCB_WFS_SMAORTER = "scb_wfs_Smaorter_2023.geojson"
MAINTENANCE_HTML = "maintenance_page.html"


@functools.cache
def recorded(rel: str) -> bytes:
    """A recorded body, byte for byte."""
    return (RECORDED / rel).read_bytes()


@functools.cache
def pasted(rel: str) -> bytes:
    """A body pasted into a test file: strip the pasting's leading newline and common/trailing indentation."""
    text = (RECORDED / rel).read_text(encoding="utf-8")
    if text.startswith("\n"):
        text = text[1:]
    text = textwrap.dedent(text).rstrip(" ")
    return text.encode("utf-8")


@functools.cache
def handmade(rel: str) -> bytes:
    return (HANDMADE / rel).read_bytes()


def recorded_json(rel: str) -> Any:
    return json.loads(recorded(rel))


def rebase(body: bytes, real: str, fake: str) -> bytes:
    """Point absolute links of a replayed body at the fake (the only edit ever made to a recorded body)."""
    return body.replace(real.encode(), fake.encode())


# ---------------------------------------------------------------------------------------------- SCB PxWeb


@functools.cache
def _spec() -> dict:
    return yaml.safe_load(recorded(PXAPI_SPEC))


def problem(status: int, detail: str | None = None) -> bytes:
    """RFC 7807 problem+json in the shape of PxAPI-2.yml's `ErrorResponse<status>` example (title, status, detail)."""
    responses = _spec()["components"]["responses"]
    example = responses.get(f"ErrorResponse{status}", {}).get("content", {}).get("application/problem+json", {})
    body = dict(example.get("example") or {"title": "Error", "status": status})
    if detail is not None:
        body["detail"] = detail
    return json.dumps(body).encode()


@functools.cache
def tab5557_metadata() -> dict:
    """BUILT: TAB5557 (2025-, Cell Key Method) derived from the real TAB638 metadata as SCB documents it —
    total codes SC / TotSA / TotSa instead of elimination, content codes 000007ME / 000007MG, Tid 2025."""
    meta = copy.deepcopy(recorded_json(SCB_V2_TAB638_META))
    meta["label"] = "Folkmängden efter region, civilstånd, ålder och kön. År 2025"
    dims = meta["dimension"]
    for dim, code, label in (
        ("Civilstand", "SC", "totalt, samtliga civilstånd"),
        ("Alder", "TotSA", "totalt, samtliga åldrar"),
        ("Kon", "TotSa", "totalt, samtliga män och kvinnor"),
    ):
        cat = dims[dim]["category"]
        cat["index"] = {**{k: v for k, v in cat["index"].items() if k != "tot"}, code: len(cat["index"])}
        cat["label"] = {**{k: v for k, v in cat["label"].items() if k != "tot"}, code: label}
        dims[dim].setdefault("extension", {})["elimination"] = False
    dims["ContentsCode"]["category"] = {
        "index": {"000007ME": 0, "000007MG": 1},
        "label": {"000007ME": "Folkmängd", "000007MG": "Folkökning"},
    }
    dims["Tid"]["category"] = {"index": {"2025": 0}, "label": {"2025": "2025"}}
    meta["size"] = [len(dims[d]["category"]["index"]) for d in meta["id"]]
    return meta


def v1_meta_as_jsonstat2(meta: dict) -> dict:
    """v1 table metadata ({title, variables}) -> a JSON-stat2 metadata dict, so one computation serves v1 and v2."""
    ids = [v["code"] for v in meta["variables"]]
    dims = {}
    for v in meta["variables"]:
        texts = v.get("valueTexts") or v["values"]
        dims[v["code"]] = {
            "label": v.get("text", v["code"]),
            "category": {
                "index": {c: i for i, c in enumerate(v["values"])},
                "label": dict(zip(v["values"], texts, strict=False)),
            },
        }
    return {
        "label": meta.get("title", ""),
        "id": ids,
        "role": {"time": [v["code"] for v in meta["variables"] if v.get("time")], "metric": ["ContentsCode"]},
        "dimension": dims,
    }


def cell_value(codes: tuple[str, ...]) -> float:
    """Deterministic value of a cell from its codes (the fake's 'database')."""
    return float(sum((i + 1) * (len(c) * 31 + sum(map(ord, c))) for i, c in enumerate(codes)))


def jsonstat2_answer(meta: dict, sel: dict[str, list[str]], value=None) -> dict:
    """BUILT: a JSON-stat2 data answer for an explicit selection, shaped like SCB's (recorded data-*-POST.json)."""
    dims = [d for d in meta["id"] if d in sel]
    return {
        "version": "2.0",
        "class": "dataset",
        "label": meta.get("label", ""),
        "source": "SCB",
        "updated": meta.get("updated", ""),
        "role": meta.get("role", {}),
        "id": dims,
        "size": [len(sel[d]) for d in dims],
        "dimension": {
            d: {
                "label": meta["dimension"][d]["label"],
                "category": {
                    "index": {c: i for i, c in enumerate(sel[d])},
                    "label": {c: meta["dimension"][d]["category"]["label"].get(c, c) for c in sel[d]},
                },
            }
            for d in dims
        },
        "value": [(value or cell_value)(k) for k in itertools.product(*[sel[d] for d in dims])],
    }


def recorded_selection_v2() -> dict[str, list[str]]:
    """The selection the recorded TAB638 data answer holds (one cell)."""
    d = recorded_json(SCB_V2_TAB638_DATA)
    return {k: list(d["dimension"][k]["category"]["index"]) for k in d["id"]}


# ---------------------------------------------------------------------------------------------- Kolada


def kolada_records() -> list[dict]:
    """The 5 real v3 records (N21704, 2023): `isdeleted`, unordered gender lists, integer `period`."""
    return recorded_json(KOLADA_RECORDS)["values"]


def kolada_page(values: list, next_url: str | None) -> bytes:
    """HAND-BUILT envelope around real rows: `{"count": n, "values": [...], "next_url"?: ...}` (no real v3
    envelope was recorded; `next_url` is absolute, pointing at the fake)."""
    body: dict[str, Any] = {"count": len(values), "values": values}
    if next_url:
        body["next_url"] = next_url
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


def kolada_kpi_rows(ids: list[str]) -> list[dict]:
    """rKolada's cached v3 KPI rows (field names exact) for the ids asked for; unknown ids are left out."""
    rows = recorded_json(KOLADA_KPIS)
    return [r for r in rows if r.get("id") in ids]


def kolada_municipality_rows() -> list[dict]:
    return recorded_json(KOLADA_MUNICIPALITIES)


# ---------------------------------------------------------------------------------------------- synthetic fault bodies

OVERSIZE_PARTS: dict[str, tuple[bytes, bytes, bytes]] = {
    # source -> (prefix, item, suffix): a valid JSON document of the source's shape, of any length
    "kolada": (b'{"count": 0, "values": [', b"", b"]}"),  # item = a real record, filled in below
    "overpass": (b'{"version": 0.6, "generator": "fakeapi oversize", "elements": [', b"", b"]}"),
    "scb": (b'{"version": "2.0", "class": "dataset", "id": [], "size": [], "dimension": {}, "value": [', b"1", b"]}"),
}


def _oversize_parts(source: str) -> tuple[bytes, bytes, bytes]:
    prefix, item, suffix = OVERSIZE_PARTS[source]
    if source == "kolada":
        item = json.dumps(kolada_records()[0], ensure_ascii=False).encode()
    elif source == "overpass":
        item = json.dumps(json.loads(recorded(OVERPASS_OK))["elements"][0], ensure_ascii=False).encode()
    return prefix, item, suffix


def oversize_length(source: str, size: int) -> tuple[int, int]:
    """(number of items, exact byte length) of the oversize body of about `size` bytes."""
    prefix, item, suffix = _oversize_parts(source)
    n = max(1, (size - len(prefix) - len(suffix)) // (len(item) + 1))
    return n, len(prefix) + n * len(item) + (n - 1) + len(suffix)


def oversize_stream(source: str, size: int, chunk: int = 1 << 16) -> Iterator[bytes]:
    """A valid JSON body of about `size` bytes, generated chunk by chunk (never held in memory)."""
    prefix, item, suffix = _oversize_parts(source)
    n, _ = oversize_length(source, size)
    yield prefix
    per = max(1, chunk // (len(item) + 1))
    block = (item + b",") * per
    left = n
    while left > 1:
        k = min(per, left - 1)
        yield block if k == per else (item + b",") * k
        left -= k
    yield item + suffix


@functools.lru_cache(maxsize=4)
def gzip_bomb(unpacked: int = 1 << 30) -> bytes:
    """One gzip member that unpacks to `unpacked` bytes of a valid JSON document (`{"values": [   …   ]}`)
    — about 1 MB for 1 GiB. Built once per size (about 2 s for 1 GiB) and cached."""
    head, tail = b'{"values": [', b"]}"
    pad = unpacked - len(head) - len(tail)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31 = gzip container
    out = [c.compress(head)]
    block = b" " * (1 << 20)
    while pad > 0:
        k = min(pad, len(block))
        out.append(c.compress(block[:k]))
        pad -= k
    out.append(c.compress(tail))
    out.append(c.flush())
    return b"".join(out)
