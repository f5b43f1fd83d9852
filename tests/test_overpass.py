"""Overpass client, tag mapping and the OSM step's transform (no network).

Real recorded bodies (tests/fixtures/recorded/overpass, see its README) are used wherever one exists: the
`/api/status` texts, the HTML 429 (rate_limited) and 504 (too busy) pages, the `remark` runtime-error answer and
a real `out center` answer. tests/fixtures/overpass/kalmar_08.json stays HAND-MADE (no real answer for a Swedish
län with service tags was recorded; see its README): real places in Kalmar län, illustrative ids and tags.
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
from tests.fakeapi import bodies

PAYLOAD = json.loads(own_fixture("overpass/kalmar_08.json"))  # HAND-MADE (see module docstring)
STATUS_IDLE = bodies.pasted(bodies.OVERPASS_STATUS_IDLE)
STATUS_ONE_FREE = bodies.pasted("overpass/aio-overpass_error_bodies/test_status__test_one_slot_available__body.txt")
STATUS_NONE_FREE = bodies.pasted("overpass/aio-overpass_error_bodies/test_status__test_no_slot_available__body.txt")
STATUS_UNLIMITED = bodies.pasted(
    "overpass/aio-overpass_error_bodies/test_status__test_multiple_running_queries__body.txt"
)
STATUS_DOWN = bodies.pasted("overpass/aio-overpass_error_bodies/test_status__test_server_error__body.txt")
HTML_429 = bodies.pasted(bodies.OVERPASS_429)
HTML_504 = bodies.pasted(bodies.OVERPASS_504)
REMARK = bodies.pasted(bodies.OVERPASS_REMARK)  # "runtime error: Way … cannot be expanded …"
REAL_OK = bodies.recorded(bodies.OVERPASS_OK)


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


def test_real_answer_and_schema_drift():
    """The real `out center` answer parses; the same elements without coordinates are drift, never an empty result."""
    real = json.loads(REAL_OK)
    assert overpass.check_payload(real) == real["elements"]
    assert len(overpass.elements_to_frame(real)) == 0  # a Hamburg concert hall: no mapped service tag
    drifted = {**real, "elements": [{k: v for k, v in el.items() if k != "center"} for el in real["elements"]]}
    with pytest.raises(overpass.OverpassError, match="none with coordinates"):
        overpass.elements_to_frame(drifted)
    assert overpass.check_payload({**real, "elements": []}) == []  # an empty län is not drift


def test_status_slots_on_real_bodies():
    assert overpass.parse_status(STATUS_IDLE.decode()) == 0  # "2 slots available now."
    assert overpass.parse_status(STATUS_ONE_FREE.decode()) == 0  # rate limit 2, one slot busy for 293 s: one free
    assert overpass.parse_status(STATUS_NONE_FREE.decode()) == 20  # both busy: the first frees in 20 s
    assert overpass.parse_status(STATUS_UNLIMITED.decode()) == 0  # "Rate limit: 0" = unlimited
    assert overpass.parse_status(STATUS_DOWN.decode()) is None  # "Probably the server is down": unknown
    assert overpass.parse_status("garbage") is None


@responses.activate
def test_429_and_504_are_retried_one_query_at_a_time():
    clock = FakeClock()
    responses.add("GET", overpass.STATUS, body=STATUS_NONE_FREE)  # before the query: wait 20 s
    responses.add("POST", overpass.INTERPRETER, status=429, body=HTML_429, content_type="text/html; charset=utf-8")
    responses.add("POST", overpass.INTERPRETER, status=504, body=HTML_504, content_type="text/html; charset=utf-8")
    responses.add(
        "POST", overpass.INTERPRETER, body=own_fixture("overpass/kalmar_08.json"), content_type="application/json"
    )
    f = client(clock).services("08")
    assert f.content == own_fixture("overpass/kalmar_08.json")
    # 20 s for a free slot first; after the 429 /api/status is asked again (20 s) instead of blind backoff;
    # after the 504 the backoff of the second attempt (30 s)
    assert clock.sleeps == [20.0, 20.0, 30.0]
    post = [c.request for c in responses.calls if c.request.method == "POST"][0]
    assert "SE-H" in post.body and post.headers["User-Agent"].startswith("Servicekartan/0.1")
    assert [c.request.method for c in responses.calls] == ["GET", "POST", "GET", "POST", "POST"]


@responses.activate
def test_html_429_and_504_messages_carry_the_pages_error_text():
    responses.add("GET", overpass.STATUS, body=STATUS_IDLE)
    responses.add("POST", overpass.INTERPRETER, status=429, body=HTML_429, content_type="text/html; charset=utf-8")
    with pytest.raises(overpass.OverpassError) as exc:
        overpass.Overpass(Session(clock=FakeClock(), retries=1, name="Overpass")).services("08")
    assert "HTTP 429" in str(exc.value) and "rate_limited. Please check /api/status" in str(exc.value)
    responses.reset()
    responses.add("GET", overpass.STATUS, body=STATUS_IDLE)
    responses.add("POST", overpass.INTERPRETER, status=504, body=HTML_504, content_type="text/html; charset=utf-8")
    with pytest.raises(overpass.OverpassError, match=r"HTTP 504 .*too busy to handle your request"):
        overpass.Overpass(Session(clock=FakeClock(), retries=1, name="Overpass")).services("08")


@responses.activate
def test_html_page_with_200_is_refused_at_once():
    responses.add("POST", overpass.INTERPRETER, body=HTML_504, content_type="text/html; charset=utf-8")
    with pytest.raises(Exception, match=r"HTML error page from Overpass \(HTTP 200\): runtime error"):
        overpass.Overpass(Session(clock=FakeClock(), name="Overpass"), status_url=None).services("08")
    assert len(responses.calls) == 1  # not downloaded five times


@responses.activate
def test_runtime_error_remark_is_retried_then_reported():
    timed_out = {
        "version": 0.6,
        "elements": [],
        "remark": 'runtime error: Query timed out in "query" at line 4 after 181 seconds.',
    }  # HAND-MADE: no timed-out answer was recorded (the wording is Overpass' own)
    responses.add("POST", overpass.INTERPRETER, json=timed_out)
    responses.add("POST", overpass.INTERPRETER, json=PAYLOAD)
    assert client(status_url=None).services("08").payload == PAYLOAD
    responses.reset()
    responses.add("POST", overpass.INTERPRETER, json=timed_out)
    with pytest.raises(overpass.OverpassError, match=r"Query timed out.*seconds\. What to change.*\[timeout:\]"):
        client(status_url=None).services("08")
    responses.reset()
    responses.add("POST", overpass.INTERPRETER, status=400, body="Error: line 3: parse error")
    with pytest.raises(overpass.OverpassError, match="HTTP 400.*build_query"):
        client(status_url=None).services("08")


@responses.activate
def test_real_remark_fails_the_unit_without_a_timeout_hint():
    responses.add("POST", overpass.INTERPRETER, body=REMARK, content_type="application/json")
    with pytest.raises(overpass.OverpassError) as exc:
        client(status_url=None).services("08")
    msg = str(exc.value)
    assert "Way 547230203 cannot be expanded" in msg and "[timeout:]" not in msg and ".." not in msg
    assert len(responses.calls) == 1  # not a timeout: asking again gives the same answer


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
