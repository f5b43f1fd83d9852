"""Logic moved out of the pages: table labels by column name, summaries in a language, picker labels."""

from __future__ import annotations

import pandas as pd

from servicekartan import views
from servicekartan.targets import in_language, load_targets, target_row
from servicekartan.ui.tables import column_labels


def test_column_labels_by_name_with_overrides() -> None:
    labels = column_labels(
        ["name", "municipality_code", "distance_km"],
        "en",
        labels={"municipality_code": "municipality"},
        headers={"distance_km": "Grocery store (km)"},
    )
    assert labels == {"name": "Name", "municipality_code": "Municipality", "distance_km": "Grocery store (km)"}
    assert column_labels(["population"], "sv") == {"population": "Invånare"}


def test_summary_in_language() -> None:
    summary = pd.DataFrame({"status": ["met", "off_track"], "name_sv": ["Mål", "Mål 2"], "name_en": ["Goal", "Goal 2"]})
    en, sv = in_language(summary, "en"), in_language(summary, "sv")
    assert en[["status", "name"]].values.tolist() == [["Met", "Goal"], ["Off track", "Goal 2"]]
    assert sv[["status", "name"]].values.tolist() == [["Uppnått", "Mål"], ["Inte på väg", "Mål 2"]]


def test_village_and_service_labels() -> None:
    names = {"0861": "Mönsterås"}
    villages = pd.DataFrame({"village_id": ["v1"], "name": ["Fliseryd"], "municipality_code": ["0861"]})
    assert views.village_labels(villages, names) == {"v1": "Fliseryd (Mönsterås)"}
    services = pd.DataFrame({"service_id": ["s1"], "name": [None], "municipality_code": ["0861"]})
    assert views.service_labels(services, names) == {"s1": "? (Mönsterås)"}
    placed = pd.DataFrame(
        {
            "service_id": ["a", "b"],
            "name": ["Apotek Hjärtat (Blomstermåla)", "Apoteket (Mönsterås)"],
            "municipality_code": ["0861", "0861"],
        }
    )
    assert views.service_labels(placed, names) == {
        "a": "Apotek Hjärtat (Blomstermåla, Mönsterås)",  # one pair of brackets: place, kommun
        "b": "Apoteket (Mönsterås)",  # the place is the kommun's name: said once
    }
    changed = pd.DataFrame({"village_id": ["v1", "v1", "v2"], "population": [100, 100, 50]})
    assert views.affected(changed) == (150, 2)


def test_planned_points_and_grants() -> None:
    assert views.planned_points("", ["atm"], "x") == []
    assert views.planned_points("v1", ["parcel", "atm"], "Servicepunkt Fliseryd") == [
        {"service_type": "parcel", "village_id": "v1", "name": "Servicepunkt Fliseryd"},
        {"service_type": "atm", "village_id": "v1", "name": "Servicepunkt Fliseryd"},
    ]
    table = pd.DataFrame({"financier": ["Region", " ", "Bank", None], "kr": [100.0, 5.0, None, 7.0]})
    assert views.grants_from_table(table) == {"Region": 100.0}


def test_register_rows_in_words() -> None:
    register = pd.DataFrame(
        {"municipality_code": ["0861"], "status": ["open"], "service_types": ["parcel;atm"], "offered": [""]}
    )
    row = views.register_rows(register, {"0861": "Mönsterås"}, {"parcel": "Parcel agent"}, "en").iloc[0]
    assert (row["municipality"], row["status"], row["service_types"]) == ("Mönsterås", "open", "Parcel agent, atm")


def test_target_row() -> None:
    row = target_row(load_targets(), "broadband_2020_95")
    assert (row["target_id"], row["indicator_id"], row["value"]) == ("broadband_2020_95", "broadband_100", 95.0)


def test_column_labels_keep_named_columns_that_are_absent() -> None:
    assert column_labels(["name"], "en", headers={"distance_km": "Grocery store (km)"}) == {
        "name": "Name",
        "distance_km": "Grocery store (km)",
    }
