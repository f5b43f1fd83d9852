"""Find a place by name (servicekartan/search.py) and the allowlist of link parameters (ui/url_state.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from servicekartan import catalog, search
from servicekartan.ui.url_state import KNOWN_PARAMS

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def places(data_env):
    return catalog.read("regions"), catalog.read("villages")


@pytest.mark.parametrize("query", ["Fliseryd", "fliseryd", "FLISERYD", "  Fliseryd "])
def test_a_village_by_name_whatever_the_case(places, query) -> None:
    hits = search.find(query, *places)
    assert [(h.kind, h.code, h.area) for h in hits] == [("village", "0861TB103", "0861")]


def test_accents_are_optional(places) -> None:
    assert [h.code for h in search.find("monsteras kommun", *places)] == ["0861"]
    assert [h.code for h in search.find("Kalmar lan", *places)] == ["08"]


def test_a_name_shared_by_a_kommun_and_a_village_gives_both(places) -> None:
    hits = search.find("Mönsterås", *places)
    assert [(h.kind, h.code) for h in hits] == [("municipality", "0861"), ("village", "0861TC104")]


def test_no_hit_and_prefix_hits(places) -> None:
    assert search.find("xyzzy", *places) == [] and search.find("", *places) == []
    assert all(search.fold(h.name).startswith("flis") for h in search.find("Flis", *places))


@pytest.mark.parametrize(
    ("raw", "code"),
    [("Mönsterås", "0861"), ("0861", "0861"), ("mönsterås kommun", "0861"), ("Kalmar län", "08"), ("nope", None)],
)
def test_area_by_name_or_code(places, raw, code) -> None:
    assert search.area_code(raw, places[0]) == code


def _balanced(text: str, start: int) -> str:
    """The parenthesised call starting at text[start] == "(" (nested parentheses included)."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start : i + 1]
    return text[start:]


def test_every_url_key_in_the_code_is_a_known_parameter() -> None:
    """A URL-bound widget whose key is not in KNOWN_PARAMS would lose its value: the allowlist drops it."""
    keys: set[str] = set()
    for path in [*REPO.glob("app_pages/*.py"), *REPO.glob("servicekartan/**/*.py")]:
        text = path.read_text()
        for m in re.finditer(r"\b(url_(?:select|multiselect|int|range|bool|number|value|param)|sync_url)\(", text):
            call = _balanced(text, m.end() - 1)
            keys |= set(re.findall(r'key="(\w+)"', call))
            if m.group(1) in ("url_value", "url_param", "sync_url"):
                keys |= set(re.findall(r'^\(\s*"(\w+)"', call))
            if m.group(1) == "url_number":
                keys |= set(re.findall(r'\),\s*"(\w+)"', call))  # (label, "key", …)
    assert {"lacking", "building", "fte", "rate", "village", "area"} <= keys  # the scan finds the keys
    assert keys <= KNOWN_PARAMS, f"link parameters missing from KNOWN_PARAMS: {sorted(keys - KNOWN_PARAMS)}"
