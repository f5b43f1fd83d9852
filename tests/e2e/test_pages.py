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
    open_options,
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
        expect_sv=("Sverige", "Invånare 2024", "Antal tätorter", "Servicepunkter per typ"),
        expect_en=("Sweden", "Population 2024", "Number of tätorter", "Service points by type"),
        modelled=True,
    ),
    PageSpec(
        "villages",
        "Byar",
        "Villages",
        min_charts=2,  # village map + profile distances (one service snapshot: no lines over the years)
        expect_sv=("Urval", "Byprofil", "Välj by", "Jämförbara byar i samma län"),
        expect_en=("Filters", "Village profile", "Choose village", "Similar-sized villages in the same county"),
        modelled=True,
    ),
    PageSpec(
        "access",
        "Tillgänglighet",
        "Access",
        min_charts=3,  # whole-population distance bands, shares per type, village map
        expect_sv=("Servicetyp", "Avståndsgräns (km)", "Tänk om …", "Välj något att stänga eller öppna."),
        expect_en=("Service type", "Distance threshold (km)", "What if …", "Choose something to close or open."),
        modelled=True,
    ),
    PageSpec(
        "targets",
        "Målbild",
        "Targets",
        min_charts=1,  # the selected target's series, trend and target line
        expect_sv=("Alla mål för området", "Lägg till ett eget mål", "Ladda upp mål (CSV)"),
        expect_en=("All targets for the area", "Add your own target", "Upload targets (CSV)"),
    ),
    PageSpec(
        "servicepoints",
        "Servicepunkter",
        "Service points",
        min_charts=4,  # map, financing, sensitivity heatmap, access change
        expect_sv=("Register över servicepunkter", "Planera en ny servicepunkt", "Kalkyl"),
        expect_en=("Register of service points", "Plan a new service point", "Business case"),
        modelled=True,
    ),
    PageSpec(
        "own_data",
        "Egna data",
        "Own data",
        min_charts=0,
        expect_sv=("Ladda upp ert eget register", "Fil med servicepunkter"),
        expect_en=("Upload your own register", "File of service points"),
    ),
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


# Streamlit's built-in English placeholders: on the Swedish side every widget needs a Swedish placeholder.
ENGLISH_ON_SWEDISH = ("Choose options", "Choose an option", "No options to select", "Drag and drop file here")


def _english_leftovers(page) -> list[str]:
    """English Streamlit defaults a Swedish user actually sees (text, and placeholders of empty multiselects)."""
    text = main(page).inner_text() + sidebar(page).inner_text()
    hits = [w for w in ENGLISH_ON_SWEDISH if w in text]
    hits += page.evaluate(
        """(words) => Array.from(document.querySelectorAll('[data-testid="stMultiSelect"]'))
             .filter(el => !el.querySelector('[data-baseweb="tag"]'))
             .map(el => el.querySelector('input'))
             .filter(i => i && words.includes(i.placeholder))
             .map(i => `${i.getAttribute('aria-label')}: placeholder '${i.placeholder}'`)""",
        list(ENGLISH_ON_SWEDISH),
    )
    return hits


def badge(page, text: str):
    """The first st.badge on the main area whose text contains `text` (the icon name precedes the label)."""
    return main(page).locator(".stMarkdownBadge", has_text=text).first


def _visible_text(page) -> str:
    return main(page).inner_text() + "\n" + sidebar(page).inner_text()


def _wait_texts(page, texts: tuple[str, ...], timeout: float = 30_000) -> None:
    """Each text becomes visible on the page (late elements such as download buttons get their time)."""
    for s in texts:
        try:
            page.get_by_text(s, exact=False).first.wait_for(state="visible", timeout=timeout)
        except Exception:
            pytest.fail(f"{page.url}: '{s}' not visible", pytrace=False)


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
    # A plain link shows no warning or error: the bad-input messages are not always-on noise.
    assert alerts(page, ("Warning", "Error")) == [], alerts(page)
    assert_charts_drawn(page, spec.min_charts)
    _wait_texts(page, spec.expect_sv)
    if spec.modelled:
        assert badge(page, "Modellerad").is_visible()
    assert [p.title_sv for p in PAGES] == _nav_titles(page)
    harness.screenshot(page, f"{spec.key}_sv")
    assert not _english_leftovers(page), f"{spec.path} (sv) shows English widget text: {_english_leftovers(page)}"

    sidebar(page).get_by_text("English", exact=True).click()
    wait_idle(page)
    no_exception(page)
    assert _title(page) == spec.title_en
    assert "lang=en" in page.url and page.url.startswith(base_url + spec.path), page.url
    assert [p.title_en for p in PAGES] == _nav_titles(page)
    _wait_texts(page, spec.expect_en)
    text = _visible_text(page)
    if spec.modelled:
        assert badge(page, "Modelled").is_visible()
    leftovers = [w for w in SWEDISH_UI_WORDS if re.search(rf"(?<![\wåäö]){w}(?![\wåäö])", text)]
    assert not leftovers, f"{spec.path}?lang=en shows Swedish UI text: {leftovers}"
    harness.screenshot(page, f"{spec.key}_en")


def test_journey_kommun_to_village_profile(page, base_url: str) -> None:
    """An official's path: Län → Kalmar län, Kommun → Mönsterås on the overview (five tätorter, Fliseryd 716),
    then Byar in the sidebar (the kommun carries over), then Fliseryd's profile: 716 and a distance per type."""
    open_page(page, base_url, "/")
    choose(page, sidebar(page), "Län", "Kalmar län")
    assert "area=08" in page.url
    choose(page, sidebar(page), "Kommun", "Mönsterås")
    assert re.search(r"[?&]area=0861(&|$)", page.url), page.url
    no_exception(page)
    assert main(page).locator("h2, h3").first.inner_text().strip() == "Mönsterås"
    assert _metric(page, "Antal tätorter") == "5"
    assert _metric(page, "Invånare 2024") == "13 069"  # official; Swedish format: space as thousands separator
    assert_charts_drawn(page, 2)
    names = {r[0] for r in _table_rows(page, "tatort")}
    assert names == {"Blomstermåla", "Fliseryd", "Mönsterås", "Oknö", "Timmernabben"}
    assert _table_rows(page, "Fliseryd")[0][3] == "716"
    harness.screenshot(page, "overview_monsteras_sv")

    # The selection carries over to another page through the sidebar navigation.
    page.locator('[data-testid="stSidebarNav"] a[href$="/villages"]').click()
    harness.wait_rendered(page)
    assert "/villages" in page.url and "area=0861" in page.url, page.url
    assert main(page).get_by_text("Mönsterås: 5 byar", exact=False).first.is_visible()

    choose(page, main(page), "Välj by", "Fliseryd (Mönsterås)")
    harness.wait_rendered(page)
    no_exception(page)
    assert "village=0861TB103" in page.url, page.url
    assert main(page).get_by_text("Fliseryd — Mönsterås, Kalmar län", exact=True).is_visible()
    assert _metric(page, "Invånare") == "716"
    charts = assert_charts_drawn(page, 2)  # map and distances: one service snapshot draws no lines over the years
    bars = next(c for c in charts if "Avstånd till närmaste service" in c["title"])
    assert bars["points"] == 9, bars  # one bar per service type
    assert "Fliseryd" in bars["title"], bars
    # The nearest-services table: one row per service type, each with a distance.
    types = ("Dagligvarubutik", "Drivmedel", "Apotek", "Post- och paketombud", "Kontantuttag")
    types += ("Dagskassedeponering", "Betalningsförmedling", "Vårdcentral", "Grundskola")
    for label in types:
        rows = [r for r in _table_rows(page, label) if r[0] == label]
        assert rows, f"no nearest-service row for {label}"
        assert re.fullmatch(r"\d+(,\d+)?", rows[0][2]), f"{label}: distance {rows[0][2]!r}"  # Swedish decimals
    apotek = next(r for r in _table_rows(page, "Apotek") if r[0] == "Apotek")
    assert 14 < float(apotek[2].replace(",", ".")) < 15.5, apotek  # the observed pharmacy (Apoteket), ~14,6 km
    assert badge(page, "Modellerad").is_visible()
    harness.screenshot(page, "village_fliseryd_sv")

    # English: same facts, English number format.
    sidebar(page).get_by_text("English", exact=True).click()
    wait_idle(page)
    assert _metric(page, "Population") == "716"
    assert main(page).get_by_text("Distance to the nearest service", exact=False).first.is_visible()
    page.locator(f'[data-testid="stSidebarNav"] a[href="{base_url}/"]').click()
    harness.wait_rendered(page)
    assert _metric(page, "Number of tätorter") == "5"
    assert _metric(page, "Population 2024") == "13,069"  # English format


def test_presenter_mode(page, base_url: str) -> None:
    """?present=1: no sidebar, one large chart per screen, next/previous through the deck, PNG export, exit."""
    open_page(page, base_url, "/?present=1&area=0861&village=0861TB103")
    no_exception(page)
    assert not sidebar(page).is_visible(), "presenter mode must hide the sidebar"
    assert not page.locator('[data-testid="stSidebarNav"]').is_visible()
    assert "present=1" in page.url
    counter = main(page).get_by_text(re.compile(r"^Bild 1 av \d+$"))
    assert counter.is_visible()
    total = int(counter.inner_text().split(" av ")[1])
    assert total >= 2
    charts = assert_charts_drawn(page, 1)
    assert len(charts) == 1, f"one chart per screen, found {len(charts)}"
    harness.screenshot(page, "present_1")
    main(page).get_by_role("button", name=re.compile("Nästa")).click()
    wait_idle(page)
    harness.wait_rendered(page)
    assert main(page).get_by_text(f"Bild 2 av {total}", exact=True).is_visible()
    assert "slide=2" in page.url, page.url
    assert_charts_drawn(page, 1)
    harness.screenshot(page, "present_2")
    # The slide's chart as a PNG sized for slides, with its source on the image (kaleido + Chromium).
    with page.expect_download(timeout=120_000) as info:
        main(page).get_by_role("button", name="PNG").click()
    png = Path(info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    assert width >= 1000 and height >= 500, (width, height)
    # Leaving presenter mode brings the sidebar back.
    main(page).get_by_role("button", name=re.compile("Presentationsläge")).click()
    wait_idle(page)
    assert sidebar(page).is_visible()
    assert "present=1" not in page.url


def test_what_if_close_the_pharmacy(page, base_url: str) -> None:
    """Access page, Mönsterås, pharmacy: closing Mönsterås' only pharmacy sends its villages farther; URL keeps it."""
    open_page(page, base_url, "/access?area=0861&svc=pharmacy")
    no_exception(page)
    box = main(page).locator('[data-testid="stMultiSelect"]').filter(has_text="Stäng servicepunkter")
    options = open_options(page, box)  # the list opens a moment after the click (it read empty before)
    names = [o.strip() for o in options.all_inner_texts()]
    assert names == ["Apotek Hjärtat (Blomstermåla, Mönsterås)"], names  # the place and kommun, never a raw id
    options.first.click()
    page.keyboard.press("Escape")
    wait_idle(page)
    harness.wait_rendered(page)
    no_exception(page)
    assert "close=" in page.url, page.url
    warning = [a for a in alerts(page) if "får längre till närmaste apotek" in a]
    assert warning, alerts(page)
    charts = assert_charts_drawn(page, 4)
    assert any("Förändring" in c["title"] for c in charts), [c["title"] for c in charts]
    assert main(page).get_by_text("Påverkade byar", exact=True).is_visible()
    harness.screenshot(page, "access_whatif_sv")


def test_download_csv_and_zip(page, base_url: str) -> None:
    """Data page, area Mönsterås: the CSV holds Fliseryd with 716; the zip holds data, README and licences;
    the modelled badge shows for a dataset with modelled rows (services) and not for one without (villages)."""
    open_page(page, base_url, "/data?area=0861", charts=False)
    no_exception(page)
    assert main(page).get_by_text("5 rader", exact=False).first.is_visible()
    assert main(page).locator(".stMarkdownBadge", has_text="Modellerad").count() == 0
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
    assert rows["0861TB103"]["population"] == "716"  # a count: no "716.0"

    with page.expect_download() as info:
        main(page).get_by_role("button", name=re.compile("Ladda ner zip")).click()
    with zipfile.ZipFile(info.value.path()) as zf:
        names = zf.namelist()
        assert any(n.endswith(".csv") for n in names), names
        readme = next((n for n in names if "README" in n.upper()), None)
        assert readme, names
        body = zf.read(readme).decode("utf-8")
        assert "population" in body and ("licen" in body.lower()), body[:500]

    choose(page, main(page), "Datamängd", "Servicepunkter")
    no_exception(page)
    assert "ds=services" in page.url, page.url
    assert badge(page, "Modellerad").is_visible()


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


def test_concurrent_smoke(server: harness.Server, browser) -> None:  # `browser`: fails/skips like the others
    """Four users clicking through pages at once for ~10 s: no errors, every navigation renders (bounded)."""
    from bench.load import run_load_sync

    result: dict = {}
    failure: list[BaseException] = []

    def run() -> None:  # its own thread: the async Playwright loop must not meet the sync one of the fixtures
        try:
            result.update(
                run_load_sync(
                    server.url,
                    contexts=4,
                    seconds=10,
                    max_iterations=6,
                    server_pid=server.pid,
                    warm_up=False,
                    think_s=0.5,
                    ramp_s=2,
                )
            )
        except BaseException as exc:  # reported below
            failure.append(exc)

    th = threading.Thread(target=run)
    th.start()
    th.join(timeout=240)
    assert not th.is_alive(), "the load smoke test did not finish"
    assert not failure, repr(failure[0]) if failure else ""
    assert result["errors"] == 0, result["error_samples"]
    assert result["navigations"] >= 4, {k: v for k, v in result.items() if k != "samples"}
    assert result["chart_navigations"] >= 1
    assert 0 < result["server_mem_mb"] < 1024
