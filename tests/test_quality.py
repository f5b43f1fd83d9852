"""Quality levels, the health (vårdcentral) rule on named OSM cases, measured coverage, Kolada series."""

from __future__ import annotations

import pandas as pd
import pytest

from etl import seed
from etl.datasets import kolada_values as kolada_builder
from servicekartan import catalog, kolada, quality


@pytest.fixture(scope="module")
def hot() -> pd.DataFrame:
    raw = seed.read_csv("sweden_health_facilities_osm_2020.csv")
    return raw.assign(service_type=quality.classify(raw))


def test_named_cases_of_the_health_rule(hot):
    by_name = hot.groupby("name")["service_type"].agg(lambda s: set(s.dropna()))
    # "Svea vaccin" (OSM doctors, and two "Svea Vaccin" tagged pharmacy) is a vaccination clinic: in no layer
    assert by_name["Svea vaccin"] == set() and by_name["Svea Vaccin"] == set()
    assert by_name["Svea Vaccin Nacka Forum"] == set()
    # Finnish pharmacies across the Torne river are not Swedish pharmacies
    assert by_name["Tornion apteekki"] == set() and by_name["Pellon apteekki"] == set()
    assert by_name["Apoteket Hjärtat"] == {"pharmacy"} if "Apoteket Hjärtat" in by_name else True
    # every OSM hospital row is out (including one named "Lövånger vårdcentral": facility first)
    assert hot.loc[hot["facility"] == "hospital", "service_type"].isna().all()
    assert (hot["facility"] == "hospital").sum() == 29
    # dentists and specialist / child-only units are out
    assert hot.loc[hot["facility"] == "dentist", "service_type"].isna().all()
    for name in (
        "Barnavårdscentral",
        "Närhälsan Bengtsfors barnmorskemottagning",
        "Capio Vårdcentral Rehab",
        "Vårdcentralernas jourmottagning",
        "Nacka Psykiatri",
        "Laserkliniken",
    ):
        assert by_name[name] == set(), name
    # vårdcentraler and hälsocentraler are kept
    for name in (
        "Högsby hälsocentral",
        "Lindsdals vårdcentral",
        "Närhälsan Tjörn vårdcentral",
        "Gammelstads hälsocentral",
        "Odensala HC",
        "Banérgatans husläkarmottagning",
        "Svea Vårdcentral",
    ):
        assert by_name[name] == {"health"}, name
    assert (hot["service_type"] == "pharmacy").sum() == 679  # 690 OSM pharmacy points less 11 that are not
    assert (hot["service_type"] == "health").sum() == 326


def test_rule_function_and_table():
    assert quality.is_primary_care("clinic", "Vårdcentralen Lagan")
    assert not quality.is_primary_care("hospital", "Lövånger vårdcentral")
    assert not quality.is_primary_care("doctors", "Stockholm Vaccin-Lättakut")
    assert not quality.is_primary_care("clinic", "Mödravårdscentral")  # no word boundary before 'vårdcentral'
    table = quality.rule_table()
    assert {"clinic", "doctors", r"\bvårdcentral", "vaccin"} <= set(table["pattern"])


def test_combine_takes_the_worst():
    assert quality.combine([]) == "observed"
    assert quality.combine(["observed", "observed_partial"]) == "observed_partial"
    assert quality.combine(["observed_partial", "modelled", "observed"]) == "modelled"
    assert quality.combine(["own_data"]) == "own_data"


def test_built_services_carry_partial_quality_and_measured_coverage(data_env):
    s = catalog.read("services")
    assert set(s.loc[s["service_type"].isin(["pharmacy", "health"]), "quality"]) == {"observed_partial"}
    # no hospital and no Svea vaccin in the health layer
    raw = seed.read_csv("sweden_health_facilities_osm_2020.csv")
    out = set(
        "osm:"
        + raw.loc[
            raw["facility"].isin(["hospital", "dentist"]) | raw["name"].str.contains("vaccin", case=False), "osm_id"
        ]
    )
    assert not (out & set(s["service_id"]))
    extra = catalog.provenance("services").extra
    assert extra["coverage_pharmacy"] == "47.4"  # 679 / 1,433 öppenvårdsapotek end of 2020
    assert extra["coverage_health"] == "27.2"  # 326 / just under 1,200 vårdcentraler 2021
    assert "1,433" in extra["coverage_pharmacy_method"] and "Apoteksförening" in extra["coverage_pharmacy_method"]
    # the coverage travels to what is built from the layer
    for name in ("village_access", "indicators"):
        assert catalog.provenance(name).extra["coverage_pharmacy"] == "47.4", name
    # Kalmar län's pharmacy figures carry the incomplete level
    ind = catalog.read("indicators")
    k = ind[(ind["area_code"] == "08") & ind["indicator_id"].str.endswith("_pharmacy")]
    assert len(k) and set(k["quality"]) == {"observed_partial"}


def test_indicators_provenance_names_osm_and_odbl(data_env):
    p = catalog.provenance("indicators")
    assert "OpenStreetMap" in p.source and "ODbL" in p.licence and "modelled" in p.licence
    assert "Kolada" in p.source and "OpenStreetMap" in p.attribution


def test_kolada_values_breaks_and_2009(data_env):
    kv = catalog.read("kolada_values")
    m = kv[(kv["area_code"] == "0861") & (kv["kpi"] == "N07900")].set_index("year")
    assert m.loc[2015, "value"] == pytest.approx(52.2, abs=0.05) and m.loc[2020, "value"] == pytest.approx(
        80.4, abs=0.05
    )
    assert m.loc[2014, "base"] == "population" and m.loc[2015, "base"] == "households"
    assert m.loc[2020, "base"] == "households" and m.loc[2021, "base"] == "population"
    assert not m.loc[2009, "comparable"] and m.loc[2010, "comparable"]
    ind = catalog.read("indicators")
    bb = ind[(ind["area_code"] == "0861") & (ind["indicator_id"] == "broadband_100")]
    assert 2009 not in set(bb["year"])
    assert catalog.provenance("kolada_values").attribution == "Källa: Kolada"
    assert set(kv["level"]) == {"municipality", "county", "country"}
    assert kolada_builder.INPUTS == ()


def test_official_beside_ours_monsteras(data_env):
    b = kolada.official_beside_ours(catalog.read("kolada_values"), catalog.read("grid_indicators"), "0861")
    assert b.official_year == 2022 and b.official_value == pytest.approx(70.5, abs=0.05)
    assert list(b.official["year"]) == [2017, 2018, 2022]
    assert b.ours_value is not None and 0 <= b.ours_value <= 100 and b.ours_year == 2024
    assert b.ours_quality == "modelled"
    assert b.difference == pytest.approx(b.ours_value - b.official_value)


def test_small_truths_places_and_heading(data_env):
    from servicekartan import places

    s = catalog.read("services").set_index("service_id")
    # Fliseryd's nearest pharmacy was named only "Apoteket": it now says where it is
    assert s.loc["osm:788414608", "name"] == "Apoteket (Högsby)"
    assert places.with_place("Apoteket Kronan Oskarshamn", "Oskarshamn") == "Apoteket Kronan Oskarshamn"
    assert places.with_place("Högsby hälsocentral", "Högsby") == "Högsby hälsocentral"
    assert places.with_place(None, "Fliseryd") == "Fliseryd"
    villages = catalog.read("villages")
    assert set(villages["kind"]) == {"tatort"}  # the embedded build has no småorter …
    assert places.villages_heading_key(villages) == "truth.tatorter_heading"  # … so the heading says tätorter
    both = pd.concat([villages.head(2), villages.head(1).assign(kind="smaort")])
    assert places.villages_heading_key(both) == "truth.tatorter_smaorter_heading"


def test_every_dataset_built_from_osm_names_odbl(data_env):
    for name in ("services", "village_access", "indicators", "grid_access", "grid_indicators"):
        p = catalog.provenance(name)
        assert "ODbL" in p.licence and "OpenStreetMap" in p.attribution, name
    for name in ("services", "village_access", "indicators"):
        assert "modelled" in catalog.provenance(name).licence, name


def test_full_provenance_speaks_the_pages_language_and_names_the_english_record(data_env):
    """The expander under a figure: what the dataset is and the measured coverage in the page's language (Swedish
    numbers on Swedish pages); the build's English record follows, said to be English, without file paths."""
    from servicekartan.ui import captions

    sv = captions.provenance_markdown(["services"], "sv")
    assert "**Servicepunkter**" in sv
    assert "Apotek och vårdcentraler är observerade punkter ur OpenStreetMap" in sv
    assert "- Täckning: Apotek: 47,4 % av det publicerade nationella antalet (679 punkter i OpenStreetMap)" in sv
    assert "- Täckning: Vårdcentral: 27,2 % av det publicerade nationella antalet (326 punkter i OpenStreetMap)" in sv
    assert (
        "- Tillskrivning: Källa: SCB; © OpenStreetMap-bidragsgivare\n- Hämtad: 2020-09-04 (OSM); 2026-11-01 (SCB)" in sv
    )
    # the English record comes after the words that say so, never before
    assert sv.index("på engelska som i nedladdningarnas metadata") < sv.index("- Metod: OSM pharmacies")
    en = captions.provenance_markdown(["services"], "en")
    assert "Pharmacies and primary care centres are observed points from OpenStreetMap" in en
    assert "- Coverage: Pharmacy: 47.4 % of the published national count (679 OpenStreetMap points)" in en
    for text in (sv, en):
        assert ".csv" not in text and "data/seed" not in text and ".parquet" not in text
    # villages: only tätorter are in the snapshot, and the text says so (the people outside are in the grid)
    assert "Småorter finns inte i denna ögonblicksbild" in captions.provenance_markdown(["villages"], "sv")


def test_grid_source_line_names_each_source_once_and_both_years(data_env):
    """A grid figure joins the squares' people (2024) and the service snapshot (2020): its line says both years,
    and SCB is named once (with its grid year), not again bare for the service layer's tätort points."""
    from servicekartan.i18n import t
    from servicekartan.ui import captions

    years = t("caption.years_people_services", "sv", p=2024, s=2020)
    assert captions.source_line(["grid_population", "services"], "sv", year=years) == (
        "Källa: SCB (2024), Eurostat (Census 2021, GEOSTAT 2006/2011/2018); © OpenStreetMap-bidragsgivare"
        " · delvis modellerad · befolkning 2024, servicepunkter 2020"
    )
    assert (
        captions.source_line(["services"], "en") == "Source: SCB; © OpenStreetMap contributors · partly modelled · 2020"
    )
