"""Servicepunkt business case: the method of the origin material, Fliseryd's actual outcome, sensitivity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from servicekartan import costs as C


def test_fliseryd_financing_sums_to_the_premises():
    assert sum(C.FLISERYD_FINANCING.values()) == 545_333
    assert C.FLISERYD_FINANCING == {
        "Regionförbundet i Kalmar län": 242_381,
        "Häradssparbanken": 200_000,
        "Mönsterås kommun": 102_952,
    }
    split = C.financing_split(C.FLISERYD_ACTUAL)
    assert split["kr"].sum() == 545_333 and len(split) == 3  # fully covered: no "not covered" row
    assert split["share"].sum() == pytest.approx(1.0)
    assert split.set_index("financier").loc["Regionförbundet i Kalmar län", "share"] == pytest.approx(0.4445, abs=1e-4)


def test_fliseryd_annual_cost_with_full_grants_is_100000():
    r = C.business_case(C.FLISERYD_ACTUAL)
    assert r.investment == 545_333
    assert r.running == 30_000 and r.staff == pytest.approx(70_000)  # heating etc. + 0.2 FTE
    assert r.covered_share == 1.0 and r.uncovered_investment == 0 and r.grant_surplus == 0
    assert r.annual_with_grants == pytest.approx(C.FLISERYD_ANNUAL_COST) == 100_000


def test_worked_example_without_grants():
    """Building 400,000 + equipment 100,000 = investment 500,000 kr; 10 years, 4 %:
    depreciation 500,000 / 10 = 50,000; interest 0.04 x 500,000 / 2 = 10,000;
    running 30,000; staff 0.2 x 350,000 = 70,000 -> 160,000 kr per year without grants.
    Grants of 250,000 cover half the investment: capital cost 60,000 x 0.5 = 30,000
    -> 30,000 + 30,000 + 70,000 = 130,000 kr per year with grants."""
    inp = C.CostInputs(
        building=400_000, equipment=100_000, years=10, rate=0.04, running=30_000, fte=0.2, cost_per_fte=350_000
    )
    r = C.business_case(inp)
    assert (r.investment, r.depreciation, r.interest) == (500_000, 50_000, 10_000)
    assert r.annual_without_grants == pytest.approx(160_000)
    assert r.annual_with_grants == r.annual_without_grants  # no grants
    half = C.business_case(dataclasses.replace(inp, grants={"Region": 150_000, "Bank": 100_000}))
    assert half.covered_share == 0.5 and half.annual_with_grants == pytest.approx(130_000)
    full = C.business_case(dataclasses.replace(inp, grants={"Region": 600_000}))
    assert full.annual_with_grants == pytest.approx(100_000) and full.grant_surplus == 100_000


def test_financing_split_names_the_uncovered_rest():
    inp = C.CostInputs(building=500_000, grants={"Region": 200_000})
    split = C.financing_split(inp, lang="en")
    assert split["financier"].tolist() == ["Region", "Not covered by grants (own funds/loan)"]
    assert split["kr"].tolist() == [200_000, 300_000] and split["share"].tolist() == [0.4, 0.6]


def test_sensitivity_is_monotonic_in_years_and_rate():
    tab = C.sensitivity(C.FLISERYD_ACTUAL, years=(5, 10, 15, 20, 25), rates=(0.01, 0.02, 0.03, 0.05))
    assert tab.index.name == "years" and tab.columns.name == "rate" and tab.shape == (5, 4)
    values = tab.to_numpy()
    assert (np.diff(values, axis=0) < 0).all()  # more years -> lower annual cost
    assert (np.diff(values, axis=1) > 0).all()  # higher rate -> higher annual cost
    assert tab.loc[20, 0.03] == pytest.approx(C.business_case(C.FLISERYD_ACTUAL).annual_without_grants)
    with_grants = C.sensitivity(C.FLISERYD_ACTUAL, with_grants=True)
    assert np.allclose(with_grants.to_numpy(), 100_000)  # fully financed: years and rate do not matter


def test_pre_vs_post_calculation():
    pre = C.CostInputs(
        building=450_000, equipment=50_000, years=20, rate=0.03, running=25_000, fte=0.2, cost_per_fte=350_000
    )
    post = dataclasses.replace(C.FLISERYD_ACTUAL)
    cmp = C.compare(pre, post, lang="en").set_index("item_id")
    assert cmp.loc["investment", ["pre", "post", "difference"]].tolist() == [500_000, 545_333, 45_333]
    assert cmp.loc["investment", "difference_pct"] == pytest.approx(9.0666, abs=1e-3)
    assert cmp.loc["equipment", "difference_pct"] == pytest.approx(-100)
    assert cmp.loc["running", "difference"] == 5_000
    assert cmp.loc["annual_with_grants", "post"] == pytest.approx(100_000)
    zero = C.compare(C.CostInputs(building=0), C.CostInputs(building=1))
    assert np.isnan(zero.set_index("item_id").loc["building", "difference_pct"])


def test_bad_inputs_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="years must be > 0"):
        C.CostInputs(building=1, years=0)
    with pytest.raises(ValueError, match="rate is a fraction"):
        C.CostInputs(building=1, rate=3)
    with pytest.raises(ValueError, match="grant from X"):
        C.CostInputs(building=1, grants={"X": -5})
    with pytest.raises(TypeError):
        C.FLISERYD_ACTUAL.grants["Someone"] = 1  # the shared constant cannot be changed


def test_result_table():
    tab = C.business_case(C.FLISERYD_ACTUAL).as_frame("sv")
    assert tab.set_index("item").loc["Årskostnad med bidrag", "kr"] == pytest.approx(100_000)
    assert len(C.business_case(C.FLISERYD_ACTUAL).as_frame("en")) == 8
