"""AppTests for issue 14 (truthful by default) on the embedded data: Målbild for Mönsterås from Kolada's series,
the official N07530 beside our own figure, quality badges, short source lines without file paths."""

from __future__ import annotations

import re

import pytest
import streamlit as st

from tests.test_pages import run, texts


@pytest.fixture(autouse=True)
def _clean_caches(data_env):
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def summary_rows(at) -> dict[str, dict]:
    table = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    return {r["name"]: r for _, r in table.iterrows()}


def badges(at) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


def test_malbild_monsteras_from_kolada():
    at = run("targets", area="0861", lang="en")
    rows = summary_rows(at)
    r40 = rows["Broadband 2015: 40 % with ≥100 Mbit/s"]
    assert r40["status"] == "Met" and r40["value_at_target"] == "52.2"
    assert "2014→2015" in r40["breaks"]  # the population -> households break is flagged
    for name in ("Broadband 2020: 90 % with ≥100 Mbit/s", "Broadband 2020: 95 % with ≥100 Mbit/s"):
        assert rows[name]["status"] == "Missed" and rows[name]["value_at_target"] == "80.4", name
    gbit = rows["Broadband 2025: 98 % with ≥1 Gbit/s"]
    assert gbit["status"] == "Open" and gbit["latest_value"] == "94.9" and str(gbit["latest_year"]) == "2022"
    assert "2022" in gbit["reason"]
    # access/cash targets on the modelled layer are not evaluable, and say so
    cash = rows["Cash withdrawal: at most 0.3% of the population beyond 25 km"]
    assert cash["status"] == "Not evaluable" and "modelled" in cash["reason"]
    body = texts(at)
    assert "python -m" not in body and "etl " not in body  # no developer command on a user page
    assert "Source: Kolada" in body


def test_malbild_every_county_has_broadband_evaluated():
    at = run("targets", area="08", lang="en")
    rows = summary_rows(at)
    assert rows["Broadband 2020: 95 % with ≥100 Mbit/s"]["status"] == "Missed"
    example = rows["Example: no tätort resident in Kalmar län beyond 10 km of a grocery store in 2020"]
    assert example["status"] == "Not evaluable"
    assert at.get("plotly_chart")  # the broadband chart is drawn, not an empty one


def test_modelled_target_shows_reason_not_an_empty_chart():
    at = run("targets", area="08", target="cash_withdrawal_25km")
    assert any("Kan inte bedömas: servicelagret för kontantuttag är modellerat" in w.value for w in at.warning)
    assert not any("target_chart" in str(c.proto.id) for c in at.get("plotly_chart"))


def test_village_profile_kalmar_quality_and_official_figure():
    at = run("villages", area="08", village="0861TB103")
    b = " ".join(badges(at))
    assert "Modellerad" in b and "Observerad, ofullständig (täckning: apotek 47" in b
    metrics = {m.label: m.value for m in at.metric}
    assert (
        metrics["Officiell (Kolada N07530, 2022)"] == "70,5\u00a0%"
        or metrics["Officiell (Kolada N07530, 2022)"] == "70,5 %"
    )
    body = texts(at)
    assert "hela befolkningen" in body  # our figure states its basis
    # one short source line per chart, in Swedish, no file paths
    caps = [c.value for c in at.caption]
    assert any(c.startswith("Källa: SCB; © OpenStreetMap-bidragsgivare") for c in caps)
    assert not any(re.search(r"data/(seed|processed|raw)|\.parquet|\.csv", c) for c in caps)
    # the service layer is one snapshot: no year choice, no lines over years
    assert [list(s.options) for s in at.selectbox if s.label == "År"] == [["2020"]]
    assert "2020 (en ögonblicksbild)" in body


def test_method_page_states_the_health_rule_and_coverage():
    at = run("method", lang="en")
    body = texts(at)
    assert "Hospitals (`hospital`, all 29)" in body and "pharmacies 47.4 %" in body and "health centres 27.2 %" in body
    patterns = next(d.value for d in at.dataframe if "pattern" in d.value.columns)
    assert r"\bvårdcentral" in set(patterns["pattern"]) and "vaccin" in set(patterns["pattern"])


def test_access_page_monsteras_official_beside_ours():
    at = run("access", area="0861")
    metrics = {m.label: m.value for m in at.metric}
    official = metrics["Officiell (Kolada N07530, 2022)"].replace("\u00a0", " ")
    assert official == "70,5 %"
    ours = [k for k in metrics if k.startswith("Vår skattning")]
    assert ours == ["Vår skattning (2024)"]
    assert "Skillnad" in metrics
    body = texts(at)
    assert "hela befolkningen (1 km-rutor" in body and "inom 2 km fågelväg" in body  # our basis, stated


def test_register_column_is_the_total_investment():
    at = run("servicepoints", area="0861")
    register = at.dataframe[0]
    body = str(register.proto)  # the column configuration carries the header labels
    assert "Investering totalt" in body and "Byggkostnad" not in body


def test_overview_target_table_is_judged_like_malbild():
    """The overview's target table says what Målbild says: open, not evaluable on a modelled layer, met, missed."""
    at = run(area="0861")
    table = next(d.value for d in at.dataframe if list(d.value.columns) == ["status", "name"])
    status = dict(zip(table["name"], table["status"], strict=True))
    assert status["Bredband 2015: 40 % med ≥100 Mbit/s"] == "Uppnått"
    assert status["Bredband 2020: 95 % med ≥100 Mbit/s"] == "Ej uppnått"
    assert status["Bredband 2025: 98 % med ≥1 Gbit/s"] == "Öppet"  # 94.9 % in 2022, the data's last year
    cash = [s for name, s in status.items() if name.startswith("Kontantuttag")]
    assert cash == ["Kan inte bedömas"]  # the ATM layer is modelled


def test_target_sentence_in_the_page_language():
    at = run("targets", area="0861", target="broadband_2020_95")
    text = texts(at)
    assert "80,4 % (observerat 2020)" in text  # Kolada N07900 Mönsterås 2020, Swedish decimals
    assert "andel av befolkningen → andel av hushållen" in text  # the break in words, not base codes
    assert "trenden når" not in text  # a missed target gets no trend year
