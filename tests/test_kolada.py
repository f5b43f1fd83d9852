"""Kolada v3 client and KPI step (no network).

Real v3 records exist (tests/fixtures/recorded/kolada/omsorgsradar/…/kolada_n21704_fixture.json: 5 records of
N21704 with `isdeleted`, unordered gender lists and integer periods, but no paging envelope); the record
parsing is tested on them. Paging needs a `next_url` envelope and our KPIs' values, which no recording has: the
fixtures in tests/fixtures/kolada/ are HAND-MADE for that (see their README). Riket's N07900 shares are the
national figures of the domain brief; kommun/region values are illustrative.
"""

from __future__ import annotations

import io
import json
import math
import re
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from etl.fetch import Options, run_fetch
from etl.fetchers import kolada_kpis
from etl.sources import kolada
from etl.sources.http import Session
from tests._fetch_support import FakeClock, own_fixture
from tests.fakeapi import bodies

BASE = "https://api.kolada.se/v3"
FIRST = f"{BASE}/data/kpi/N07900/year/2016,2020"


def client() -> kolada.Kolada:
    return kolada.Kolada(Session(clock=FakeClock(), retries=1), per_page=3)


def serve_paged(rsps: responses.RequestsMock) -> None:
    def cb(request):
        q = parse_qs(urlparse(request.url).query)
        name = "data_N07900_p2.json" if q.get("page") == ["2"] else "data_N07900_p1.json"
        return (200, {"Content-Type": "application/json"}, own_fixture("kolada/" + name))

    rsps.add_callback("GET", FIRST, callback=cb)


def test_ids_are_chunked_to_25_per_path_segment():
    assert [len(c) for c in kolada.chunks(list(range(60)))] == [25, 25, 10]
    urls = client().data_urls("N07900", range(1990, 2027), [f"{i:04d}" for i in range(800, 830)])
    assert len(urls) == 4  # 37 years -> 2 chunks, 30 kommuner -> 2 chunks
    for u in urls:
        m = re.search(r"/municipality/([^/]+)/year/(.+)$", u)
        assert len(m.group(1).split(",")) <= 25 and len(m.group(2).split(",")) <= 25
    assert client().data_urls("N07900", [2020]) == [f"{BASE}/data/kpi/N07900/year/2020"]


@responses.activate
def test_paging_follows_next_url_and_keeps_missing_as_nan():
    serve_paged(responses.mock)
    df = client().data("N07900", [2016, 2020])
    assert len(responses.calls) == 2 and "per_page=3" in responses.calls[0].request.url
    assert len(df) == 5
    v = df.set_index(["municipality", "period"])["value"]
    assert v[("0000", 2016)] == 71 and v[("0000", 2020)] == 86  # national shares (domain brief)
    assert math.isnan(v[("0861", 2020)])  # status "Missing": NaN, never zero
    assert df.set_index(["municipality", "period"]).loc[("0861", 2020), "status"] == "Missing"


def test_genders_are_kept_and_totals_become_indicators():
    df = kolada.values_to_frame([json.loads(own_fixture("kolada/data_N01951.json"))])
    assert set(df.loc[df["municipality"] == "0861", "gender"]) == {"T", "K", "M"}
    ind = kolada_kpis.to_indicators(df).set_index(["area_code", "year", "indicator_id"])
    assert ind.loc[("0861", 2020, "population_total"), "value"] == 13500
    assert ind.loc[("0861", 2020, "population_total"), "level"] == "municipality"
    assert ind.loc[("08", 2020, "population_total"), "level"] == "county"
    assert set(ind["source"]) == {"Kolada N01951"} and set(ind["unit"]) == {"persons"}
    assert len(ind) == 2  # gender T only


def test_real_records_isdeleted_dropped_unordered_genders_kept():
    records = bodies.kolada_records()  # real v3 records (no envelope recorded)
    df = kolada.values_to_frame([{"values": records}])
    assert len(df) == 15 and set(df["gender"]) == {"T", "K", "M"} and df["period"].dtype == "int64"
    row = df.set_index(["municipality", "gender"]).loc[("0580", "T")]
    assert row["value"] == pytest.approx(6.067015) and row["period"] == 2023
    deleted = json.loads(json.dumps(records))
    deleted[0]["values"][0]["isdeleted"] = True  # the T value of 0180 withdrawn
    df2 = kolada.values_to_frame([{"values": deleted}])
    assert len(df2) == 14 and ("0180", "T") not in set(zip(df2["municipality"], df2["gender"], strict=True))
    nogender = json.loads(json.dumps(records))
    del nogender[1]["values"][2]["gender"]
    with pytest.raises(kolada.KoladaError, match="0580.*has no gender"):
        kolada.values_to_frame([{"values": nogender}])


def test_page_guard_stops_loops_endless_chains_and_repeats():
    records = bodies.kolada_records()
    first = f"{BASE}/data/kpi/N21704/year/2023?per_page=2"
    g = kolada.PageGuard(first, BASE)
    with pytest.raises(kolada.KoladaError, match="already fetched"):
        g.next(first, {"count": 2, "values": records[:2], "next_url": first})  # next_url = itself
    g = kolada.PageGuard(first, BASE)
    nxt = g.next(first, {"count": 2, "values": records[:2], "next_url": f"{BASE}/data/x?page=2"})
    with pytest.raises(kolada.KoladaError, match="repeats the rows of page 1"):
        g.next(nxt, {"count": 2, "values": records[:2], "next_url": f"{BASE}/data/x?page=3"})
    g = kolada.PageGuard(first, BASE)  # an envelope count of 5 at 2 a page: at most 3 pages (+1 slack)
    url = first
    with pytest.raises(kolada.KoladaError, match="more than 4 pages"):
        for i in range(10):
            rows = [{**records[0], "municipality": f"{i:02d}{j:02d}"} for j in range(2)]
            url = g.next(url, {"count": 5, "values": rows, "next_url": f"{BASE}/data/x?page={i + 2}"})
    g = kolada.PageGuard(first, BASE, max_pages=3)  # no total in the envelope: the fixed cap
    url = first
    with pytest.raises(kolada.KoladaError, match="more than 3 pages"):
        for i in range(10):
            rows = [{**records[0], "municipality": f"{i:04d}"}]
            url = g.next(url, {"count": 1, "values": rows, "next_url": f"{BASE}/data/x?page={i + 2}"})
    assert kolada.PageGuard(first, BASE).next(first, {"count": 5, "values": records}) is None


def test_area_codes():
    assert kolada_kpis.area_of("0000") == ("00", "country")
    assert kolada_kpis.area_of("0008") == ("08", "county")
    assert kolada_kpis.area_of("0861") == ("0861", "municipality")
    assert kolada_kpis.area_of("G123") is None


@responses.activate
def test_malformed_page_and_http_errors_are_clear():
    responses.add("GET", FIRST, json={"count": 0, "rows": []})
    with pytest.raises(kolada.KoladaError, match="no 'values' list"):
        client().data("N07900", [2016, 2020])
    responses.replace("GET", FIRST, status=404, body="Not found")
    with pytest.raises(kolada.KoladaError, match="HTTP 404.*at most 25 per path segment"):
        client().data("N07900", [2016, 2020])


@responses.activate
def test_lookups():
    responses.add(
        "GET", f"{BASE}/kpi/N07900", body=own_fixture("kolada/kpi_N07900.json"), content_type="application/json"
    )
    responses.add("GET", f"{BASE}/municipality", json={"count": 2, "values": [{"id": "0861", "title": "Mönsterås", "type": "K"}, {"id": "0008", "title": "Region Kalmar", "type": "L"}]})  # fmt: skip
    assert client().kpis(["N07900"])[0]["title"].startswith("Tillgång till fast bredband")
    assert {m["id"]: m["type"] for m in client().municipalities()} == {"0861": "K", "0008": "L"}


@responses.activate
def test_fetch_step_for_one_lan_saves_pages_and_builds_indicators(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(tmp_path))
    seen: list[str] = []

    def cb(request):
        seen.append(request.url)
        path = urlparse(request.url).path
        if path.startswith("/v3/kpi/"):
            return (200, {"Content-Type": "application/json"}, own_fixture("kolada/kpi_N07900.json"))
        if path.startswith("/v3/data/kpi/N07900/") and parse_qs(urlparse(request.url).query).get("page") == ["2"]:
            return (200, {"Content-Type": "application/json"}, own_fixture("kolada/data_N07900_p2.json"))
        if path.startswith("/v3/data/kpi/N07900/"):
            return (200, {"Content-Type": "application/json"}, own_fixture("kolada/data_N07900_p1.json"))
        return (200, {"Content-Type": "application/json"}, b'{"count": 0, "values": []}')

    responses.add_callback("GET", re.compile(r"https://api\.kolada\.se/v3/.*"), callback=cb)
    run = run_fetch(["kolada"], Options(county="08", since=2016), clock=FakeClock(), out=io.StringIO())
    assert run.ok, [r.message for r in run.results]
    assert [r.unit for r in run.results] == [f"{k}-county-08-since-2016" for k in kolada_kpis.KPIS]
    data_urls = [u for u in seen if "/data/kpi/N07900/" in u]
    assert "/municipality/0008,0821," in data_urls[0] and "/year/2016,2017," in data_urls[0]
    assert data_urls[1] == "https://api.kolada.se/v3/data/kpi/N07900/year/2016,2020?page=2&per_page=3"
    ind = kolada_kpis.load_indicators().set_index(["area_code", "year", "indicator_id"])
    assert ind.loc[("0861", 2016, "broadband_100"), "value"] == pytest.approx(52.3)
    assert ind.loc[("00", 2020, "broadband_100"), "source"] == "Kolada N07900"
