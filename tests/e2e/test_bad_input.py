"""Bad input, in the browser and at AppTest level: hostile URL params, empty filters, malformed uploads, broken data.

Each case must give a clear message on the page while the rest of the page keeps working; user text is never
rendered as HTML (no dialog fires, no injected element exists). Dialogs, console errors and requests leaving
the machine fail the test through the `page` fixture.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.e2e import harness
from tests.e2e.conftest import alerts, assert_charts_drawn, main, no_exception, open_page

REPO = Path(__file__).resolve().parents[2]

# JS: anything in the DOM that only exists if user text was parsed as HTML.
_INJECTED_JS = """
() => {
  const bad = [];
  document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload]').forEach(e => bad.push(e.outerHTML.slice(0, 120)));
  document.querySelectorAll('script').forEach(s => { if ((s.textContent || '').includes('alert(1)')) bad.push('script: ' + s.textContent.slice(0, 80)); });
  document.querySelectorAll('a[href^="javascript:"]').forEach(a => bad.push(a.outerHTML.slice(0, 120)));
  return bad;
}
"""


@dataclass(frozen=True)
class Hostile:
    """One link with bad params; every (param, warning text) pair must show, and the bad values leave the URL."""

    id: str
    path: str  # URL-encoded as a browser sends it
    expect: tuple[tuple[str, str], ...]  # (param, substring of its warning)
    charts: int = 1


HOSTILE: tuple[Hostile, ...] = (
    # The area picker (sidebar, every page) — tried on the light Målbild page.
    Hostile(
        "unknown-area+script-target",
        "/targets?area=9999&target=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        (("area", "Okänd områdeskod i länken: 9999"), ("target", "target")),
    ),
    Hostile("sql-area", "/targets?area=08%27%20OR%201%3D1--", (("area", "Okänd områdeskod"),)),
    Hostile("script-area", "/targets?area=%3Cscript%3Ealert(1)%3C%2Fscript%3E", (("area", "Okänd områdeskod"),)),
    Hostile("non-utf8-area", "/targets?area=%ff%fe", (("area", "Okänd områdeskod"),)),
    # Page params: huge numbers, negative numbers, HTML in a code.
    Hostile(
        "villages-year-minpop-img",
        "/villages?area=0861&year=99999999999999999999&minpop=-5&village=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        (("year", "year"), ("minpop", "minpop"), ("village", "village")),
    ),
    Hostile(
        "access-svc-km-svg",
        "/access?area=0861&svc=bogus&km=7&close=%3Csvg%20onload%3Dalert(1)%3E",
        (("svc", "svc"), ("km", "km"), ("close", "close")),
    ),
    Hostile(
        "overview-lang-ind",
        "/?lang=xx&area=0861&ind=zzz%22%3E%3Cb%3Ebold",
        (("lang", "lang"), ("ind", "ind")),
    ),
    Hostile("data-reversed-years", "/data?ds=indicators&area=0861&years=2020-2015", (("years", "years"),), 0),
    Hostile("presenter-evil-deck", "/?present=1&deck=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", (("deck", "deck"),)),
)


def _raw_param(path: str, name: str) -> str:
    return unquote(path.split(f"{name}=", 1)[1].split("&", 1)[0], errors="replace")


@pytest.mark.browser
@pytest.mark.parametrize("case", HOSTILE, ids=[c.id for c in HOSTILE])
def test_hostile_url_params(page, base_url: str, case: Hostile) -> None:
    open_page(page, base_url, case.path, charts=case.charts > 0)
    no_exception(page)
    shown = alerts(page, ("Warning", "Error"))
    missing = [(p, text) for p, text in case.expect if not any(text in a for a in shown)]
    assert not missing, f"{case.path}: no clear warning for {missing}; warnings shown: {shown}"
    if case.charts:
        assert_charts_drawn(page, case.charts)  # the rest of the page works
    else:  # the table: waited for (the URL's corrected value can start one more rerun after the first render)
        main(page).locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
    injected = page.evaluate(_INJECTED_JS)
    assert not injected, f"user text became HTML: {injected}"
    now = unquote(page.url, errors="replace")
    kept = [p for p, _ in case.expect if f"{p}={_raw_param(case.path, p)}" in now]
    assert not kept, f"bad values of {kept} stay in the shareable URL: {page.url}"


@pytest.mark.browser
def test_empty_filter_result(page, base_url: str) -> None:
    """No village has 1 999 999 inhabitants: a clear message, and the village profile below still works."""
    open_page(page, base_url, "/villages?area=0861&minpop=1999999")
    no_exception(page)
    assert any("Inga byar matchar filtret" in a for a in alerts(page)), alerts(page)
    assert main(page).get_by_text("Mönsterås: 0 byar", exact=False).first.is_visible()
    assert_charts_drawn(page, 1)  # the profile's charts
    open_page(page, base_url, "/data?area=0861&minpop=1999999", charts=False)
    no_exception(page)
    assert any("Urvalet är tomt" in a for a in alerts(page)), alerts(page)


def _upload(page, name: str, data: bytes) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    harness.wait_idle(page)


MALFORMED_TARGETS = {
    "binary": b"\x00\x01\x02\xff\xfe garbage \x00",
    "no-header": b"1,2,3\n4,5,6\n",
    "bad-values": (
        b"target_id,indicator_id,value,year,direction\n"
        b"t1,share_beyond_10km_grocery,lots,1890,sideways\n"
        b"t1,no_such_indicator,5,2020,at_most\n"
    ),
    "unclosed-quote": b'target_id,indicator_id,value,year,direction\n"t1,broadband_100,5,2020,at_least\n',
}


@pytest.mark.browser
def test_targets_upload_malformed_and_hostile(page, base_url: str) -> None:
    """Broken targets CSVs, one after another: each gives an error message listing the problems by line;
    the previous targets stay and the page keeps working. Then HTML in a valid file stays text."""
    open_page(page, base_url, "/targets")
    before = main(page).locator('[data-testid="stDataFrame"]').first.locator("tbody tr").count()
    assert before > 0
    for kind, data in MALFORMED_TARGETS.items():
        _upload(page, f"{kind}.csv", data)
        no_exception(page)
        assert any("Filen innehåller fel" in a for a in alerts(page, ("Error",))), (kind, alerts(page))
        errors = main(page).locator('[data-testid="stDataFrame"]').last.locator("td").all_inner_texts()
        assert errors, f"{kind}: the problems are listed"
        assert main(page).locator('[data-testid="stDataFrame"]').first.locator("tbody tr").count() == before, kind
    assert_charts_drawn(page, 1)
    harness.screenshot(page, "bad_targets_upload")

    # A valid file whose names carry HTML: accepted, and shown as text, never as markup.
    evil = (
        b"target_id,indicator_id,value,year,direction,name_sv,name_en\n"
        b'evil_1,broadband_100,90,2025,at_least,"<img src=x onerror=alert(1)>","<script>alert(1)</script>"\n'
    )
    _upload(page, "evil.csv", evil)
    no_exception(page)
    assert any("1 mål lades till" in a for a in alerts(page, ("Success",))), alerts(page)
    cells = main(page).locator('[data-testid="stDataFrame"]').first.locator("td").all_inner_texts()
    assert "<img src=x onerror=alert(1)>" in cells, cells[:20]
    assert not page.evaluate(_INJECTED_JS)


@pytest.mark.browser
def test_first_start_without_processed_data(browser, built_data: Path, tmp_path: Path) -> None:
    """A fresh checkout: no data/processed/ — the app builds it on first use and the page renders."""
    server = harness.start_server(tmp_path / "empty", tmp_path / "streamlit.log")
    ctx = browser.new_context(viewport=dict(harness.VIEWPORT))
    try:
        ctx.route(harness.EXTERNAL, lambda route: route.abort())
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        open_page(page, server.url, "/?area=0861")
        no_exception(page)
        assert main(page).locator("h1").first.inner_text().strip() == "Översikt"
        assert_charts_drawn(page, 2)
        assert (tmp_path / "empty" / "processed" / "villages.parquet").exists()
        assert not errors
    finally:
        ctx.close()
        harness.stop_server(server)


# ------------------------------------------------------------------ AppTest level (no browser needed)


def _run(page: str | None = None, **params: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    if page:
        at.switch_page(f"app_pages/{page}.py")
    return at.run()


@pytest.fixture()
def data_copy(built_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the built data (safe to damage); SERVICEKARTAN_DATA_DIR points at it."""
    import streamlit as st

    data = tmp_path / "data"
    shutil.copytree(built_data, data)
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(data))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield data
    st.cache_data.clear()
    st.cache_resource.clear()


def _damage(path: Path, how: str) -> None:
    raw = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"this is not a parquet file")
    elif how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "wrong-schema":
        import pandas as pd

        pd.DataFrame({"x": [1, 2]}).to_parquet(path)


@pytest.mark.parametrize("how", ["truncated", "wrong-schema"])
def test_corrupt_parquet_names_file_and_fix(data_copy: Path, how: str) -> None:
    """village_access.parquet damaged: the pages that need it name the file (the server's log has the path and
    `python -m etl build`; a user page shows neither); the overview (which does not need it) keeps its charts."""
    _damage(data_copy / "processed" / "village_access.parquet", how)
    at = _run("villages", area="0861")
    assert not at.exception, [e.value for e in at.exception]
    message = " ".join(e.value for e in at.error)
    assert "village_access.parquet" in message and "kunde inte läsas" in message, message
    assert str(data_copy) not in message and "python -m" not in message, message
    at = _run(None, area="0861")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Översikt"
    assert len(at.get("plotly_chart")) >= 2


def test_one_missing_parquet_is_rebuilt(data_copy: Path) -> None:
    (data_copy / "processed" / "villages.parquet").unlink()
    at = _run(None, area="0861")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Antal tätorter"] == "5"
    assert (data_copy / "processed" / "villages.parquet").exists()


def test_parse_targets_never_raises_on_garbage() -> None:
    """The library behind the upload: every malformed file gives errors with line numbers, no exception."""
    from servicekartan.targets import has_errors, parse_targets

    for kind, data in MALFORMED_TARGETS.items():
        frame, errors = parse_targets(data, known_indicators={"share_beyond_10km_grocery", "broadband_100"})
        assert has_errors(errors), kind
        assert frame.empty, kind
    _, errors = parse_targets(MALFORMED_TARGETS["bad-values"], known_indicators={"share_beyond_10km_grocery"})
    assert {e.line for e in errors} >= {2, 3}
