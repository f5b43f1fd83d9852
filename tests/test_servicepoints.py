"""Servicepunkt register: Fliseryd as the first real entry, planned additions, services rows, access effect."""

from __future__ import annotations

import pandas as pd
import pytest

from etl import seed
from etl.datasets.villages import transform as villages_transform
from servicekartan import catalog
from servicekartan import servicepoints as SP
from servicekartan.access import AccessModel
from servicekartan.costs import FLISERYD_ACTUAL, CostInputs, business_case


@pytest.fixture(scope="module")
def villages() -> pd.DataFrame:
    return villages_transform(seed.tatorter())


@pytest.fixture(scope="module")
def register(villages) -> pd.DataFrame:
    return SP.load_register(villages=villages)


def test_fliseryd_is_the_first_real_entry(register):
    f = register.iloc[0]
    assert (f["servicepoint_id"], f["village_id"], f["name"]) == ("sp:0861TB103", "0861TB103", "Servicepunkt Fliseryd")
    assert f["municipality_code"] == "0861" and f["status"] == "open" and f["quality"] == "observed"
    assert f["agreement_date"] == "2013-12-02" and f["opened"] == 2014
    assert "2013-12-02" in f["opened_note"] and "not in the source" in f["opened_note"]
    assert SP.split_list(f["offered"]) == [
        "meeting_place",
        "cafe",
        "loan_computers",
        "municipal_e_services",
        "tourist_information",
        "e_commerce_home_delivery",
        "e_health",
    ]
    assert "Lånedatorer för betalningar och information" in SP.offered_labels(f["offered"], "sv")
    assert SP.split_list(f["service_types"]) == ["payment"]
    assert "payment" in f["service_types_note"] and "grocery" in f["service_types_note"]
    partners = SP.split_list(f["partners"])
    assert "Mönsterås kommun" in partners and any("ICA Nära" in p for p in partners) and len(partners) == 4


def test_fliseryd_money(register):
    f = register.iloc[0]
    financing = SP.parse_financing(f["financing"])
    assert financing == {
        "Regionförbundet i Kalmar län": 242_381,
        "Häradssparbanken": 200_000,
        "Mönsterås kommun": 102_952,
    }
    assert sum(financing.values()) == f["investment"] == f["grants_total"] == 545_333
    assert f["running_cost"] + f["staff_cost"] == f["annual_cost"] == 100_000
    assert f["staff_fte"] == 0.2 and f["annual_cost_payer"] == "Mönsterås kommun"
    # The register and the calculator's constant tell the same story.
    assert dict(FLISERYD_ACTUAL.grants) == financing
    assert business_case(FLISERYD_ACTUAL).annual_with_grants == pytest.approx(f["annual_cost"])


def test_placed_at_the_tatort_point(register):
    f = register.iloc[0]
    assert f["lat"] == pytest.approx(57.124541) and f["lon"] == pytest.approx(16.256977)
    assert f["x"] == pytest.approx(576100.95, abs=0.01)
    unplaced = SP.load_register()  # without villages: no coordinates, kommun from the code
    assert unplaced["lat"].isna().all() and unplaced["municipality_code"].iat[0] == "0861"


def test_list_encoding_round_trip():
    assert SP.split_list(SP.join_list([" a ", "", "b"])) == ["a", "b"]
    assert SP.split_list(None) == [] and SP.split_list(float("nan")) == []
    fin = {"Region X": 1000.0, "Bank": 2.5}
    assert SP.parse_financing(SP.format_financing(fin)) == fin


def test_services_rows_from_real_entries_only(register, villages):
    reg, errs = SP.add_planned(register, "0861TB103", "Paketskåp", ["parcel"], villages=villages)
    assert errs == []
    rows = SP.servicepoint_services(reg)
    assert rows["service_id"].tolist() == ["sp:0861TB103:payment"]  # the planned parcel point is left out
    r = rows.iloc[0]
    assert (r["service_type"], r["opened"], r["quality"], r["municipality_code"]) == (
        "payment",
        2014,
        "observed",
        "0861",
    )
    assert pd.isna(r["closed"])
    assert list(rows.columns) == [f.name for f in catalog.SCHEMAS["services"]]


def test_add_planned_validates(register, villages):
    reg, errs = SP.add_planned(
        register,
        "0861TB105",
        "Servicepunkt Oknö",
        ["atm", "parcel"],
        offered=["meeting_place", "Bokbuss"],
        partners=["Mönsterås kommun"],
        opened=2027,
        costs=CostInputs(
            building=300_000,
            equipment=50_000,
            years=20,
            rate=0.03,
            running=25_000,
            fte=0.1,
            cost_per_fte=350_000,
            grants={"Region Kalmar län": 200_000},
        ),
        villages=villages,
    )
    assert errs == []
    new = reg.iloc[-1]
    assert new["status"] == "planned" and new["servicepoint_id"] == "sp:0861TB105" and new["opened"] == 2027
    assert new["investment"] == 350_000 and SP.parse_financing(new["financing"]) == {"Region Kalmar län": 200_000}
    # 350,000 / 20 + 0.03 x 350,000 / 2 = 22,750 capital cost; 150/350 not covered -> 9,750 + 25,000 + 35,000
    assert new["annual_cost"] == pytest.approx(69_750)
    assert new["lat"] == pytest.approx(villages.set_index("village_id").loc["0861TB105", "lat"])
    assert len(register) == 1  # the input register is not changed

    same_village, errs = SP.add_planned(reg, "0861TB105", "Andra punkten", ["atm"], villages=villages)
    assert errs == [] and same_village["servicepoint_id"].iat[-1] == "sp:0861TB105-2"

    for kwargs, expect in (
        ({"village_id": "9999TB999", "name": "X"}, "Okänd by: 9999TB999."),
        ({"village_id": "0861TB105", "name": ""}, "Ange ett namn."),
        (
            {"village_id": "0861TB105", "name": "A;B"},
            "Namnet får vara högst 120 tecken och inte innehålla ';' eller '='.",
        ),
        ({"village_id": "0861TB105", "name": "X", "service_types": ["bakery"]}, "Okänd servicetyp: bakery."),
        ({"village_id": "0861TB105", "name": "X", "opened": 1800}, "Året 1800 ligger utanför 1990–2100."),
        (
            {"village_id": "0861TB105", "name": "Servicepunkt Oknö"},
            "Det finns redan en servicepunkt med namnet Servicepunkt Oknö i byn.",
        ),
    ):
        out, errs = SP.add_planned(reg, villages=villages, **kwargs)
        assert out is reg and errs == [expect]
    _, errs = SP.add_planned(reg, "9999TB999", "X", villages=villages, lang="en")
    assert errs == ["Unknown village: 9999TB999."]


def test_built_datasets_carry_the_servicepunkt(data_env):
    sp = catalog.read("servicepoints")
    assert sp["servicepoint_id"].tolist() == ["sp:0861TB103"]
    assert catalog.provenance("servicepoints").origin.startswith("data/seed/servicepoints.json")
    services = catalog.read("services").set_index("service_id")
    assert services.loc["sp:0861TB103:payment", ["service_type", "opened", "quality"]].tolist() == [
        "payment",
        2014,
        "observed",
    ]


def test_access_effect_of_a_planned_atm_in_fliseryd(frames):
    """Fliseryd (716 inhabitants 2020) has no ATM of its own; one at its point brings its people within 2 km."""
    eff = SP.access_effect(frames, "0861TB103", ["atm"], 2020)
    s = eff.summary.set_index(["service_type", "unit", "threshold"])
    assert s.loc[("atm", "km", 2.0), "people_brought_within"] == 716
    assert s.loc[("atm", "km", 2.0), "villages_brought_within"] >= 1
    assert len(eff.summary) == 8  # 6 km thresholds + 2 minute thresholds
    v = eff.villages.set_index("village_id").loc["0861TB103"]
    assert v["new_distance_km"] == 0 and v["old_distance_km"] > 2
    country = eff.areas[
        (eff.areas["level"] == "country") & (eff.areas["threshold"] == 2.0) & (eff.areas["unit"] == "km")
    ]
    assert country["pop_change"].iat[0] == -s.loc[("atm", "km", 2.0), "people_brought_within"]


def test_access_effect_respects_the_opening_year(frames):
    """The servicepunkt's payment point exists from 2014: opening another one in 2020 changes nothing,
    in 2013 (before it opened) it brings Fliseryd's 716 people within 2 km. Same model reused."""
    model = AccessModel(frames["villages"], frames["services"], frames["population"])
    after = SP.access_effect(model, "0861TB103", ["payment"], 2020)
    assert after.summary["people_brought_within"].sum() == 0 and after.villages.empty
    before = SP.access_effect(model, "0861TB103", ["payment"], 2013)
    assert before.summary.set_index(["unit", "threshold"]).loc[("km", 2.0), "people_brought_within"] == 716
    with pytest.raises(ValueError, match="unknown village_id"):
        SP.access_effect(model, "9999TB999", ["atm"], 2020)
