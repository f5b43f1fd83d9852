"""AppTests: each page shows the right facts for a chosen input (Mönsterås, Fliseryd), and bad input is handled."""

from __future__ import annotations

import shutil

import pytest

from servicekartan import fmt
from tests.apptest_helpers import NBSP, arr, badge_labels, chart_specs, clear_caches, frame_with, metrics, run, texts


@pytest.fixture(autouse=True)
def _clean_caches(data_env):
    clear_caches()
    yield


def test_overview_monsteras_facts():
    at = run(area="0861")
    assert at.title[0].value == "Översikt"
    assert at.subheader[0].value == "Mönsterås"
    m = metrics(at)
    assert m["Invånare 2024"] == f"13{NBSP}069"  # official (Kolada N01951); the grid's own sum is 13 166
    assert m["I tätorter, 2024 (modell)"] == f"10{NBSP}089"  # modelled from the grid ...
    assert f"SCB:s tätortsstatistik 2020: 10{NBSP}013" in texts(at)  # ... beside SCB's published tätort population
    assert m["Antal tätorter"] == "5"
    specs = chart_specs(at)
    bars = next(s for s in specs if s["layout"]["title"]["text"].startswith("Servicepunkter per typ"))["data"][0]
    counts = dict(zip(arr(bars["y"]), arr(bars["x"]), strict=True))
    assert counts["Apotek"] == 1  # one OSM pharmacy in Mönsterås kommun (2020)
    assert counts["Dagligvarubutik *"] == 4  # modelled: the four tätorter of ≥500 (Oknö, 377, has none)
    table = frame_with(at, "kind")
    assert set(table["name"]) == {"Blomstermåla", "Fliseryd", "Mönsterås", "Oknö", "Timmernabben"}
    partial = "Observerad, ofullständig (täckning: {})"
    assert badge_labels(at) == [
        # one badge per access card: grocery, fuel, pharmacy, parcel, atm, health (each says what it is built on)
        "Modellerad",
        "Modellerad",
        partial.format("apotek 47 %"),
        "Modellerad",
        "Modellerad",
        partial.format("vårdcentral 27 %"),
        # service counts: a badge per level among the bars, worst last
        "Observerad",
        partial.format("apotek 47 %, vårdcentral 27 %"),
        "Modellerad",
        "Modellerad",  # kommun map of grocery access (each view: test_view_snapshot)
    ]
    assert "Källa: SCB" in texts(at)


def test_overview_map_covers_the_county_of_the_kommun():
    at = run(area="0861", ind="tatort_population")
    specs = [s for s in chart_specs(at) if any(tr["type"] == "choropleth" for tr in s["data"])]
    choro = [
        tr for tr in specs[0]["data"] if tr["type"] == "choropleth" and tr.get("z") and tr.get("showscale") is not False
    ]
    locations = set(arr(choro[0]["locations"]))
    assert "0861" in locations and all(c.startswith("08") for c in locations)
    assert len(locations) == 12  # Kalmar län has 12 kommuner
    assert specs[0]["layout"]["geo"]["visible"] is False  # no world base map (no CDN topojson, no tiles)
    assert specs[0]["data"][0]["type"] == "scattergeo"  # first trace without locationmode: no topojson fetch


def test_unknown_area_warns_and_falls_back_to_sweden():
    at = run(area="9999")
    assert any("9999" in w.value for w in at.warning)
    assert metrics(at)["Antal tätorter"] == f"2{NBSP}017"


def test_hostile_area_is_inert():
    at = run(area="<script>alert(1)</script>")
    warning = " ".join(w.value for w in at.warning)
    assert "<script>" not in warning and "Okänd områdeskod" in warning


def test_english_switch():
    at = run(area="0861", lang="en")
    assert at.title[0].value == "Overview"
    assert {"Population 2024", "In tätorter, 2024 (model)", "Outside tätorter, 2024 (model)"} <= set(metrics(at))


def test_village_profile_fliseryd():
    at = run("villages", area="0861", village="0861TB103")
    assert "Fliseryd — Mönsterås, Kalmar län" in [s.value for s in at.subheader]
    assert metrics(at)["Invånare"] == "716"
    specs = chart_specs(at)
    dist = next(s for s in specs if "Fliseryd 20" in s["layout"]["title"]["text"])["data"][0]
    by_type = dict(zip(arr(dist["y"]), arr(dist["x"]), strict=True))
    assert len(by_type) == 9  # a distance per service type
    assert by_type["Dagligvarubutik"] == 0  # modelled store in Fliseryd itself
    assert 14 < by_type["Apotek"] < 15.5  # nearest OSM pharmacy ≈ 14.6 km away
    assert "Servicepunkt Fliseryd" in texts(at)


def test_villages_filter_lacking_pharmacy_within_10km():
    at = run("villages", area="0861", svc="pharmacy", km="10")
    at.checkbox(key="lacking").check().run()
    table = at.dataframe[0].value
    assert set(table["name"]) == {"Fliseryd", "Oknö"}  # Mönsterås 9.6 km, Blomstermåla 2.3, Timmernabben 6.4


def test_selection_carries_over_to_the_next_page():
    """Pharmacy and 5 km picked on Byar stay picked on Tillgänglighet (a page switch empties the URL).
    (Access has one year, the service layer's 2020 snapshot, so the year is no longer a choice on Byar.)"""
    at = run("villages", area="0861", svc="pharmacy", km="5")
    at.query_params.clear()  # as the sidebar navigation does
    at.switch_page("app_pages/access.py")
    at.run()
    chosen = {s.label: s.value for s in at.selectbox}
    assert chosen["Servicetyp"] == "pharmacy" and chosen["Avståndsgräns (km)"] == 5
    assert {"area": "0861", "svc": "pharmacy", "km": "5"}.items() <= dict(at.query_params).items()


def test_explicit_default_year_stays_in_the_link():
    """A shared link that names the latest year keeps it (it must not turn into "the latest year")."""
    at = run("villages", area="0861", year="2020")
    assert at.query_params["year"] == "2020"
    at = run("villages", area="0861")
    assert "year" not in at.query_params


def test_villages_empty_filter_message():
    at = run("villages", area="0861", minpop="1999999")
    assert any("Inga byar matchar" in i.value for i in at.info)


def test_access_what_if_closing_fliserdys_store():
    at = run("access", area="0861", svc="grocery", close="model:grocery:0861TB103")
    assert any("716 invånare i 1 by får längre" in w.value for w in at.warning)  # singular (issue 16)
    # the what-if result comes first on a what-if link; its numbers are text in the page's style ("8,9")
    table = next(d.value for d in at.dataframe if "old_distance_km" in d.value.columns)
    row = table[table["name"] == "Fliseryd"].iloc[0]
    assert fmt.parse_number(row["old_distance_km"], "sv") == 0 and fmt.parse_number(row["new_distance_km"], "sv") > 8


def test_targets_page_broadband_missed():
    at = run("targets", lang="en")
    summary = at.dataframe[0].value
    row = summary[summary["name"].str.contains("95 % with ≥100 Mbit/s")].iloc[0]
    # value_at_target has gaps (targets without data), so the column is shown as formatted text, "–" for missing
    assert row["status"] == "Missed" and row["value_at_target"].strip() == "86.8"  # Kolada N07900 Sverige 2020
    assert "–" in set(summary["value_at_target"].str.strip()) and "None" not in set(
        summary["value_at_target"].astype(str)
    )
    assert "the trend reaches" not in texts(at)  # a missed target: no trend year (honest time)
    assert "86.8 % (observed 2020)" in texts(at)


def test_servicepoints_business_case_fliseryd():
    at = run("servicepoints", area="0861")
    m = metrics(at)
    assert m["Årskostnad med bidrag"] == f"100{NBSP}000 kr"
    assert m["Årskostnad utan bidrag"] == f"135{NBSP}447 kr"  # 545 333/20 + 0.03×545 333/2 + 100 000
    assert "Servicepunkt Fliseryd" in set(at.dataframe[0].value["name"])


def test_data_page_filtered_preview():
    at = run("data", area="0861", ds="villages", minpop="500")
    assert any("4 rader" in s.value for s in at.subheader)
    assert set(at.dataframe[0].value["name"]) == {"Blomstermåla", "Fliseryd", "Mönsterås", "Timmernabben"}
    assert "minpop=500" in texts(at) or any("minpop=500" in c.value for c in at.code)


def test_method_page_states_the_method():
    at = run("method")
    body = texts(at)
    assert "SWEREF 99 TM" in body and "1.3" in body and "70 km/h" in body
    assert "© OpenStreetMap contributors" in body


def test_presenter_mode_shows_one_slide():
    at = run(area="0861", village="0861TB103", present="1")
    assert not at.title  # no page chrome, only the slide
    assert any("Bild 1 av 8" in m.value for m in at.markdown)  # the counter, in words (the default deck)
    assert len(at.get("plotly_chart")) == 1


def test_corrupt_dataset_gives_clear_message_and_other_pages_work(built_data, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(built_data, data)
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(data))
    (data / "processed" / "indicators.parquet").write_bytes(b"not a parquet file")
    at = run(area="0861")
    err = " ".join(e.value for e in at.error)
    assert "indicators.parquet" in err and "skadad" in err and "Övriga sidor fungerar" in err
    assert str(data) not in err and "python -m" not in err  # no server path, no developer command on a user page
    at.switch_page("app_pages/method.py").run()
    assert not at.exception and at.title[0].value == "Om / Metod"


def test_missing_processed_folder_is_built(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(tmp_path / "fresh"))
    at = run(area="0861")
    assert metrics(at)["Antal tätorter"] == "5"
    assert (tmp_path / "fresh" / "processed" / "villages.parquet").exists()


def test_bad_page_params_warn_on_first_render():
    at = run("villages", area="0861", year="99999999999999999999", minpop="-5", svc="bogus")
    warning = " ".join(w.value for w in at.warning)
    assert "year" in warning and "minpop" in warning and "svc" in warning
    assert metrics(at)["Invånare"]  # the page still works with defaults
