"""Area codes: levels, Kolada's 0000, containment, the kommuner of an area, and the pandas mask."""

from __future__ import annotations

import pandas as pd
import pytest

from servicekartan import areas, views

CODES = ["00", "08", "0861", "0880", "09", "0980", "1280"]


def test_level_of_and_normalise() -> None:
    assert [areas.level_of(c) for c in ("00", "0000", "08", "0861")] == [
        "country",
        "country",
        "county",
        "municipality",
    ]
    assert areas.normalise(" 0000 ") == "00"
    for bad in ("", "8", "086", "08611", "Kalmar", "0861TB103"):
        assert not areas.is_area_code(bad)
        with pytest.raises(ValueError):
            areas.level_of(bad)


def test_county_and_containment() -> None:
    assert areas.county_of("00") is None
    assert areas.county_of("0861") == areas.county_of("08") == "08"
    assert areas.enclosing_county("00") == "00"
    assert areas.enclosing_county("0861") == "08"
    assert areas.contains("00", "1280") and areas.contains("08", "0861") and areas.contains("0861", "0861")
    assert not areas.contains("08", "0980") and not areas.contains("0861", "0880")


def test_kommuner_in() -> None:
    assert areas.kommuner_in("00", CODES) == ["0861", "0880", "0980", "1280"]
    assert areas.kommuner_in("08", CODES) == ["0861", "0880"]
    assert areas.kommuner_in("0861", CODES) == ["0861"]
    assert areas.kommuner_in("0000", ["0861"]) == ["0861"]


def test_in_area_mask_matches_contains() -> None:
    codes = pd.Series(["0861", "0880", "0980", "1280"], index=[10, 11, 12, 13])
    for area in ("00", "08", "0861", "12"):
        mask = areas.in_area(codes, area)
        assert mask.index.equals(codes.index)
        assert mask.tolist() == [areas.contains(area, c) for c in codes]
    frame = pd.DataFrame({"municipality_code": codes})
    assert views.area_mask(frame, "08").tolist() == [True, True, False, False]
