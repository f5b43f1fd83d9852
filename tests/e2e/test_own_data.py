"""Own data in a real browser: upload a register, see it on the access page, and a copied link (own=1) opened in a
fresh browser says it was made with data the reader does not have."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e import harness
from tests.e2e.conftest import alerts, main, no_exception, open_page, wait_idle, wait_rendered

pytestmark = pytest.mark.browser

BADGE = re.compile(r"^(visibility\s+)?Egna data$")  # the badge (its icon's ligature name comes first in the text)
MIXED = Path(__file__).resolve().parents[1] / "fixtures" / "handmade" / "own_services_mixed.csv"


def test_copied_own_data_link_shows_the_notice_in_a_fresh_browser(page, new_page, base_url: str) -> None:
    open_page(page, base_url, "/own_data?area=0861", charts=False)
    no_exception(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(MIXED))
    wait_idle(page)
    shown = " ".join(alerts(page))
    assert "Godtogs: 5 rader" in shown and "Avvisades: 3 rader" in shown
    main(page).get_by_label("Källa (vem har sammanställt registret)", exact=True).and_(
        page.get_by_test_id("stTextInputField")
    ).fill("Region Kalmar län")
    main(page).locator('[data-testid="stRadio"]').first.get_by_text("Ersätt", exact=True).click()
    main(page).get_by_role("button", name="Använd dessa data").click()
    wait_idle(page)
    assert any("Egna data används" in a for a in alerts(page))
    harness.screenshot(page, "own_data_upload")

    main(page).get_by_role("link", name="Tillgänglighet").click()
    wait_rendered(page)
    no_exception(page)
    harness.screenshot(page, "own_data_access")
    badges = main(page).get_by_text(BADGE).filter(visible=True)
    assert badges.count() >= 2, main(page).inner_text()[:3000]  # the badge on the figures
    link = page.url
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    assert params.get("own") == "1" and len(params.get("build", "")) == 12, link

    other = new_page()  # a colleague who gets the link by e-mail: no upload in their session
    other.goto(link)
    wait_rendered(other)
    no_exception(other)
    notice = " ".join(alerts(other, ("Warning",)))
    assert "Länken skapades med egna data som du inte har" in notice
    assert not main(other).get_by_text(BADGE).filter(visible=True).count()  # their figures are the built-in ones
