"""Shared helpers of the fetch tests: a fake clock, recorded fixtures served at their URLs, folder hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import responses

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"
OWN_FIXTURES = Path(__file__).resolve().parent / "fixtures"
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
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()
    }


def add_json(rsps: responses.RequestsMock, method: str, url: str, body: bytes, status: int = 200, **kw) -> None:
    rsps.add(method, url, body=body, status=status, content_type="application/json", **kw)
