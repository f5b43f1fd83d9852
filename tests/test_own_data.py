"""Own service data: reading and validating an uploaded register (servicekartan.own_data, own_read), and the merge."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servicekartan import catalog, geo, own_data
from servicekartan.datasets import columns
from servicekartan.quality import QUALITY_LEVELS, QUALITY_OWN

HANDMADE = Path(__file__).resolve().parent / "fixtures" / "handmade"
MIXED = HANDMADE / "own_services_mixed.csv"


def test_five_valid_rows_three_bad_ones_named_by_line_and_reason():
    r = own_data.validate(MIXED.read_bytes(), MIXED.name, source="Region Kalmar län", date="2026-11-30")
    assert r.fatal is None
    assert len(r.points) == 5
    assert r.counts() == {"grocery": 3, "fuel": 1, "atm": 1}
    assert [(p.line, p.code) for p in r.rejected] == [(7, "type"), (8, "outside"), (9, "swapped_wgs84")]
    report = r.report("sv")
    assert list(report.iloc[:, 0]) == ["rad 7", "rad 8", "rad 9"]
    why = list(report.iloc[:, 2])
    assert "okänd typ ”sybehör”" in why[0] and "livsmedel" in why[0]  # the accepted types and their synonyms
    assert "utanför Sverige" in why[1]
    assert "lat och lon verkar omkastade" in why[2]
    en = list(r.report("en").iloc[:, 2])
    assert "unknown type" in en[0] and "outside Sweden" in en[1] and "look swapped" in en[2]


def test_accepted_points_are_own_data_with_the_uploaders_source_in_mönsterås():
    r = own_data.validate(MIXED.read_bytes(), MIXED.name, source="Region Kalmar län", date="2026-11-30")
    p = r.points.set_index("service_id")
    assert set(p["quality"]) == {QUALITY_OWN} and QUALITY_OWN in QUALITY_LEVELS
    assert set(p["municipality_code"]) == {"0861"}  # Fliseryd and Mönsterås town lie in Mönsterås kommun
    assert p.loc["own:grocery:f1", "name"] == "ICA Nära Fliseryd"
    assert p.loc["own:grocery:m2", "opened"] == 2009
    assert (p["source"] == "own data: Region Kalmar län, 2026-11-30").all()
    x, y = geo.to_sweref(np.array([57.1316]), np.array([16.2617]))
    assert p.loc["own:grocery:f1", "x"] == pytest.approx(x[0]) and p.loc["own:grocery:f1", "y"] == pytest.approx(y[0])
    assert list(r.points.columns) == list(columns("services"))


def test_type_synonyms():
    assert own_data.type_of("Livsmedel") == "grocery" and own_data.type_of("matbutik") == "grocery"
    assert own_data.type_of("bensin") == own_data.type_of("drivmedel") == "fuel"
    assert own_data.type_of("apotek") == "pharmacy"
    assert own_data.type_of("ombud") == own_data.type_of("paket") == "parcel"
    assert own_data.type_of("uttagsautomat") == own_data.type_of("Bankomat") == "atm"
    assert own_data.type_of("sybehör") is None


def test_norway_inside_the_bounding_box_is_rejected_but_a_shore_shop_is_not():
    # Kongsvinger (Norway) lies inside Sweden's bounding box: only the kommun polygons tell it apart
    assert geo.inside_sweden(np.array([60.1907]), np.array([11.9977]))[0]
    x, y = geo.to_sweref(np.array([60.1907, 56.9660]), np.array([11.9977, 16.4380]))
    inside, code = own_data.in_sweden(x, y)
    assert list(inside) == [False, True] and code[1] == "0861"  # Timmernabben, on the Kalmar strait


def test_sweref_coordinates_and_swapped_xy():
    body = "typ;namn;x;y\nlivsmedel;ICA Nära Fliseryd;576372;6332741\nlivsmedel;Omkastad;6332741;576372\n"
    r = own_data.validate(body.encode(), "s.csv")
    assert len(r.points) == 1 and r.points["municipality_code"].iloc[0] == "0861"
    assert [(p.line, p.code) for p in r.rejected] == [(3, "swapped_sweref")]


def test_duplicates_named_with_the_first_line():
    body = "type,name,lat,lon,id\ngrocery,A,57.1316,16.2617,1\ngrocery,B,57.1316,16.2617,2\nfuel,C,57.0446,16.4322,1\n"
    r = own_data.validate(body.encode(), "d.csv")
    assert [(p.line, p.code, p.params.get("first")) for p in r.rejected] == [(3, "duplicate", 2)]
    assert "rad 2" in r.rejected[0].message("sv")
    assert len(r.points) == 2  # the same id on another type is not a duplicate


def test_wrong_encoding_names_line_and_byte():
    body = "typ;namn;lat;lon\nlivsmedel;Åkes livs;57,1;16,2\n".encode("cp1252")
    r = own_data.validate(body, "latin1.csv")
    assert r.fatal is not None and r.fatal.code == "encoding" and r.points.empty
    msg = r.fatal.message("sv")
    assert "rad 2" in msg and "0xC5" in msg and "UTF-8" in msg


def test_missing_columns_and_too_large_in_the_users_number_format():
    r = own_data.validate(b"typ,namn\nlivsmedel,A\n", "c.csv")
    assert r.fatal.code == "columns" and "lat/lon" in r.fatal.message("en")
    big = own_data.validate(b"type,name,lat,lon\n" + b"x" * 6_000_000, "big.csv")
    assert big.fatal.code == "too_large"
    assert "5,0\u00a0MB" in big.fatal.message("sv") and "5.0\u00a0MB" in big.fatal.message("en")
    assert own_data.validate(b"a", "register.pdf").fatal.code == "format"


def test_excel_and_geojson_give_the_same_points_as_csv():
    import openpyxl

    csv_points = own_data.validate(MIXED.read_bytes(), MIXED.name).points
    wb = openpyxl.Workbook()
    ws = wb.active
    text = MIXED.read_text(encoding="utf-8").splitlines()
    for line in text:
        cells = line.split(";")
        ws.append([c.replace(",", ".") if i in (2, 3) else c for i, c in enumerate(cells)])
    buf = io.BytesIO()
    wb.save(buf)
    xl = own_data.validate(buf.getvalue(), "register.xlsx")
    assert [(p.unit, p.line, p.code) for p in xl.rejected] == [
        ("row", 7, "type"),
        ("row", 8, "outside"),
        ("row", 9, "swapped_wgs84"),
    ]
    pd.testing.assert_frame_equal(xl.points, csv_points)
    feats = []
    for line in text[1:]:
        typ, name, lat, lon, opened, oid = line.split(";")
        coords = [float(lon.replace(",", ".")), float(lat.replace(",", "."))]
        props = {"typ": typ, "namn": name, "öppnad": opened, "id": oid}
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": coords}, "properties": props})
    gj = own_data.validate(json.dumps({"type": "FeatureCollection", "features": feats}).encode(), "r.geojson")
    assert [(p.unit, p.line) for p in gj.rejected] == [("feature", 6), ("feature", 7), ("feature", 8)]
    assert gj.rejected[0].where("en") == "feature 6"
    pd.testing.assert_frame_equal(gj.points, csv_points)


def test_user_text_stays_text():
    body = 'type,name,lat,lon\n<script>alert(1)</script>,x,57.1,16.2\ngrocery,"=HYPERLINK(""x"")",57.1316,16.2617\n'
    r = own_data.validate(body.encode(), "h.csv")
    assert r.rejected[0].params["value"] == "<script>alert(1)</script>"  # shown in a table cell, never as HTML
    assert r.points["name"].iloc[0] == '=HYPERLINK("x")'  # kept as written; downloads neutralise formulas


def test_merge_replace_and_add(data_env):
    services = catalog.read("services")
    pts = own_data.validate(MIXED.read_bytes(), MIXED.name).points
    replaced = own_data.merge(services, pts, {"grocery": "replace", "fuel": "add", "atm": "add"})
    g = replaced[replaced["service_type"] == "grocery"]
    assert set(g["quality"]) == {QUALITY_OWN} and len(g) == 3
    fuel = replaced[replaced["service_type"] == "fuel"]
    assert len(fuel) == (services["service_type"] == "fuel").sum() + 1
    added = own_data.merge(services, pts, {"grocery": "add"})
    assert len(added) == len(services) + 5 and added["service_id"].is_unique
    assert own_data.layer_hash(pts, {"grocery": "add"}) != own_data.layer_hash(pts, {"grocery": "replace"})


def test_stated_source_and_messages_stay_inert_in_markdown():
    assert own_data.clean_source("Region [Kalmar](http://x.example) <b>län</b> ![i](y)") == (
        "Region Kalmar (http://x.example) b län /b i (y)"
    )
    escaped = own_data.md_escape("kolumner saknas: [x](http://e) :red[y]")
    assert "[" not in escaped.replace("\\[", "") and "\\:red" in escaped


def test_compact_grid_access_keeps_every_value_and_an_own_layer_keeps_its_new_ids(data_env):
    """The server holds grid_access with its texts as categoricals; an own layer's new nearest-point ids (not among
    the built categories) must survive the merge, not turn into missing values."""
    from servicekartan import layer_derive
    from servicekartan.views import compact

    built = catalog.read("grid_access")
    small = compact(built)
    assert isinstance(small["service_type"].dtype, pd.CategoricalDtype)
    assert small.memory_usage(deep=True).sum() < built.memory_usage(deep=True).sum() / 2
    pd.testing.assert_frame_equal(small.astype(built.dtypes.to_dict()), built)
    grocery = built[built["service_type"] == "grocery"].head(3)
    new = grocery.assign(nearest_service_id=["own:1", "own:2", "own:3"], quality=QUALITY_OWN)
    merged = layer_derive.with_types(small, new, ["grocery"])
    mine = merged[merged["service_type"] == "grocery"]
    assert list(mine["nearest_service_id"]) == ["own:1", "own:2", "own:3"]
    assert set(mine["quality"]) == {QUALITY_OWN}
    assert len(merged) == (built["service_type"] != "grocery").sum() + 3
    assert isinstance(merged["municipality_code"].dtype, pd.CategoricalDtype)  # compacted again
