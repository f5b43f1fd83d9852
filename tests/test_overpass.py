"""Overpass client, tag mapping and the OSM step's transform (no network).

No recorded Overpass response exists in ../shared/fixtures, so tests/fixtures/overpass/kalmar_08.json was
built by hand from the documented `[out:json]` / `out tags center` output format (see its README): real
places in Kalmar län, illustrative ids, coordinates and tags.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import responses

from etl import seed
from etl.fetchers import osm_services
from etl.raw import RawItem
from etl.sources import overpass
from etl.sources.http import Session
from servicekartan import paths
from tests._fetch_support import FakeClock, own_fixture

PAYLOAD = json.loads(own_fixture("overpass/kalmar_08.json"))


def client(clock: FakeClock | None = None, **kw) -> overpass.Overpass:
    return overpass.Overpass(Session(clock=clock or FakeClock(), retries=3, backoff=15.0), **kw)


def test_query_per_lan_covers_every_service_type():
    ql = overpass.build_query("08")
    assert ql.startswith("[out:json][timeout:180];")
    assert 'area["ISO3166-2"="SE-H"]["admin_level"="4"]->.lan;' in ql
    assert 'nwr["shop"~"^(supermarket|convenience|general|grocery)$"](area.lan);' in ql
    for tag in ('"amenity"~"^(fuel|pharmacy|post_office|parcel_locker|atm|payment_centre|bank|clinic|doctors|school)$"',
                '"post_office"="post_partner"', '"cash_in"="yes"', '"healthcare"="centre"', '"atm"="yes"'):  # fmt: skip
        assert tag in ql
    assert ql.rstrip().endswith("out tags center qt;")
    assert len(overpass.LAN_ISO) == 21
    with pytest.raises(ValueError, match="unknown län"):
        overpass.build_query("99")
    table = overpass.mapping_table().set_index("service_type")["osm_tags"]
    from servicekartan.definitions import SERVICE_TYPE_IDS

    assert list(table.index) == list(SERVICE_TYPE_IDS)  # every service type of the domain has a mapping


def test_classify_tag_mapping():
    assert overpass.classify({"shop": "convenience", "post_office": "post_partner"}) == ["grocery", "parcel"]
    assert overpass.classify({"amenity": "bank", "atm": "yes"}) == ["atm", "payment"]
    assert overpass.classify({"amenity": "atm", "cash_in": "yes"}) == ["atm", "cash_deposit"]
    assert overpass.classify({"amenity": "clinic", "healthcare": "centre"}) == ["health"]
    assert overpass.classify({"amenity": "school", "isced:level": "3"}) == []
    assert overpass.classify({"amenity": "school", "isced:level": "1;2"}) == ["school"]
    assert overpass.classify({"amenity": "bench"}) == []


def test_elements_to_frame():
    df = overpass.elements_to_frame(PAYLOAD)
    by = df.groupby("service_type").size().to_dict()
    assert by == {"grocery": 4, "parcel": 2, "fuel": 1, "atm": 2, "cash_deposit": 1, "payment": 1,
                  "pharmacy": 1, "health": 1, "school": 1}  # fmt: skip
    ica = df[df["osm_id"] == 9000000001]
    assert set(ica["service_type"]) == {"grocery", "parcel"} and ica["start_year"].iloc[0] == 1998
    way = df[df["osm_id"] == 9000000003].iloc[0]
    assert (way["osm_type"], way["lat"]) == ("way", 56.9682)
    assert 9000000013 not in set(df["osm_id"])  # relation without a centre


def test_status_slots():
    assert overpass.parse_status("Connected as: 1\nRate limit: 2\n2 slots available now.\n") == 0
    assert overpass.parse_status("Rate limit: 2\nSlot available after: 2026-11-28T10:00:05Z, in 5 seconds.\n"
                                 "Slot available after: 2026-11-28T10:00:09Z, in 9 seconds.\n") == 5  # fmt: skip
    assert overpass.parse_status("garbage") == 0


@responses.activate
def test_429_and_504_are_retried_one_query_at_a_time():
    clock = FakeClock()
    responses.add("GET", overpass.STATUS, body="Rate limit: 2\nSlot available after: x, in 4 seconds.\n")
    responses.add("POST", overpass.INTERPRETER, status=429, body="Too Many Requests")
    responses.add("POST", overpass.INTERPRETER, status=504, body="Gateway Timeout")
    responses.add(
        "POST", overpass.INTERPRETER, body=own_fixture("overpass/kalmar_08.json"), content_type="application/json"
    )
    f = client(clock).services("08")
    assert f.content == own_fixture("overpass/kalmar_08.json")
    assert clock.sleeps[0] == 4  # waited for a free slot first
    assert clock.sleeps[1:] == [15.0, 30.0]  # backoff after 429, then after 504
    post = [c.request for c in responses.calls if c.request.method == "POST"][0]
    assert "SE-H" in post.body and post.headers["User-Agent"].startswith("Servicekartan/0.1")


@responses.activate
def test_runtime_error_remark_is_retried_then_reported():
    timed_out = {
        "version": 0.6,
        "elements": [],
        "remark": 'runtime error: Query timed out in "query" at line 4 after 181 seconds.',
    }
    responses.add("POST", overpass.INTERPRETER, json=timed_out)
    responses.add("POST", overpass.INTERPRETER, json=PAYLOAD)
    assert client(status_url=None).services("08").payload == PAYLOAD
    responses.reset()
    responses.add("POST", overpass.INTERPRETER, json=timed_out)
    with pytest.raises(overpass.OverpassError, match="Query timed out.*What to change"):
        client(status_url=None).services("08")
    responses.reset()
    responses.add("POST", overpass.INTERPRETER, status=400, body="Error: line 3: parse error")
    with pytest.raises(overpass.OverpassError, match="HTTP 400.*build_query"):
        client(status_url=None).services("08")


def test_step_transform_places_points_in_their_kommun():
    villages = pd.read_csv(paths.seed_dir() / "tatorter_2020_scb.csv", dtype={"mun_code": str})
    villages = villages.rename(columns={"x_sweref99tm": "x", "y_sweref99tm": "y", "mun_code": "municipality_code"})
    villages["municipality_code"] = villages["municipality_code"].str.zfill(4)

    class Item(RawItem):
        @property
        def payload(self):
            return PAYLOAD

    item = Item(
        path=Path("x"), lock={"kind": "data", "info": {"lan": "08"}, "retrieved_at": "2026-11-27T12:00:00+00:00"}
    )
    df = osm_services.transform([item], seed.read_json("scb_kommuner_wgs84.geojson"), villages)
    by_id = df.set_index("service_id")
    ica = by_id.loc["osm:n9000000001:grocery"]
    assert ica["municipality_code"] == "0861" and ica["quality"] == "observed"
    assert ica["source"] == "OpenStreetMap (Overpass API) 2026-11-27" and ica["opened"] == 1998
    assert by_id.loc["osm:n9000000012:grocery", "municipality_code"] == "0880"  # Kalmar
    assert by_id.loc["osm:w9000000003:grocery", "municipality_code"] == "0861"  # Timmernabben
    assert set(df["lan"]) == {"08"} and df["service_id"].is_unique
