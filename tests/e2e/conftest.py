"""E2E fixtures: one Streamlit server on the embedded data + one headless Chromium per session -> checked pages.

Every browser test gets a fresh context (a new user: no cookies, new session) whose console errors, page
errors, JS dialogs and off-machine requests are recorded; any of them fails the test at teardown.
Without /usr/bin/chromium the e2e tests skip with the reason — unless SERVICEKARTAN_REQUIRE_BROWSER=1
(set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import harness
from tests.e2e.harness import wait_idle, wait_rendered  # noqa: F401 - re-exported for the tests

E2E_DIR = Path(__file__).resolve().parent
REQUIRE = os.environ.get("SERVICEKARTAN_REQUIRE_BROWSER") == "1"


def _browser_missing() -> str | None:
    if not harness.CHROMIUM.exists():
        return f"{harness.CHROMIUM} not found (apt-get install chromium; test.sh does it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (pip) is not installed in this venv"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip (or, in CI, fail) the browser tests when Chromium or Playwright is missing."""
    why = _browser_missing()
    if why is None:
        return
    for item in items:
        if item.get_closest_marker("browser") is None or E2E_DIR not in Path(str(item.path)).parents:
            continue
        if not REQUIRE:  # with REQUIRE the `browser` fixture fails them with the reason
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {why}"))


@pytest.fixture(scope="session")
def server(built_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Server]:
    """`streamlit run dashboard.py` on the built embedded data, on a free 127.0.0.1 port, for the whole session."""
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    srv = harness.start_server(built_data, log)
    try:
        yield srv
    finally:
        harness.stop_server(srv)


@pytest.fixture(scope="session")
def base_url(server: harness.Server) -> str:
    return server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    why = _browser_missing()
    if why:
        pytest.fail(f"SERVICEKARTAN_REQUIRE_BROWSER=1 but {why}", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(**harness.launch_kwargs())
        try:
            yield b
        finally:
            b.close()


class Recorder:
    """What a page did that a user would call broken: console errors, JS exceptions, dialogs, external calls."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.external: list[str] = []
        self.failed_responses: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("dialog", self._dialog)
        page.on("response", self._response)

    def _console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if not harness.is_benign_console_error(msg.text, url):
            self.console_errors.append(f"{msg.text} @ {url}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not harness.is_benign_console_error("Failed to load resource 404", response.url):
            self.failed_responses.append(f"{response.status} {response.url}")

    def problems(self) -> list[str]:
        return (
            [f"console error: {e}" for e in self.console_errors]
            + [f"page error: {e}" for e in self.page_errors]
            + [f"dialog fired (user text executed?): {d}" for d in self.dialogs]
            + [f"request left the machine: {u}" for u in self.external]
            + [f"HTTP error: {r}" for r in self.failed_responses]
        )


def _new_page(browser: Any, **context_kwargs: Any) -> tuple[Any, Any, Recorder]:
    context_kwargs.setdefault("viewport", dict(harness.VIEWPORT))
    ctx = browser.new_context(accept_downloads=True, **context_kwargs)
    rec = Recorder()

    def block(route: Any) -> None:
        rec.external.append(route.request.url)
        route.abort()

    ctx.route(harness.EXTERNAL, block)
    ctx.set_default_timeout(90_000)
    page = ctx.new_page()
    rec.attach(page)
    page.recorder = rec  # the tests read page.recorder when they want to look at it mid-test
    return ctx, page, rec


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context and page; fails the test if the page logged errors, fired a dialog or went online."""
    ctx, pg, rec = _new_page(browser)
    try:
        yield pg
    finally:
        problems = rec.problems()
        ctx.close()
    if problems:
        pytest.fail("the page was not clean:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture()
def new_page(browser: Any) -> Iterator[Any]:
    """Factory for extra fresh contexts (shared-link tests, phone width); each is checked like `page`."""
    opened: list[tuple[Any, Recorder]] = []

    def make(**context_kwargs: Any) -> Any:
        ctx, pg, rec = _new_page(browser, **context_kwargs)
        opened.append((ctx, rec))
        return pg

    yield make
    problems = [p for _, rec in opened for p in rec.problems()]
    for ctx, _ in opened:
        ctx.close()
    if problems:
        pytest.fail("a page was not clean:\n  " + "\n  ".join(problems), pytrace=False)


def open_page(page: Any, base_url: str, path: str, charts: bool = True) -> Any:
    """Navigate and wait until rendered; returns the page."""
    page.goto(base_url + path)
    wait_rendered(page, charts=charts)
    return page


def main(page: Any) -> Any:
    return page.locator('[data-testid="stMain"]')


def sidebar(page: Any) -> Any:
    return page.locator('[data-testid="stSidebar"]')


def open_options(page: Any, box: Any, attempts: int = 3, wait_ms: float = 15_000) -> Any:
    """Click a select/multiselect box until its option list is open; returns the options' locator.

    Under load a late part of the rerun (a chart drawn, the layout shifting) can close the list the click has just
    opened, or the click lands before the widget listens: then the list never shows. Close, let the page settle,
    and click again, as a user would."""
    options = page.get_by_role("option")
    for attempt in range(attempts):
        box.click()
        try:
            options.first.wait_for(timeout=wait_ms)
            return options
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: try again after the page has settled
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)
    return options


def choose(page: Any, scope: Any, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label` inside `scope` (sidebar or main), as a user would."""
    box = scope.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
    open_options(page, box)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def alerts(page: Any, kinds: tuple[str, ...] = ()) -> list[str]:
    """Texts of st.warning/error/info/success boxes; `kinds` narrows to e.g. ("Warning", "Error")."""
    if not kinds:
        return [t.strip() for t in page.locator('[data-testid="stAlert"]').all_inner_texts()]
    sel = ", ".join(f'[data-testid="stAlertContent{k}"]' for k in kinds)
    return [t.strip() for t in page.locator(sel).all_inner_texts()]


def no_exception(page: Any) -> None:
    exc = page.locator('[data-testid="stException"]')
    assert exc.count() == 0, "Python exception on the page:\n" + "\n".join(exc.all_inner_texts())[:2000]


def assert_charts_drawn(page: Any, minimum: int = 1) -> list[dict]:
    """At least `minimum` plotly charts, each holding data, and every map canvas actually painted."""
    charts = [c for c in harness.chart_summaries(page) if not c["stale"]]
    assert len(charts) >= minimum, f"expected ≥{minimum} charts, found {len(charts)}"
    empty = [c["title"] or f"chart #{i}" for i, c in enumerate(charts) if c["points"] == 0]
    assert not empty, f"charts without data (drawn blank): {empty}"
    if any(c["map"] for c in charts):
        painted = harness.map_canvases_drawn(page)
        assert all(n >= 40 for n in painted), f"a map canvas is blank (drawn pixels per map: {painted})"
    return charts
