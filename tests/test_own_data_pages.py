"""Own data in the app (AppTest): the upload page's report, an uploaded layer changing the access page's figures with
the own-data badge, honest links (own=1, build=), and removing the layer."""

from __future__ import annotations

from pathlib import Path

from servicekartan import build_id
from tests.apptest_helpers import badge_labels, clear_caches, run

MIXED = Path(__file__).resolve().parent / "fixtures" / "handmade" / "own_services_mixed.csv"


def grid_share(at) -> str:  # noqa: ANN001 - an AppTest
    return next(m.value for m in at.metric if m.label.startswith("Inom"))


def upload(at, body: bytes, name: str):  # noqa: ANN001, ANN201 - an AppTest
    at.file_uploader(key="own_upload").set_value((name, body, "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_upload_changes_the_access_page_and_shows_the_badge():
    clear_caches()
    base = run("access", area="0861", svc="grocery")
    assert "Egna data" not in badge_labels(base)
    built_in = grid_share(base)

    at = run("own_data", area="0861")
    assert "högst 5\u00a0MB" in at.file_uploader(key="own_upload").label  # the limit, in the page's language
    upload(at, MIXED.read_bytes(), MIXED.name)
    assert any("Godtogs: 5 rader" in s.value for s in at.success)
    assert any("Avvisades: 3 rader" in w.value for w in at.warning)
    report = at.dataframe[-1].value
    assert list(report.iloc[:, 0]) == ["rad 7", "rad 8", "rad 9"]
    assert at.radio(key="own_mode_fuel").value == "add"  # the cautious default
    at.radio(key="own_mode_grocery").set_value("replace")
    at.text_input(key="own_source").set_value("Region Kalmar län")
    at.button[-1].click()  # the form's "Använd dessa data"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Egna data används" in i.value and "Region Kalmar län" in i.value for i in at.info)
    assert at.query_params["own"] == "1" and at.query_params["build"] == build_id.build_id()

    at.switch_page("app_pages/access.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Egna data" in badge_labels(at)
    # three stores (Fliseryd and two in Mönsterås) instead of the built-in layer: another share within 10 km
    assert grid_share(at) != built_in
    assert any("Egna data" in c.value or "egna data" in c.value for c in at.caption)


def test_a_link_made_with_own_data_says_so_to_whoever_lacks_them():
    at = run("access", area="0861", own="1")
    assert any("egna data som du inte har" in w.value for w in at.warning)
    at = run("access", area="0861", own="1", build="0123456789ab", lang="en")
    warnings = " ".join(w.value for w in at.warning)
    assert "own data that you do not have" in warnings
    assert "another version of the data (build 0123456789ab)" in warnings
    plain = run("access", area="0861", build=build_id.build_id())
    assert not any("build" in w.value for w in plain.warning)


def test_clear_removes_the_layer_and_the_link_claim():
    at = run("own_data")
    upload(at, MIXED.read_bytes(), MIXED.name)
    at.button[-1].click()
    at.run()
    assert at.query_params["own"] == "1"
    at.button(key="own_clear").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "own" not in at.query_params and "own_layer" not in at.session_state
    assert any("Egna data är borttagna" in s.value for s in at.success)


def test_unreadable_upload_changes_nothing():
    at = run("own_data")
    upload(at, "typ;namn;lat;lon\nlivsmedel;Åkes;57,1;16,2\n".encode("cp1252"), "latin1.csv")
    assert any("Inget användes" in e.value and "rad 2" in e.value for e in at.error)
    assert "own_layer" not in at.session_state


def _with_layer(page: str, **params: str):  # noqa: ANN202 - an AppTest
    from servicekartan import own_data
    from servicekartan.ui import own_layer
    from tests.apptest_helpers import app

    grocery = MIXED.parent / "own_grocery_kalmar.csv"
    r = own_data.validate(grocery.read_bytes(), grocery.name)
    at = app(page, **params)
    at.session_state["own_layer"] = own_layer.make(r.points, {"grocery": "replace"}, "Region Kalmar län", "2026-11-30")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_own_data_make_the_grocery_target_evaluable():
    plain = run("targets", area="08", target="example_kalmar_grocery_10km")
    assert any("Kan inte bedömas" in w.value for w in plain.warning)  # not evaluable on the modelled layer
    at = _with_layer("targets", area="08", target="example_kalmar_grocery_10km")
    assert not any("Kan inte bedömas" in w.value for w in at.warning)
    assert "Egna data" in badge_labels(at) and "Modellerad" not in badge_labels(at)


def test_downloads_carry_the_build_id_and_the_own_data():
    at = _with_layer("data", area="0861", ds="services")
    cite = " ".join(c.value for c in at.code) + " ".join(m.value for m in at.markdown)
    assert f"databuild {build_id.build_id()} med egna data (" in cite  # the citation in the page's language
