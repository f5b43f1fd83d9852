"""Targets registry, upload validation and progress logic, on the real national broadband series (PTS)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import seed
from etl.datasets.indicators import broadband_national
from servicekartan import targets as T


@pytest.fixture(scope="module")
def registry() -> pd.DataFrame:
    return T.load_targets()


@pytest.fixture(scope="module")
def broadband() -> pd.DataFrame:
    """The national ≥100 Mbit/s series as the ETL builds it (source text names the base)."""
    return broadband_national(seed.read_csv("broadband_national.csv"))


def _target(registry: pd.DataFrame, target_id: str) -> pd.Series:
    return registry.set_index("target_id", drop=False).loc[target_id]


def _series(years, values, base=None) -> pd.DataFrame:
    df = pd.DataFrame({"year": years, "value": values})
    if base is not None:
        df["base"] = base
    return df


def _t(value, year, direction="at_least", kind="by_year") -> T.Target:
    return T.Target("t", "x", float(value), int(year), direction, kind=kind)


# ------------------------------------------------------------------------------------------ registry


def test_registry_holds_the_national_targets(registry):
    r = registry.set_index("target_id")
    assert r.loc["broadband_2020_95", ["indicator_id", "value", "year", "direction", "area_code"]].tolist() == [
        "broadband_100",
        95.0,
        2020,
        "at_least",
        "00",
    ]
    assert r.loc["broadband_2015_40", "value"] == 40 and r.loc["broadband_2015_40", "year"] == 2015
    assert r.loc["broadband_2020_90", "value"] == 90
    assert r.loc["broadband_2025_98_gbit", ["indicator_id", "value", "year"]].tolist() == ["broadband_1000", 98.0, 2025]
    assert r.loc["cash_withdrawal_25km", ["value", "direction", "kind"]].tolist() == [0.3, "at_most", "from_year"]
    assert r.loc["cash_deposit_25km", "value"] == 1.22
    assert r.loc["post_2days_95", ["value", "year", "kind"]].tolist() == [95.0, 2018, "from_year"]
    assert (registry["source"].str.len() > 0).all()
    # The only non-national entry is a clearly marked example; the shop-support rule is not a target.
    other = registry[registry["scope"] != "national"]
    assert other["scope"].tolist() == ["example"]
    assert other["name_sv"].iat[0].startswith("Exempel") and other["name_en"].iat[0].startswith("Example")
    assert not registry["note"].str.contains("15 km").any()


def test_series_break_found_in_the_broadband_source_text(broadband):
    s = T.series_for(broadband, "broadband_100", "00")
    assert T.find_breaks(s) == [T.SeriesBreak(2013, 2016, "population", "households")]
    assert s["segment"].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]


# ------------------------------------------------------------------------------------------ progress


def test_national_broadband_95_in_2020_missed(registry, broadband):
    """Trend over 2016, 2017, 2018, 2020 (71, 77, 81, 86): mean year 2017.75, mean 78.75,
    Sxy = 31.75, Sxx = 8.75, slope = 3.6286 %/year; at 2020 the line gives 86.91; it meets 95 at
    2017.75 + 16.25 / 3.6286 = 2022.23, i.e. in 2023."""
    st_ = T.evaluate(T.series_for(broadband, "broadband_100"), _target(registry, "broadband_2020_95"), as_of=2026)
    assert st_.status == "missed" and st_.light == "red"
    assert st_.value_at_target == 86 and st_.basis == "observed"
    assert st_.gap == -9 and st_.shortfall == 9
    p = st_.projection
    assert p.years == (2016, 2017, 2018, 2020)
    assert p.slope == pytest.approx(31.75 / 8.75)
    assert p.value_at_target_year == pytest.approx(86.914, abs=1e-3)
    assert not p.reaches_by_target_year and p.reach_year == 2023
    assert st_.breaks == (T.SeriesBreak(2013, 2016, "population", "households"),)
    # a missed target: no trend year in the sentence (a projection speaks only of a target still ahead)
    assert "2023" not in st_.sentence("en") and "2013→2016" in st_.sentence("en")
    assert "86,0 %" in st_.sentence("sv") and "andel av hushållen" in st_.sentence("sv")


def test_national_broadband_40_in_2015_met(registry, broadband):
    st_ = T.evaluate(T.series_for(broadband, "broadband_100"), _target(registry, "broadband_2015_40"), as_of=2026)
    assert st_.status == "met" and st_.light == "green"
    # No 2015 observation; 2013 (57, population base) and 2016 (71, households) both meet it.
    assert st_.basis == "neighbours_agree" and st_.basis_years == (2013, 2016)
    assert st_.value_at_target == 57
    assert st_.first_met_year == 2010  # DOMAIN: "reached in 2010"


def test_on_track_and_off_track_before_the_target_year(registry, broadband):
    """As of 2019 the data end in 2018: trend 2016–2018 (71, 77, 81) = 5 %/year, 91.33 in 2020."""
    s = T.series_for(broadband, "broadband_100")
    on = T.evaluate(s, _target(registry, "broadband_2020_90"), as_of=2019)
    off = T.evaluate(s, _target(registry, "broadband_2020_95"), as_of=2019)
    assert on.status == "on_track" and on.light == "green"
    assert off.status == "off_track" and off.light == "red"
    assert off.projection.years == (2016, 2017, 2018)
    assert off.projection.value_at_target_year == pytest.approx(91.333, abs=1e-3)
    assert off.projection.reach_year == 2021
    assert off.latest_year == 2018 and off.value_at_target == 81 and off.basis == "latest"


def test_projection_never_fits_across_the_break(broadband):
    """As of 2016 the latest segment (households) has one observation: no trend, although 2010–2013
    (population base) would give one. 71 < 90 and nothing to project: pending."""
    s = T.series_for(broadband, "broadband_100")
    st_ = T.evaluate(s, _t(90, 2020), as_of=2016)
    assert st_.projection is None
    assert st_.status == "pending" and st_.light == "grey"
    assert st_.breaks == (T.SeriesBreak(2013, 2016, "population", "households"),)
    # As of 2017 two household years exist: the fit uses only them.
    st17 = T.evaluate(s, _t(90, 2020), as_of=2017)
    assert st17.projection.years == (2016, 2017) and st17.projection.slope == pytest.approx(6.0)


def test_break_from_documented_base_when_the_source_does_not_name_it():
    """Kolada N07900: population up to 2014, households 2015–2020, population again from 2021."""
    k = pd.DataFrame({"year": range(2012, 2024), "value": range(50, 62), "source": "Kolada N07900"})
    breaks = T.find_breaks(T.prepare_series(k, "broadband_100"))
    assert [(b.year_before, b.year_after) for b in breaks] == [(2014, 2015), (2020, 2021)]
    st_ = T.evaluate(k.assign(indicator_id="broadband_100"), T.Target("k", "broadband_100", 95, 2025, "at_least"), 2024)
    assert st_.projection.years == (2021, 2022, 2023)


def test_met_and_missed_at_most():
    s = _series([2018, 2019, 2020, 2021, 2022], [0.8, 0.6, 0.5, 0.3, 0.2])
    assert T.evaluate(s, _t(0.3, 2021, "at_most"), as_of=2026).status == "met"
    missed = T.evaluate(s, _t(0.3, 2020, "at_most"), as_of=2026)
    assert missed.status == "missed" and missed.shortfall == pytest.approx(0.2) and missed.gap == pytest.approx(0.2)


def test_interpolation_inside_one_segment():
    s = _series([2010, 2014], [40, 60])
    st_ = T.evaluate(s, _t(50, 2012), as_of=2026)
    assert st_.status == "met" and st_.value_at_target == 50 and st_.basis == "interpolated"
    assert T.evaluate(s, _t(51, 2012), as_of=2026).status == "missed"


def test_neighbours_disagree_across_a_break_is_no_data():
    s = _series([2013, 2016], [57, 71], base=["population", "households"])
    st_ = T.evaluate(s, _t(60, 2015), as_of=2026)
    assert st_.status == "no_data" and st_.basis == "neighbours_disagree" and math.isnan(st_.gap or math.nan)


def test_no_data_and_pending():
    empty = _series([], [])
    past = T.evaluate(empty, _t(95, 2018), as_of=2026)
    assert past.status == "no_data" and past.light == "grey" and past.projection is None
    future = T.evaluate(empty, _t(95, 2030), as_of=2026)
    assert future.status == "pending" and future.light == "grey"
    # Missing values are missing, not zero.
    nan = _series([2019, 2020], [float("nan"), float("nan")])
    assert T.evaluate(nan, _t(95, 2020), as_of=2026).status == "no_data"
    # Data end before a past target year: no observation for it.
    short = _series([2016, 2017], [10, 20])
    assert T.evaluate(short, _t(30, 2020), as_of=2026).status == "no_data"


def test_trend_pointing_away_never_reaches():
    s = _series([2019, 2020, 2021, 2022], [60, 58, 57, 55])
    st_ = T.evaluate(s, _t(90, 2030), as_of=2023)
    assert st_.status == "off_track" and st_.projection.reach_year is None and st_.trend_reaches == "never"
    flat = T.evaluate(_series([2019, 2020, 2021], [0.52, 0.52, 0.52]), _t(0.3, 2030, "at_most"), as_of=2023)
    assert flat.projection.slope == 0 and flat.trend_reaches == "never"


def test_already_met_future_target_without_trend_is_on_track():
    st_ = T.evaluate(_series([2022], [99]), _t(98, 2025), as_of=2023)
    assert st_.projection is None and st_.status == "on_track"


def test_from_year_requirement_uses_latest_observation_since():
    s = _series([2019, 2020, 2021, 2022, 2023], [0.5, 0.4, 0.25, 0.2, 0.35])
    st_ = T.evaluate(s, _t(0.3, 2021, "at_most", "from_year"), as_of=2026)
    assert st_.status == "missed" and st_.basis == "latest" and st_.basis_years == (2023,)
    assert T.evaluate(s.iloc[:2], _t(0.3, 2021, "at_most", "from_year"), as_of=2026).status == "no_data"


def test_trend_frame_spans_fit_to_target_year(registry, broadband):
    st_ = T.evaluate(T.series_for(broadband, "broadband_100"), _target(registry, "broadband_2020_95"), as_of=2026)
    tf = T.trend_frame(st_, until=2023)
    assert tf["year"].tolist() == list(range(2016, 2024))
    assert tf["value"].iat[-1] >= 95


def test_summary_table_traffic_lights(registry, broadband):
    full = T.summary_table(broadband, registry, "00", as_of=2026)
    assert list(full.columns) == list(T.SUMMARY_COLUMNS)
    tab = full.set_index("target_id")
    assert tab.loc["broadband_2015_40", "light"] == "green"
    assert tab.loc["broadband_2020_95", ["status", "light", "trend_reaches"]].tolist() == ["missed", "red", "2023"]
    assert tab.loc["post_2days_95", ["status", "light"]].tolist() == ["no_data", "grey"]
    assert "example_kalmar_grocery_10km" not in tab.index  # set for Kalmar län, not Sverige
    county = T.summary_table(broadband, registry, "08", as_of=2026)
    assert "example_kalmar_grocery_10km" in set(county["target_id"])
    assert set(county["target_area"]) == {"00", "08"}
    assert set(T.LIGHTS.values()) <= set(T.LIGHT_HEX) and set(T.LIGHT_HEX) == set(T.LIGHT_SYMBOL)


def test_summary_on_built_data_carries_modelled_quality(registry, frames):
    tab = T.summary_table(frames["indicators"], registry, "08", as_of=2026).set_index("target_id")
    ex = tab.loc["example_kalmar_grocery_10km"]
    assert ex["status"] in ("met", "missed") and ex["quality"] == "modelled"
    # Kolada N07900 for Kalmar län (embedded): evaluated, not "no data"
    assert tab.loc["broadband_2020_95", "status"] == "missed"


# ------------------------------------------------------------------------------------------ uploads


BAD_UPLOAD = (
    "target_id,indicator_id,value,unit,year,direction,area_code\n"
    "kalmar_grocery,share_beyond_10km_grocery,0,%,2020,at_most,08\n"  # line 2: fine
    "a,broadband_100,95,%,2020,sometimes,00\n"  # line 3: unknown direction
    "b,broadband_100,many,%,2020,at_least,00\n"  # line 4: non-numeric value
    "c,broadband_100,95,%,1890,at_least,00\n"  # line 5: year out of range
    "d,Broadband-100,95,%,2020,at_least,00\n"  # line 6: indicator id format
    "kalmar_grocery,share_beyond_5km_grocery,0,%,2020,at_most,08\n"  # line 7: duplicate id
)


def test_upload_with_errors_gives_line_messages_and_keeps_previous(registry):
    res = T.apply_upload(registry, BAD_UPLOAD.encode())
    assert not res.accepted
    assert res.targets is registry
    found = {(e.line, e.column, e.code) for e in res.errors}
    assert found == {
        (3, "direction", "bad_direction"),
        (4, "value", "not_number"),
        (5, "year", "year_range"),
        (6, "indicator_id", "bad_indicator"),
        (7, "target_id", "duplicate_id"),
    }
    texts = [e.describe("en") for e in res.errors]
    assert "line 3, column 'direction': direction 'sometimes' is unknown: use at_least or at_most" in texts
    assert "line 7, column 'target_id': duplicate target_id 'kalmar_grocery' (first on line 2)" in texts
    assert any(t.startswith("rad 5, kolumn 'year': året 1890") for t in (e.describe("sv") for e in res.errors))
    assert T.errors_frame(res.errors)["line"].tolist() == [3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"target_id,indicator_id,value,year\nx,broadband_100,9,2020\n", "missing_column", 1),
        (
            b"target_id,indicator_id,value,year,direction\nx,bb,9,2020,at_least\ny,bb,9,20\xe5\xe5,at_least\n",
            "not_utf8",
            3,
        ),
        (b"PK\x03\x04\x14\x00rest-of-a-zip", "excel", 0),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not_csv", 3),
        (b"", "empty", 0),
        (b"just some words\n", "missing_column", 1),
        (b'target_id,indicator_id,value,year,direction\n"x,bb,9,2020,at_least\n', "not_csv", 2),
        (b"target_id,indicator_id,value,year,direction\nx,bb,9,2020\n", "field_count", 2),
        (b"target_id,indicator_id,value,year,direction\nx,bb,9,2020.5,at_least\n", "not_year", 2),
        (b"target_id,indicator_id,value,year,direction,area_code\nx,bb,9,2020,at_least,Kalmar\n", "bad_area", 2),
        (b"target_id,indicator_id,value,year,direction\n,bb,9,2020,at_least\n", "required", 2),
    ],
)
def test_upload_problems_are_reported_not_raised(registry, data, code, line):
    res = T.apply_upload(registry, data)
    assert not res.accepted and res.targets is registry
    assert any(e.code == code and e.line == line for e in res.errors), [str(e) for e in res.errors]


def test_too_large_upload():
    df, errs = T.parse_targets(b"x" * 2000, max_bytes=1000)
    assert df.empty and [e.code for e in errs] == ["too_large"]
    assert "2.0\u00a0kB" in errs[0].message and "1,000\u00a0bytes" in errs[0].message


def test_swedish_excel_csv_is_accepted_and_merged(registry):
    data = (
        "\ufefftarget_id;indicator_id;value;year;direction;area_code;name_sv\n"
        "monsteras_bb;broadband_100;98,5;2025;minst;861;Mönsterås bredband\n"
        "broadband_2020_95;broadband_100;95;2020;at_least;00;Ersatt\n"
    ).encode()
    res = T.apply_upload(registry, data, known_indicators={"broadband_100"})
    assert res.accepted
    assert [(e.line, e.code, e.level) for e in res.errors] == [(2, "area_padded", "warning")]
    t = res.targets.set_index("target_id")
    assert t.loc["monsteras_bb", ["value", "direction", "area_code", "scope"]].tolist() == [
        98.5,
        "at_least",
        "0861",
        "user",
    ]
    assert t.loc["broadband_2020_95", "name_sv"] == "Ersatt"  # replaced in place
    assert list(res.targets["target_id"][: len(registry)]) == list(registry["target_id"])
    assert len(res.targets) == len(registry) + 1


def test_unknown_indicator_is_a_warning_only():
    df, errs = T.parse_targets(
        "target_id,indicator_id,value,year,direction\nx,future_thing,1,2030,at_least\n", known_indicators={"a"}
    )
    assert len(df) == 1 and [(e.code, e.level) for e in errs] == [("unknown_indicator", "warning")]


def test_round_trip_to_csv(registry):
    for bom in (False, True):
        again, errs = T.parse_targets(T.targets_to_csv(registry, bom=bom), default_scope="national")
        assert errs == []
        pd.testing.assert_frame_equal(again, registry)


def test_add_target_from_a_form(registry):
    ok = T.add_target(
        registry,
        {
            "target_id": "v500",
            "indicator_id": "share_beyond_10km_grocery",
            "value": 0,
            "year": 2020,
            "direction": "at_most",
            "area_code": "08",
        },
    )
    assert ok.accepted and ok.targets["target_id"].iat[-1] == "v500"
    bad = T.add_target(
        registry, {"target_id": "v500", "indicator_id": "x", "value": "", "year": 2020, "direction": "up"}
    )
    assert not bad.accepted and bad.targets is registry
    assert {e.code for e in bad.errors} == {"required", "bad_direction"}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=400))
def test_parse_never_raises(data):
    df, errs = T.parse_targets(data)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(T.COLUMNS)
    assert all(isinstance(e, T.TargetError) and e.describe("sv") and e.describe("en") for e in errs)


def test_status_by_area_per_kommun(registry):
    """Kolada-like per-kommun series (no base in the source): each kommun judged against 95 % in 2020."""
    rows = []
    for code, values in (("0861", [60, 70, 80, 90, 96]), ("0880", [50, 52, 54, 56, 58])):
        rows += [
            {
                "area_code": code,
                "year": y,
                "indicator_id": "broadband_100",
                "level": "municipality",
                "value": v,
                "source": "Kolada N07900",
            }
            for y, v in zip(range(2016, 2021), values, strict=True)
        ]
    tab = T.status_by_area(pd.DataFrame(rows), _target(registry, "broadband_2020_95"), as_of=2026)
    assert tab.set_index("area_code")["status"].to_dict() == {"0861": "met", "0880": "missed"}
    assert (tab["breaks"] == "").all()  # 2016–2020 are all households in Kolada's documentation
    assert "last 4 observed years" in T.method_text("en") and "senaste 4 observerade åren" in T.method_text("sv")
