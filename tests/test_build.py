"""The offline build turns the embedded snapshot into validated datasets with real, known facts."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from etl.build import build
from etl.validate import check_dataset
from servicekartan import catalog


def test_regions_counts(frames):
    r = frames["regions"]
    assert (r["level"] == "municipality").sum() == 290
    assert (r["level"] == "county").sum() == 21
    assert r.set_index("code").loc["0861", "name"] == "Mönsterås"
    assert r.set_index("code").loc["0861", "parent_code"] == "08"


def test_fliseryd_village_and_population(frames):
    v = frames["villages"].set_index("village_id")
    assert len(v) == 2017
    f = v.loc["0861TB103"]
    assert f["name"] == "Fliseryd"
    assert f["municipality_code"] == "0861" and f["county_code"] == "08"
    p = frames["population"].set_index(["area_code", "year"])
    assert p.loc[("0861TB103", 2020), "population"] == 716


def test_monsteras_has_five_tatorter(frames):
    v = frames["villages"]
    assert sorted(v.loc[v["municipality_code"] == "0861", "name"]) == sorted(
        ["Blomstermåla", "Fliseryd", "Mönsterås", "Oknö", "Timmernabben"]
    )
    ind = frames["indicators"].set_index(["area_code", "year", "indicator_id"])
    assert ind.loc[("0861", 2020, "tatort_count"), "value"] == 5


def test_national_tatort_population_sum(frames):
    ind = frames["indicators"].set_index(["area_code", "year", "indicator_id"])
    total = ind.loc[("00", 2020, "tatort_population"), "value"]
    assert 9_080_000 < total < 9_100_000  # SOURCES.md: sum is 9.09 M people


def test_broadband_series_and_break(frames):
    ind = frames["indicators"]
    bb = ind[ind["indicator_id"] == "broadband_100"].set_index("year")
    assert bb.loc[2010, "value"] == 44 and bb.loc[2020, "value"] == 86
    assert "population" in bb.loc[2013, "source"] and "households" in bb.loc[2016, "source"]


def test_services_quality_labels(frames):
    s = frames["services"]
    assert set(s.loc[s["service_type"].isin(["grocery", "fuel", "atm", "parcel"]), "quality"]) == {"modelled"}
    assert set(s.loc[s["service_type"] == "pharmacy", "quality"]) == {"observed"}
    assert (s["service_type"] == "pharmacy").sum() == 690
    # Fliseryd (716 inhabitants) gets a modelled grocery store; Mönsterås (central town) gets an ATM.
    assert "model:grocery:0861TB103" in set(s["service_id"])
    assert "model:atm:0861TC104" in set(s["service_id"])
    assert "model:atm:0861TB103" not in set(s["service_id"])
    assert s["municipality_code"].notna().all()


def test_second_build_changes_nothing(data_env):
    before = {p.name: p.read_bytes() for p in (data_env / "processed").glob("*.parquet")}
    written = build(out=io.StringIO())
    assert not any(written.values())
    after = {p.name: p.read_bytes() for p in (data_env / "processed").glob("*.parquet")}
    assert before == after


def test_validation_catches_bad_codes(frames):
    bad = frames["villages"].copy()
    bad.loc[0, "municipality_code"] = "9999"
    bad.loc[1, "lat"] = 40.0
    errors = check_dataset("villages", bad, {"regions": frames["regions"]})
    assert any("9999" in e for e in errors)
    assert any("outside Sweden" in e for e in errors)
    dup = pd.concat([frames["regions"], frames["regions"].head(1)])
    assert any("share a key" in e for e in check_dataset("regions", dup, {}))


def test_provenance_travels(data_env):
    prov = catalog.provenance("villages")
    assert "SCB" in prov.source and prov.licence.startswith("CC0") and prov.attribution == "Källa: SCB"
    assert prov.built_at
    with pytest.raises(catalog.DatasetError, match="python -m etl build"):
        catalog.read("nonexistent")
