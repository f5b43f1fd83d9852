"""Shared helpers of the fetch tests: a fake clock, recorded fixtures served at their URLs, folder hashes."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import responses

from tests.fakeapi import bodies

OWN_FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The workplace's real recorded API responses live in ../shared/fixtures beside the repo. A clone without that
# folder (a CI machine) uses tests/fixtures/recorded/, a byte-identical copy (test_recorded_copy_is_identical).
SHARED_FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"
RECORDED_COPY = OWN_FIXTURES / "recorded"
FIXTURES = SHARED_FIXTURES if SHARED_FIXTURES.exists() else RECORDED_COPY
PXWEB_R = FIXTURES / "pxweb_r"

V1_TABLE_SV = "https://api.scb.se/OV0104/v1/doris/sv/ssd/BE/BE0101/BE0101A/BefolkningNy"
V1_TABLE_EN = "https://api.scb.se/OV0104/v1/doris/en/ssd/BE/BE0101/BE0101A/BefolkningNy"
V2 = "https://statistikdatabasen.scb.se/api/v2"


class FakeClock:
    """Monotonic time that only moves when something sleeps; every sleep is recorded."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.t = 0.0
        self.start = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)

    def wall(self) -> float:
        return self.start + self.t


def fixture_bytes(rel: str) -> bytes:
    """A recorded response, byte for byte."""
    return (FIXTURES / rel).read_bytes()


def own_fixture(rel: str) -> bytes:
    return (OWN_FIXTURES / rel).read_bytes()


def body_json(request) -> dict:
    return json.loads(request.body) if request.body else {}


def hash_tree(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every file below root (missing root -> {})."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def add_json(rsps: responses.RequestsMock, method: str, url: str, body: bytes, status: int = 200, **kw) -> None:
    rsps.add(method, url, body=body, status=status, content_type="application/json", **kw)


# ---------------------------------------------------------------------------------------------- a computing PxWeb server

TAB638_META = "pxweb_r/v2/tables/TAB638/metadata-f01ece.json"


# One builder of SCB answers serves the mocked server here and the local fake (tests/fakeapi).
cell_value, jsonstat2_answer = bodies.cell_value, bodies.jsonstat2_answer


def tab5557_metadata() -> dict:
    """TAB5557's documented shape (2025-, Cell Key Method), a fresh copy (callers edit it)."""
    return copy.deepcopy(bodies.tab5557_metadata())


def serve_scb_population(rsps: responses.RequestsMock, *, data=None, calls: list | None = None) -> None:
    """v2 config + TAB638 (recorded metadata) + TAB5557 (documented shape), data computed from each query.

    `data(table, selection)` may return a (status, headers, body) tuple to inject a fault.
    """
    metas = {"TAB638": json.loads((FIXTURES / TAB638_META).read_bytes()), "TAB5557": tab5557_metadata()}
    add_json(rsps, "GET", f"{V2}/config", (FIXTURES / "pxweb_r/v2/config.json").read_bytes())
    add_json(rsps, "GET", f"{V2}/tables/TAB638/metadata", (FIXTURES / TAB638_META).read_bytes())
    add_json(rsps, "GET", f"{V2}/tables/TAB5557/metadata", json.dumps(metas["TAB5557"]).encode())

    def post(request):
        table = request.path_url.split("/tables/")[1].split("/")[0]
        sel = {s["variableCode"]: s["valueCodes"] for s in body_json(request)["selection"]}
        if calls is not None:
            calls.append((table, sel))
        if data is not None:
            injected = data(table, sel)
            if injected is not None:
                return injected
        return (200, {"Content-Type": "application/json"}, json.dumps(jsonstat2_answer(metas[table], sel)))

    for table in metas:
        rsps.add_callback("POST", f"{V2}/tables/{table}/data", callback=post)
