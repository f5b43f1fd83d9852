"""Every page in a real browser: rendered charts and maps, titles in Swedish and English, user journeys, downloads.

Data-driven: a new page is one `PageSpec` in PAGES. Facts asserted are real (Mönsterås 0861 with five tätorter,
Fliseryd 0861TB103 with 716 inhabitants in 2020). Screenshots land in screenshots/ (git-ignored).
"""

from __future__ import annotations

import csv
import io
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import harness
from tests.e2e.conftest import (
    alerts,
    assert_charts_drawn,
    choose,
    main,
    no_exception,
    open_page,
    sidebar,
    wait_idle,
)

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class PageSpec:
    key: str  # st.Page url_path
    title_sv: str
    title_en: str
    min_charts: int  # plotly charts/maps the default view must draw
    expect_sv: tuple[str, ...] = ()  # text visible in the Swedish default view
    expect_en: tuple[str, ...] = ()
    modelled: bool = False  # modelled data flows into the default view: the badge must show

    @property
    def path(self) -> str:
        """The page's link: the default page (overview) lives at "/" (see e2e_findings.md #6)."""
        return "/" if self.key == "overview" else f"/{self.key}"


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "overview",
        "Översikt",
        "Overview",
        min_charts=2,  # service counts + kommun choropleth
        expect_sv=("Sverige", "Invånare i tätorter", "Antal tätorter", "Servicepunkter per typ"),
        expect_en=("Sweden", "Population in tätorter", "Number of tätorter", "Service points by type"),
        modelled=True,
    ),
    PageSpec(
        "villages",
        "Byar",
        "Villages",
        min_charts=4,  # village map + profile: distances, distances over years, population
        expect_sv=("Urval", "Byprofil", "Välj by", "Jämförbara byar i samma län"),
        expect_en=("Filters", "Village profile", "Choose village", "Similar-sized villages in the same county"),
        modelled=True,
    ),
    # TODO(lead): raise min_charts and add expect_* when these pages land (placeholders today).
    PageSpec("access", "Tillgänglighet", "Access", min_charts=0),
    PageSpec("targets", "Målbild", "Targets", min_charts=0),
    PageSpec("servicepoints", "Servicepunkter", "Service points", min_charts=0),
    PageSpec(
        "data",
        "Data / Ladda ner",
        "Data / Download",
        min_charts=0,
        expect_sv=("Datamängd", "Förhandsvisning", "Ladda ner CSV", "Citering"),
        expect_en=("Dataset", "Preview", "Download CSV", "Citation"),
    ),
    PageSpec(
        "method",
        "Om / Metod",
        "About / Method",
        min_charts=0,
        expect_sv=("Definitioner", "Hur avstånd beräknas", "Källor, licenser och tillskrivning"),
        expect_en=("Definitions", "How distances are computed", "Sources, licences and attribution"),
        modelled=True,
    ),
)

# Swedish UI words that must not show on the English side (data such as place names is exempt;
# "Källa: SCB" is SCB's attribution text and is tolerated — see e2e_findings.md).
SWEDISH_UI_WORDS = (
    "Invånare",
    "Avstånd",
    "Välj",
    "Urval",
    "Modellerad",
    "Servicetyp",
    "Indikator",
    "Hela Sverige",
    "Ladda ner",
    "hämtad",
    "byggd",
    "Förhandsvisning",
    "saknas",
    "Dagligvarubutik",
    "Drivmedel",
    "Apotek",
    "Vårdcentral",
    "Grundskola",
)


def badge(page, text: str):
    """The first st.badge on the main area whose text contains `text` (the icon name precedes the label)."""
    return main(page).locator(".stMarkdownBadge", has_text=text).first


def _visible_text(page) -> str:
    return main(page).inner_text() + "\n" + sidebar(page).inner_text()


def _title(page) -> str:
    return main(page).locator("h1").first.inner_text().strip()


def _nav_titles(page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [re.sub(r"^[a-z_]+\s*", "", t.strip()).strip() for t in links.all_inner_texts()]


def _metric(page, label: str) -> str:
    """The value of the st.metric whose label starts with `label` (NBSP normalised to a space)."""
    m = main(page).locator('[data-testid="stMetric"]').filter(has_text=label).first
    return m.locator('[data-testid="stMetricValue"]').inner_text().replace("\xa0", " ").strip()


def _table_rows(page, key_text: str) -> list[list[str]]:
    """Rows (cell texts) of the dataframes on the page whose row contains `key_text` (the grid's a11y table)."""
    rows = []
    for tr in main(page).locator('[data-testid="stDataFrame"] tr').all():
        cells = [c.strip() for c in tr.locator("td").all_inner_texts()]
        if key_text in cells:
            rows.append(cells)
    return rows


@pytest.mark.parametrize("spec", PAGES, ids=[p.key for p in PAGES])
def test_page_renders_in_swedish_and_english(page, base_url: str, spec: PageSpec) -> None:
    """Default view: title, charts drawn with data, no traceback, texts in sv; then the language switch to en."""
    open_page(page, base_url, spec.path, charts=spec.min_charts > 0)
    no_exception(page)
    assert _title(page) == spec.title_sv
    assert_charts_drawn(page, spec.min_charts)
    text = _visible_text(page)
    for s in spec.expect_sv:
        assert s in text, f"{spec.path}: '{s}' not visible"
    if spec.modelled:
        assert badge(page, "Modellerad").is_visible()
    assert [p.title_sv for p in PAGES] == _nav_titles(page)
    harness.screenshot(page, f"{spec.key}_sv")

    sidebar(page).get_by_text("English", exact=True).click()
    wait_idle(page)
    no_exception(page)
    assert _title(page) == spec.title_en
    assert "lang=en" in page.url and page.url.startswith(base_url + spec.path), page.url
    assert [p.title_en for p in PAGES] == _nav_titles(page)
    assert_charts_drawn(page, spec.min_charts)
    text = _visible_text(page)
    for s in spec.expect_en:
        assert s in text, f"{spec.path}?lang=en: '{s}' not visible"
    if spec.modelled:
        assert badge(page, "Modelled").is_visible()
    leftovers = [w for w in SWEDISH_UI_WORDS if re.search(rf"(?<![\wåäö]){w}(?![\wåäö])", text)]
    assert not leftovers, f"{spec.path}?lang=en shows Swedish UI text: {leftovers}"
    harness.screenshot(page, f"{spec.key}_en")


def test_root_path_is_the_overview(page, base_url: str) -> None:
    open_page(page, base_url, "/")
    assert _title(page) == "Översikt"
    assert_charts_drawn(page, 2)


def test_pick_kommun_in_sidebar(page, base_url: str) -> None:
    """Län → Kalmar län, Kommun → Mönsterås: headline, five tätorter with Fliseryd 716, URL state, carry-over."""
    open_page(page, base_url, "/")
    choose(page, sidebar(page), "Län", "Kalmar län")
    assert "area=08" in page.url
    choose(page, sidebar(page), "Kommun", "Mönsterås")
    assert re.search(r"[?&]area=0861(&|$)", page.url), page.url
    no_exception(page)
    assert main(page).locator("h2, h3").first.inner_text().strip() == "Mönsterås"
    assert _metric(page, "Antal tätorter") == "5"
    assert _metric(page, "Invånare i tätorter") == "10 013"  # Swedish format: space as thousands separator
    assert_charts_drawn(page, 2)
    names = {r[0] for r in _table_rows(page, "tatort")}
    assert names == {"Blomstermåla", "Fliseryd", "Mönsterås", "Oknö", "Timmernabben"}
    assert _table_rows(page, "Fliseryd")[0][3] == "716"
    harness.screenshot(page, "overview_monsteras_sv")

    sidebar(page).get_by_text("English", exact=True).click()
    wait_idle(page)
    assert _metric(page, "Number of tätorter") == "5"
    assert _metric(page, "Population in tätorter") == "10,013"  # English format

    # The selection carries over to another page through the sidebar navigation.
    page.locator('[data-testid="stSidebarNav"] a[href$="/villages"]').click()
    harness.wait_rendered(page)
    assert "/villages" in page.url and "area=0861" in page.url and "lang=en" in page.url, page.url
    assert main(page).get_by_text("Mönsterås: 5 villages", exact=False).first.is_visible()


def test_village_profile_fliseryd(page, base_url: str) -> None:
    """Open Fliseryd's profile from the picker: 716 inhabitants and a distance for each of the nine service types."""
    open_page(page, base_url, "/villages?area=0861")
    choose(page, main(page), "Välj by", "Fliseryd (Mönsterås)")
    no_exception(page)
    assert "village=0861TB103" in page.url, page.url
    assert main(page).get_by_text("Fliseryd — Mönsterås, Kalmar län", exact=True).is_visible()
    assert _metric(page, "Invånare") == "716"
    charts = assert_charts_drawn(page, 4)
    bars = next(c for c in harness.chart_summaries(page) if "Avstånd till närmaste service" in c["title"])
    assert bars["points"] == 9, bars  # one bar per service type
    assert "Fliseryd" in bars["title"], charts
    # The nearest-services table: one row per service type, each with a distance.
    types = ("Dagligvarubutik", "Drivmedel", "Apotek", "Post- och paketombud", "Kontantuttag")
    types += ("Dagskassedeponering", "Betalningsförmedling", "Vårdcentral", "Grundskola")
    for label in types:
        rows = [r for r in _table_rows(page, label) if r[0] == label]
        assert rows, f"no nearest-service row for {label}"
        assert re.fullmatch(r"\d+(\.\d+)?", rows[0][2]), f"{label}: distance {rows[0][2]!r}"
    apotek = next(r for r in _table_rows(page, "Apotek") if r[0] == "Apotek")
    assert 14 < float(apotek[2]) < 15.5, apotek  # the observed pharmacy (Apoteket, Mönsterås), ~14.6 km
    assert badge(page, "Modellerad").is_visible()
    harness.screenshot(page, "village_fliseryd_sv")


def test_presenter_mode_hides_the_sidebar(page, base_url: str) -> None:
    open_page(page, base_url, "/?present=1")
    no_exception(page)
    assert not sidebar(page).is_visible(), "presenter mode must hide the sidebar"
    assert not page.locator('[data-testid="stSidebarNav"]').is_visible()
    assert _title(page) == "Översikt"
    assert_charts_drawn(page, 1)
    assert "present=1" in page.url
    harness.screenshot(page, "overview_present")
    # Leaving presenter mode brings the sidebar back.
    main(page).get_by_role("button", name=re.compile("Presentationsläge")).click()
    wait_idle(page)
    assert sidebar(page).is_visible()
    assert "present=1" not in page.url


def test_download_csv_and_zip(page, base_url: str) -> None:
    """Data page, area Mönsterås: the CSV holds Fliseryd with 716; the zip holds data, README and a citation."""
    open_page(page, base_url, "/data?area=0861", charts=False)
    no_exception(page)
    assert main(page).get_by_text("5 rader", exact=False).first.is_visible()
    with page.expect_download() as info:
        main(page).get_by_role("button", name="Ladda ner CSV").click()
    dl = info.value
    assert dl.suggested_filename == "villages.csv"
    text = Path(dl.path()).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    assert {"village_id", "name", "municipality_code", "population"} <= set(reader.fieldnames or ())
    rows = {r["village_id"]: r for r in reader}
    assert set(rows) == {"0861TB101", "0861TB103", "0861TB105", "0861TB106", "0861TC104"}
    assert rows["0861TB103"]["name"] == "Fliseryd"
    assert float(rows["0861TB103"]["population"]) == 716

    with page.expect_download() as info:
        main(page).get_by_role("button", name=re.compile("Ladda ner zip")).click()
    with zipfile.ZipFile(info.value.path()) as zf:
        names = zf.namelist()
        assert any(n.endswith(".csv") for n in names), names
        readme = next((n for n in names if "README" in n.upper()), None)
        assert readme, names
        body = zf.read(readme).decode("utf-8")
        assert "population" in body and ("licen" in body.lower()), body[:500]


def test_modelled_badge_follows_the_data(page, base_url: str) -> None:
    """The badge shows where modelled rows flow (services) and not where none do (regions)."""
    open_page(page, base_url, "/data?ds=services&area=0861", charts=False)
    assert badge(page, "Modellerad").is_visible()
    open_page(page, base_url, "/data?ds=regions", charts=False)
    no_exception(page)
    assert main(page).locator(".stMarkdownBadge", has_text="Modellerad").count() == 0


def test_phone_width(new_page, base_url: str) -> None:
    """A phone-width browser (390 px) gets the overview with its charts drawn and no sideways scrolling."""
    pg = new_page(viewport={"width": 390, "height": 2400}, is_mobile=True, has_touch=True)
    open_page(pg, base_url, "/?area=0861")
    no_exception(pg)
    assert_charts_drawn(pg, 2)
    overflow = pg.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); return m.scrollWidth - m.clientWidth }"
    )
    assert overflow <= 2, f"the page scrolls sideways by {overflow}px at phone width"
    harness.screenshot(pg, "overview_phone")


def test_concurrent_smoke(server: harness.Server) -> None:
    """Four users clicking through pages at once for ~10 s: no errors, every navigation renders (bounded)."""
    from bench.load import run_load_sync

    result: dict = {}

    def run() -> None:  # its own thread: the async Playwright loop must not meet the sync one of the fixtures
        result.update(run_load_sync(server.url, contexts=4, seconds=10, max_iterations=6, server_pid=server.pid))

    th = threading.Thread(target=run)
    th.start()
    th.join(timeout=240)
    assert not th.is_alive(), "the load smoke test did not finish"
    assert result, "no load result"
    assert result["errors"] == 0, result["error_samples"]
    assert result["navigations"] >= 4, result
    assert result["server_rss_mb"] > 0


def test_no_alerts_on_a_clean_default_view(page, base_url: str) -> None:
    """A plain link shows no warning: the messages in the bad-input tests are not always-on noise."""
    open_page(page, base_url, "/")
    assert alerts(page) == []
