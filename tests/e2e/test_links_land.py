"""Links that land (issue 16): widget state in the URL, unknown parameters dropped, an unknown page said so,
places found by name, and a shared profile or what-if link showing what it names in the first viewport."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e import harness
from tests.e2e.conftest import main, no_exception, open_page, sidebar

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}


def _params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _in_first_viewport(locator, height: int = DESKTOP["height"]) -> dict:
    box = locator.bounding_box()
    assert box is not None, "not drawn"
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"outside the first viewport: {box}"
    return box


def _text_input(page, label: str):
    return (
        main(page)
        .locator('[data-testid="stTextInput"]')
        .filter(has=page.get_by_text(label, exact=True))
        .locator("input")
    )


def test_checkbox_survives_a_copied_link(new_page, base_url: str) -> None:
    a = open_page(new_page(), base_url, "/villages?area=0861")
    box = main(a).get_by_text(re.compile(r"^Endast byar utan dagligvarubutik inom 10 km"))
    box.click()
    harness.wait_rendered(a)
    assert _params(a.url).get("lacking") == "1", a.url
    heading = main(a).get_by_text(re.compile(r"^Mönsterås: \d+ by")).first.inner_text()
    b = open_page(new_page(), "", a.url)
    no_exception(b)
    assert main(b).locator('[data-testid="stCheckbox"] input').first.is_checked()
    assert main(b).get_by_text(re.compile(r"^Mönsterås: \d+ by")).first.inner_text() == heading


def test_calculator_inputs_survive_a_copied_link(new_page, base_url: str) -> None:
    a = open_page(new_page(), base_url, "/servicepoints?area=0861")
    for label, typed in (("Ränta (%)", "2,5"), ("Personal (årsarbeten)", "0,5"), ("Byggkostnad (kr)", "600000")):
        field = _text_input(a, label)
        field.fill(typed)
        field.press("Enter")
        harness.wait_idle(a)
    harness.wait_rendered(a)
    no_exception(a)
    assert {"rate": "2.5", "fte": "0.5", "building": "600000"}.items() <= _params(a.url).items(), a.url
    assert _text_input(a, "Byggkostnad (kr)").input_value() == "600\u00a0000"  # shown in the page's style
    b = open_page(new_page(), "", a.url)
    no_exception(b)
    assert _text_input(b, "Ränta (%)").input_value() == "2,5"
    assert _text_input(b, "Personal (årsarbeten)").input_value() == "0,5"
    assert _text_input(b, "Byggkostnad (kr)").input_value() == "600\u00a0000"
    cells = main(b).locator('td[role="gridcell"]').all_inner_texts()
    assert "2,5\u00a0%" in cells and "0,5" in cells, cells  # the comparison keeps rate and posts with decimals


def test_unknown_parameters_leave_url_link_and_citation(new_page, base_url: str) -> None:
    junk = "x" * 5000
    page = open_page(new_page(), base_url, f"/data?area=0861&ds=villages&utm_source=mail&junk={junk}", charts=False)
    no_exception(page)
    assert _params(page.url) == {"area": "0861", "ds": "villages"}, page.url[:300]
    main(page).locator('[data-testid="stCode"]').nth(1).wait_for()  # link and citation close the page
    link, cite = (c.strip() for c in main(page).locator('[data-testid="stCode"]').all_inner_texts()[:2])
    for text in (link, cite):
        assert "junk" not in text and "utm_source" not in text and "xxxx" not in text, text[:300]
    assert link.startswith(base_url + "/data?") and _params(link) == {"area": "0861", "ds": "villages"}
    assert cite.startswith("Servicekartan (") and "Datamängd 'villages'" in cite and "hämtad" in cite  # Swedish


def test_unknown_page_says_so_and_offers_the_overview(new_page, base_url: str) -> None:
    page = new_page()
    page.goto(base_url + "/nonexistent")
    harness.wait_rendered(page, charts=False)
    # Streamlit's frontend probes /nonexistent/_stcore/* as a base URL (see harness._BENIGN_404): not our error.
    rec = page.recorder
    probe = re.compile(r"/nonexistent/_stcore/(health|host-config)")
    rec.console_errors[:] = [e for e in rec.console_errors if not probe.search(e)]
    rec.failed_responses[:] = [r for r in rec.failed_responses if not probe.search(r)]
    no_exception(page)
    assert main(page).locator("h1").first.inner_text().strip() == "Sidan finns inte"
    assert "/nonexistent" in " ".join(t.inner_text() for t in main(page).locator('[data-testid="stAlert"]').all())
    assert page.get_by_text("Page not found").count() == 0  # no English modal from Streamlit over the page
    link = main(page).get_by_role("link", name="Till översikten")
    link.click()
    harness.wait_rendered(page)
    assert main(page).locator("h1").first.inner_text().strip() == "Översikt"


def test_q_finds_fliseryd(new_page, base_url: str) -> None:
    page = open_page(new_page(viewport=DESKTOP), base_url, "/?q=fliseryd")
    no_exception(page)
    assert urlsplit(page.url).path == "/villages"
    assert {"area": "0861", "village": "0861TB103"}.items() <= _params(page.url).items(), page.url
    _in_first_viewport(main(page).get_by_text(re.compile(r"^Fliseryd — Mönsterås, Kalmar län")).first)


def test_q_with_several_hits_lists_them(new_page, base_url: str) -> None:
    page = open_page(new_page(), base_url, "/?q=Mönsterås")
    no_exception(page)
    side = sidebar(page)
    assert side.get_by_role("button", name=re.compile(r"^Mönsterås \(kommun\)")).is_visible()
    hit = side.get_by_role("button", name=re.compile(r"^Mönsterås \(by, Mönsterås\)"))
    hit.click()
    harness.wait_rendered(page)
    assert urlsplit(page.url).path == "/villages"
    assert _params(page.url).get("village") == "0861TC104", page.url


def test_area_by_name_resolves_to_its_code(new_page, base_url: str) -> None:
    page = open_page(new_page(), base_url, "/access?area=Mönsterås")
    no_exception(page)
    assert _params(page.url).get("area") == "0861", page.url
    combo = sidebar(page).locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text("Kommun", exact=True))
    assert combo.locator('input[role="combobox"]').input_value() == "Mönsterås"
    assert not [a for a in page.locator('[data-testid="stAlert"]').all_inner_texts() if "Okänd" in a]


def test_shared_profile_link_shows_the_profile_in_the_first_viewport(new_page, base_url: str) -> None:
    page = open_page(new_page(viewport=DESKTOP), base_url, "/villages?area=0861&village=0861TB103")
    no_exception(page)
    heading = main(page).get_by_text(re.compile(r"^Fliseryd — Mönsterås, Kalmar län")).first
    _in_first_viewport(heading)
    harness.screenshot(page, "link_profile_first_viewport")


def test_whatif_link_shows_the_result_in_the_first_viewport(new_page, base_url: str) -> None:
    page = open_page(
        new_page(viewport=DESKTOP), base_url, "/access?area=08&svc=grocery&km=10&close=model:grocery:0861TB103"
    )
    no_exception(page)
    result = main(page).get_by_text(re.compile(r"^716 invånare i 1 by får längre till närmaste dagligvarubutik"))
    _in_first_viewport(result.first)
