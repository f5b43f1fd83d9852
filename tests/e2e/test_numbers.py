"""Every page in Swedish shows Swedish numbers, every page in English English ones (issue 16, acceptance).

What is read: metric values, every text in the plotly charts (ticks, bar labels, legends, annotations) and the
table cells through the grid's accessible text (`td[role=gridcell]`, the rows the grid has drawn). Only tokens
that are numbers ("1 617 407", "0,3 %", "12.5 km") are judged; words and years pass.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e import harness
from tests.e2e.conftest import no_exception, open_page

pytestmark = pytest.mark.browser

_TEXTS_JS = """
() => {
  const q = s => Array.from(document.querySelectorAll(s)).map(e => e.textContent.trim());
  return {
    metrics: q('[data-testid="stMain"] [data-testid="stMetricValue"]'),
    charts: q('[data-testid="stPlotlyChart"] .main-svg text'),
    cells: q('[data-testid="stMain"] td[role="gridcell"]'),
  };
}
"""

# A token that is only a number, possibly signed, with a unit: "1 617 407", "−0,3 %", "+716", "12.5 km", "3%".
NUMBER = re.compile(r"^[−+\-]?\d[\d\s\u00a0\u202f.,]*(\s?(%|kr|km|min|ha))?$")
DIGITS = r"\d"
# English style on a Swedish page: a decimal point between digits, or comma-grouped thousands ("1,617,407").
EN_IN_SV = re.compile(rf"{DIGITS}\.{DIGITS}|^[−+\-]?\d{{1,3}}(,\d{{3}})+(?!\d)")
# Swedish style on an English page: space-grouped thousands, or a decimal comma ("1,8": not three digits after).
SV_IN_EN = re.compile(rf"{DIGITS}[\s\u00a0\u202f]\d{{3}}(?!\d)|,\d{{1,2}}(?!\d)|,\d{{4,}}|−")

# Each page with a view that has many numbers: a kommun, a county and (villages) the whole country's long table.
VIEWS = (
    "/?area=0861",
    "/villages?area=00",
    "/access?area=08&close=model:grocery:0861TB103",
    "/targets?area=0861",
    "/servicepoints?area=0861",
    "/data?area=0861&ds=villages",
    "/method",
)


def _numbers(page) -> dict[str, list[str]]:
    texts = page.evaluate(_TEXTS_JS)
    return {k: [t for t in v if NUMBER.match(t)] for k, v in texts.items()}


def _wrong(numbers: dict[str, list[str]], pattern: re.Pattern) -> dict[str, list[str]]:
    return {
        k: sorted({t for t in v if pattern.search(t)}) for k, v in numbers.items() if any(pattern.search(t) for t in v)
    }


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_page_shows_numbers_in_its_language(new_page, base_url: str, lang: str) -> None:
    page = new_page()
    seen = 0
    problems = {}
    for view in VIEWS:
        sep = "&" if "?" in view else "?"
        open_page(page, base_url, f"{view}{sep}lang={lang}", charts=not view.startswith(("/data", "/method")))
        no_exception(page)
        numbers = _numbers(page)
        seen += sum(len(v) for v in numbers.values())
        wrong = _wrong(numbers, EN_IN_SV if lang == "sv" else SV_IN_EN)
        if wrong:
            problems[view] = wrong
        if lang == "sv" and view == "/villages?area=00":
            # the national table (over 500 rows) is formatted too: grouped thousands in its population column
            assert any(re.fullmatch(r"\d{1,3}(\u00a0\d{3})+", c) for c in numbers["cells"]), numbers["cells"][:40]
            harness.screenshot(page, "numbers_villages_00_sv")
    assert seen > 200, f"only {seen} numbers read: the reader finds nothing"
    assert not problems, f"{lang} pages with numbers in the other language's style: {problems}"


def test_the_reader_catches_the_wrong_style() -> None:
    """The patterns above are not blind: they flag each style on the other language's page."""
    assert EN_IN_SV.search("1.8") and EN_IN_SV.search("1,617,407") and not EN_IN_SV.search("1\u00a0617\u00a0407")
    assert not EN_IN_SV.search("0,3\u00a0%") and not EN_IN_SV.search("2020")
    assert SV_IN_EN.search("1\u00a0617") and SV_IN_EN.search("1,8") and SV_IN_EN.search("\u2212377")
    assert not SV_IN_EN.search("1,617,407") and not SV_IN_EN.search("0.3%") and not SV_IN_EN.search("-377")
    assert NUMBER.match("1\u00a0617\u00a0407") and NUMBER.match("0,3\u00a0%") and not NUMBER.match("Kalmar län")
