"""`python -m etl fetch` -> raw files + lock files, resume, summary, exit codes; faults leave data untouched.

Fault injection checks that data/raw/ and data/processed/ hash the same before and after a failed run,
and `etl build` after a fetch uses the fetched (observed) data. No network: every API is mocked with
`responses` (Overpass and Kolada answers are hand-built fixtures, see tests/fixtures/*/README.md; SCB
answers are computed from the recorded TAB638 metadata).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import requests
import responses

from etl import build as build_mod
from etl import fetch
from etl.__main__ import main as etl_main
from etl.fetch import Options, run_fetch
from etl.fetchers import FETCHERS, scb_population, scb_tatorter
from etl.fetchers.spec import status_frame
from etl.sources import overpass
from servicekartan import catalog
from tests._fetch_support import V2, FakeClock, hash_tree, jsonstat2_answer, own_fixture, serve_scb_population
from tests.fakeapi.bodies import OVERPASS_429, OVERPASS_STATUS_IDLE, pasted

OSM_BODY = own_fixture("overpass/kalmar_08.json")  # HAND-MADE (no real answer for a Swedish län; see its README)
STATUS_IDLE = pasted(OVERPASS_STATUS_IDLE)  # real /api/status text: "Rate limit: 2", "2 slots available now."
HTML_429 = pasted(OVERPASS_429)  # real rate_limited page
BASE_STEPS = ("regions", "villages", "population", "servicepoints", "services")


@pytest.fixture(scope="module")
def processed_base(tmp_path_factory) -> Path:
    """data/processed of the seed (the steps up to `services`), built once and copied into each test."""
    root = tmp_path_factory.mktemp("base")
    mp = pytest.MonkeyPatch()
    mp.setenv("SERVICEKARTAN_DATA_DIR", str(root))
    build_mod.build(BASE_STEPS, out=io.StringIO())
    mp.undo()
    return root / "processed"


@pytest.fixture()
def data(tmp_path, monkeypatch, processed_base) -> Path:
    root = tmp_path / "data"
    shutil.copytree(processed_base, root / "processed")
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(root))
    return root


def serve_osm(rsps, body: bytes = OSM_BODY, **kw) -> None:
    rsps.add("GET", overpass.STATUS, body=STATUS_IDLE)
    rsps.add("POST", overpass.INTERPRETER, body=body, content_type="application/json", **kw)


def posts(url: str) -> int:
    return sum(1 for c in responses.calls if c.request.method == "POST" and c.request.url.startswith(url))


def fetch_osm(clock=None, refresh=False) -> fetch.FetchRun:
    return run_fetch(["osm"], Options(county="08", refresh=refresh), clock=clock or FakeClock(), out=io.StringIO())


# ---------------------------------------------------------------------------------------------- OSM end to end


@responses.activate
def test_osm_fetch_saves_raw_with_lock_and_build_uses_observed(data, capsys, monkeypatch):
    serve_osm(responses.mock)
    monkeypatch.setattr(fetch, "SystemClock", FakeClock)
    assert etl_main(["fetch", "--source", "osm", "--county", "08"]) == 0
    err = capsys.readouterr().err
    assert "[1/1] osm_services 08: 1/1 requests" in err and "ETA" in err and "Fetch summary" in err
    assert "all 1 units ok" in err

    unit = data / "raw" / "osm" / "services" / "08"
    bodies = [p for p in unit.glob("*.json") if not p.name.endswith(".lock.json") and p.name != "_unit.json"]
    assert len(bodies) == 1 and bodies[0].read_bytes() == OSM_BODY  # exactly what the source published
    lock = json.loads(bodies[0].with_name(bodies[0].name[:-5] + ".lock.json").read_text())
    assert lock["url"] == overpass.INTERPRETER and lock["method"] == "POST" and "SE-H" in lock["query"]["body"]["data"]
    assert lock["sha256"] == hashlib.sha256(OSM_BODY).hexdigest() and lock["licence"] == "ODbL 1.0"
    assert lock["status"] == "complete" and lock["retrieved_at"].startswith("2026-")
    assert json.loads((unit / "_unit.json").read_text())["files"] == [bodies[0].name]
    assert not (data / "staging").exists()

    status = status_frame(FETCHERS).set_index("dataset")
    assert status.loc["services", "status"] == "observed" and status.loc["services", "raw_files"] == 1
    assert status.loc["services", "units"] == "08" and status.loc["indicators", "status"] == "seed"

    build_mod.build((*BASE_STEPS, "data_status"), out=io.StringIO())
    shown = catalog.read("data_status").set_index("dataset")  # what the app's sidebar reads
    assert shown.loc["services", "status"] == "observed" and shown.loc["services", "retrieved"] == "2026-11-18"
    assert shown.loc["services", "raw_files"] == 1 and shown.loc["services", "units"] == "08"
    assert list(shown["status"]) == ["seed", "seed", "seed", "observed"]
    assert catalog.provenance("data_status").retrieved == "2026-11-18"
    s = catalog.read("services")
    lan = s["municipality_code"].str[:2]
    grocery_08 = s[(lan == "08") & (s["service_type"] == "grocery")]
    assert len(grocery_08) == 4 and set(grocery_08["quality"]) == {"observed"}
    assert set(grocery_08["source"]) == {"OpenStreetMap (Overpass API) 2026-11-18"}
    assert "model:grocery:0861TB103" not in set(s["service_id"])  # Fliseryd's modelled store gave way
    assert s.set_index("service_id").loc["osm:n9000000001:grocery", "municipality_code"] == "0861"
    assert set(s.loc[(lan == "01") & (s["service_type"] == "grocery"), "quality"]) == {"modelled"}  # other län
    assert set(s.loc[(lan == "08") & (s["service_type"] == "cash_deposit"), "quality"]) == {"observed"}
    prov = catalog.provenance("services")
    assert "Overpass" in prov.source and "ODbL" in prov.source


@responses.activate
def test_rerun_resumes_from_lock_files(data):
    serve_osm(responses.mock)
    assert fetch_osm().ok
    before = hash_tree(data / "raw")
    run = fetch_osm()
    assert run.ok and run.results[0].reused == 1 and run.results[0].requests == 0
    assert posts(overpass.INTERPRETER) == 1  # the second run sent no query
    assert hash_tree(data / "raw") == before
    assert fetch_osm(refresh=True).results[0].requests == 1 and posts(overpass.INTERPRETER) == 2


@responses.activate
def test_failed_unit_keeps_no_page_and_a_rerun_fetches_the_chain_whole(data):
    """Issue 11: staging never keeps a page of a failed run (a bad chain, e.g. a self-looping next_url, is never replayed)."""
    import re

    page2_ok = {"value": False}

    def cb(request):
        if "/v3/kpi/" in request.url:
            return (200, {}, own_fixture("kolada/kpi_N07900.json"))
        if "page=2" in request.url:
            if not page2_ok["value"]:
                return (500, {}, "Internal Server Error")
            return (200, {}, own_fixture("kolada/data_N07900_p2.json"))
        if "/N07900/" in request.url:
            return (200, {}, own_fixture("kolada/data_N07900_p1.json"))
        return (200, {}, b'{"count": 0, "values": []}')

    responses.add_callback("GET", re.compile(r"https://api\.kolada\.se/.*"), callback=cb)
    opts = Options(county="08", since=2016)
    run = run_fetch(["kolada"], opts, steps=["kolada_kpis"], clock=FakeClock(), out=io.StringIO())
    failed = [r for r in run.results if not r.ok]
    assert [r.unit for r in failed] == ["N07900-county-08-since-2016"] and "HTTP 500" in failed[0].message
    assert not (data / "raw" / "kolada" / "kpis" / "N07900-county-08-since-2016").exists()
    staged = data / "staging" / "kolada" / "kpis" / "N07900-county-08-since-2016"
    assert list(staged.glob("data-N07900-p*")) == []

    page2_ok["value"] = True
    n_before = len(responses.calls)
    run = run_fetch(["kolada"], opts, steps=["kolada_kpis"], clock=FakeClock(), out=io.StringIO())
    assert run.ok
    again = [c.request.url for c in responses.calls[n_before:] if "/N07900/" in c.request.url]
    assert len(again) == 2 and "page=2" in again[1]  # the chain is fetched whole again
    assert not (data / "staging").exists()
    files = json.loads((data / "raw/kolada/kpis/N07900-county-08-since-2016/_unit.json").read_text())["files"]
    assert len(files) == 3  # kpi description + two pages


# ---------------------------------------------------------------------------------------------- fault injection


def osm_fault(kind: str, times: int):
    """Register `times` faulty answers of one kind, then a good one."""

    def add():
        for _ in range(times):
            if kind == "429":
                responses.add(
                    "POST",
                    overpass.INTERPRETER,
                    status=429,
                    headers={"Retry-After": "20"},
                    body=HTML_429,
                    content_type="text/html; charset=utf-8",
                )
            elif kind == "500":
                responses.add("POST", overpass.INTERPRETER, status=500, body="Internal Server Error")
            elif kind == "timeout":
                responses.add("POST", overpass.INTERPRETER, body=requests.exceptions.ReadTimeout("read timed out"))
            elif kind == "truncated":
                responses.add(
                    "POST", overpass.INTERPRETER, body=OSM_BODY[: len(OSM_BODY) // 2], content_type="application/json"
                )
        responses.add("POST", overpass.INTERPRETER, body=OSM_BODY, content_type="application/json")

    return add


MESSAGES = {"429": "HTTP 429", "500": "HTTP 500", "timeout": "timed out", "truncated": "not valid JSON"}


def assert_clean(root: Path) -> None:
    leftovers = [p for p in root.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == [], leftovers
    for lock in (root / "staging").rglob("*.lock.json") if (root / "staging").exists() else []:
        body = lock.with_name(json.loads(lock.read_text())["file"])
        assert hashlib.sha256(body.read_bytes()).hexdigest() == json.loads(lock.read_text())["sha256"]


@pytest.mark.parametrize("kind", ["429", "500", "timeout", "truncated"])
@responses.activate
def test_transport_faults_retry_or_leave_raw_and_processed_untouched(data, kind):
    serve_osm(responses.mock)
    assert fetch_osm().ok  # last good data
    raw0, proc0 = hash_tree(data / "raw"), hash_tree(data / "processed")
    responses.reset()

    # transient: one fault, then the retry succeeds
    responses.add("GET", overpass.STATUS, body=STATUS_IDLE)
    osm_fault(kind, 1)()
    clock = FakeClock()
    run = fetch_osm(clock=clock, refresh=True)
    assert run.ok and run.results[0].requests == 1
    if kind == "429":
        assert 20.0 in clock.sleeps  # Retry-After honoured
    raw1 = hash_tree(data / "raw")

    # persistent: every attempt fails -> a clear error, nothing changed, nothing partial
    responses.reset()
    responses.add("GET", overpass.STATUS, body=STATUS_IDLE)
    osm_fault(kind, 20)()
    out = io.StringIO()
    run = run_fetch(["osm"], Options(county="08", refresh=True), clock=FakeClock(), out=out)
    assert not run.ok and MESSAGES[kind] in run.results[0].message and "gave up after" in run.results[0].message
    assert "FAILED" in out.getvalue() and "keeps their last good data" in out.getvalue()
    assert hash_tree(data / "raw") == raw1 and hash_tree(data / "processed") == proc0
    assert set(raw0) == set(raw1)
    assert_clean(data)


@pytest.mark.parametrize("fault", ["403", "missing_dimension", "truncated"])
@responses.activate
def test_scb_faults_leave_raw_and_processed_untouched(data, fault):
    serve_scb_population(responses.mock)
    opts = Options(county="08", since=2020)
    assert run_fetch(["scb"], opts, steps=["scb_population"], clock=FakeClock(), out=io.StringIO()).ok
    raw0, proc0 = hash_tree(data / "raw"), hash_tree(data / "processed")
    assert any(k.endswith("_unit.json") for k in raw0)
    responses.reset()

    def broken(table, sel):
        if table != "TAB5557":  # the first table answers; the second fails after it
            return None
        if fault == "403":
            problem = {
                "title": "Forbidden",
                "status": 403,
                "detail": "The query resulted in cell that exceeds the number of allowed.",
            }
            return (403, {"Content-Type": "application/problem+json"}, json.dumps(problem))
        if fault == "missing_dimension":
            from tests._fetch_support import tab5557_metadata

            ans = jsonstat2_answer(tab5557_metadata(), {k: v for k, v in sel.items() if k != "Kon"})
            return (200, {"Content-Type": "application/json"}, json.dumps(ans))
        return (200, {"Content-Type": "application/json"}, '{"version": "2.0", "class": "dataset", "id": ["Reg')

    serve_scb_population(responses.mock, data=broken)
    opts.refresh = True
    run = run_fetch(["scb"], opts, steps=["scb_population"], clock=FakeClock(), out=io.StringIO())
    msg = run.results[0].message
    assert not run.ok
    expected = {
        "403": ["TooManyCellsError", "cells", "150,000", "What to change"],
        "missing_dimension": ["ResponseShapeError", "lacks dimension 'Kon'"],
        "truncated": ["not valid JSON", "gave up after"],
    }[fault]
    for word in expected:
        assert word in msg
    assert hash_tree(data / "raw") == raw0 and hash_tree(data / "processed") == proc0
    assert_clean(data)


# ---------------------------------------------------------------------------------------------- SCB steps + build


@responses.activate
def test_scb_population_fetch_feeds_population(data):
    calls: list = []
    serve_scb_population(responses.mock, calls=calls)
    run = run_fetch(["scb"], Options(county="08"), steps=["scb_population"], clock=FakeClock(), out=io.StringIO())
    assert run.ok and run.results[0].unit == "county-08"
    (t1, sel1), (t2, sel2) = calls
    assert (t1, t2) == ("TAB638", "TAB5557")
    assert sel1["ContentsCode"] == ["BE0101N1"] and sel1["Alder"] == ["tot"] and "Kon" not in sel1  # eliminated
    assert sel2["ContentsCode"] == ["000007ME"] and sel2["Kon"] == ["TotSa"] and sel2["Civilstand"] == ["SC"]
    assert sel1["Region"][0] == "08" and "0861" in sel1["Region"] and "00" not in sel1["Region"]

    rows = scb_population.load_raw().set_index(["area_code", "year"])
    assert rows.loc[("0861", 1968), "level"] == "municipality" and rows.loc[("08", 2025), "level"] == "county"
    assert rows.loc[("0861", 2025), "source"] == "SCB TAB5557" and rows.loc[("0861", 2000), "source"] == "SCB TAB638"
    assert len(rows) == 13 * 58  # län + 12 kommuner, 1968-2025

    build_mod.build(("regions", "villages", "population"), out=io.StringIO())
    pop = catalog.read("population").set_index(["area_code", "year"])
    assert pop.loc[("0861TB103", 2020), "population"] == 716  # seed kept where SCB series were not fetched
    assert pop.loc[("0861", 2024), "level"] == "municipality"
    assert "TAB638" in catalog.provenance("population").source


def tatort_meta(codes: dict[str, str], years: list[str], kind: str) -> dict:
    label = "Tätorter" if kind == "tatort" else "Småorter"
    return {
        "version": "2.0", "class": "dataset", "label": f"{label}: landareal, folkmängd",
        "id": ["Region", "ContentsCode", "Tid"], "size": [len(codes), 3, len(years)], "role": {"time": ["Tid"]},
        "dimension": {
            "Region": {"label": "region", "category": {"index": {c: i for i, c in enumerate(codes)}, "label": codes},
                       "extension": {"elimination": False}},
            "ContentsCode": {"label": "tabellinnehåll", "category": {
                "index": {"000003F9": 0, "000003F7": 1, "000003F8": 2},
                "label": {"000003F9": "Landareal, hektar", "000003F7": "Folkmängd", "000003F8": "Befolkningstäthet, invånare per km2"}}},
            "Tid": {"label": "år", "category": {"index": {y: i for i, y in enumerate(years)}, "label": {y: y for y in years}}},
        },
        "value": [],
    }  # fmt: skip


POP = {("0861TB103", "2020"): 716, ("0861TB103", "2015"): 704, ("T0123", "2015"): 704, ("T0123", "2010"): 690,
       ("0861TC104", "2020"): 5432, ("0861S1001", "2020"): 120, ("T9999", "2010"): 300}  # fmt: skip


def tatort_value(codes):
    region, content, year = codes
    if content == "000003F7":
        return POP.get((region, year))
    return 140.0 if content == "000003F9" else 5.0


@responses.activate
def test_scb_tatorter_series_crosswalk_and_smaort_villages(data):
    new = {"0861TB103": "Fliseryd", "0861TC104": "Mönsterås"}
    old = {"T0123": "Fliseryd", "T9999": "Nowhere"}
    metas = {
        "TAB9001": tatort_meta(new, ["2015", "2020"], "tatort"),
        "TAB9002": tatort_meta(old, ["2010", "2015"], "tatort"),
        "TAB9003": tatort_meta({"0861S1001": "Ödängla"}, ["2020"], "smaort"),
    }

    def search(request):
        q = request.params["query"]
        subject = "MI0810" if q == "tätorter" else "MI0811"
        ids = ["TAB9001", "TAB9002"] if subject == "MI0810" else ["TAB9003"]
        tables = [{"id": i, "label": metas[i]["label"], "paths": [[{"id": "MI"}, {"id": subject}]]} for i in ids]
        return (200, {}, json.dumps({"language": "sv", "tables": tables, "page": {"totalPages": 1}}))

    def post(request):
        table = request.path_url.split("/tables/")[1].split("/")[0]
        sel = {s["variableCode"]: s["valueCodes"] for s in json.loads(request.body)["selection"]}
        return (200, {}, json.dumps(jsonstat2_answer(metas[table], sel, tatort_value)))

    responses.add("GET", f"{V2}/config", json={"maxDataCells": 150000, "maxCallsPerTimeWindow": 30, "timeWindow": 10})
    responses.add_callback("GET", f"{V2}/tables", callback=search)
    for t, m in metas.items():
        responses.add("GET", f"{V2}/tables/{t}/metadata", json=m)
        responses.add_callback("POST", f"{V2}/tables/{t}/data", callback=post)
    square = [[600000, 6330000], [600200, 6330000], [600200, 6330200], [600000, 6330200], [600000, 6330000]]
    wfs = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"smaortskod": "0861S1001", "smaort": "Ödängla", "bef": 120},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}  # fmt: skip
    responses.add("GET", scb_tatorter.WFS_URL, json=wfs)

    run = run_fetch(["scb"], Options(), steps=["scb_tatorter"], clock=FakeClock(), out=io.StringIO())
    assert run.ok, [r.message for r in run.results]
    assert [r.unit for r in run.results] == ["all", "smaort-points"]
    wfs_call = next(c.request for c in responses.calls if c.request.url.startswith(scb_tatorter.WFS_URL))
    assert wfs_call.params["typeNames"] == "stat:Smaorter_2023" and wfs_call.params["srsName"] == "EPSG:3006"

    series = scb_tatorter.load_series()
    fl = series[series["village_id"] == "0861TB103"].set_index("year")["population"]
    assert fl.to_dict() == {2010: 690, 2015: 704, 2020: 716}  # T0123 carried over by name + 2015 population
    assert "T9999" not in set(series["village_id"]) and series.attrs["unmatched_old_codes"] == 1
    assert set(series.loc[series["village_id"] == "0861S1001", "kind"]) == {"smaort"}

    build_mod.build(("regions", "villages", "population"), out=io.StringIO())
    v = catalog.read("villages").set_index("village_id")
    s = v.loc["0861S1001"]
    assert s["kind"] == "smaort" and s["name"] == "Ödängla" and s["municipality_code"] == "0861"
    assert (s["x"], s["y"]) == (600100, 6330100) and 57.0 < s["lat"] < 57.2
    pop = catalog.read("population").set_index(["area_code", "year"])
    assert pop.loc[("0861TB103", 2010), "population"] == 690 and pop.loc[("0861TB103", 2020), "population"] == 716
    assert pop.loc[("0861S1001", 2020), "population"] == 120 and pop.loc[("0861S1001", 2020), "level"] == "village"
    assert len(v) == 2018


# ---------------------------------------------------------------------------------------------- CLI + status


def test_cli_rejects_bad_county(data, capsys):
    assert etl_main(["fetch", "--source", "osm", "--county", "8"]) == 2
    assert etl_main(["fetch", "--source", "osm", "--county", "99"]) == 2
    assert "one of the 21 län codes" in capsys.readouterr().err


@responses.activate
def test_cli_exit_code_is_non_zero_when_anything_failed(data, monkeypatch, capsys):
    monkeypatch.setattr(fetch, "SystemClock", FakeClock)
    responses.add("GET", overpass.STATUS, body=STATUS_IDLE)
    responses.add("POST", overpass.INTERPRETER, status=400, body="Error: parse error")
    assert etl_main(["fetch", "--source", "osm", "--county", "08"]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "OverpassError" in err and not (data / "raw").exists()


def test_data_status_without_fetch(data):
    st = status_frame(FETCHERS)
    assert list(st.columns) == ["dataset", "source", "status", "retrieved", "raw_files", "units", "licence"]
    assert set(st["status"]) == {"seed", "modelled"} and st["raw_files"].sum() == 0
    assert isinstance(st, pd.DataFrame)


@responses.activate
def test_unreachable_source_skips_its_other_units(data):
    responses.add("POST", overpass.INTERPRETER, body=requests.ConnectionError("Name or service not known"))
    out = io.StringIO()
    run = run_fetch(["osm"], Options(), clock=FakeClock(), out=out)
    assert len(run.results) == 21 and not run.ok
    assert "connection failed" in run.results[0].message
    assert all(r.message.startswith("skipped: ") and "unreachable" in r.message for r in run.results[1:])
    # the status check and the query count as transport failures: 3 in a row give the source up, not 21 x 5
    assert posts(overpass.INTERPRETER) <= 3
    assert not (data / "raw").exists()
    lines = [ln for ln in out.getvalue().splitlines() if ln.startswith("  osm: ")]
    assert len(lines) == 1 and "FAILED (21 of 21 units)" in lines[0] and "unreachable" in lines[0]


def test_cli_limits_override_the_per_source_defaults(data, capsys):
    assert etl_main(["fetch", "--source", "osm", "--county", "08", "--timeout", "-1"]) == 2
    assert "--timeout must be >= 0" in capsys.readouterr().err
    osm = fetch.limits_for("osm")
    assert osm.deadline == overpass.QUERY_TIMEOUT + 60 and osm.max_bytes == 64_000_000 and osm.max_failures == 3
    got = fetch.limits_for("kolada", {"deadline": 5.0, "budget": None, "max_bytes": 1_000_000, "backoff": 0.1})
    assert (got.deadline, got.budget, got.max_bytes, got.backoff) == (5.0, 3600.0, 1_000_000, 0.1)
    session = fetch.make_session(scb_population.SPEC, got, FakeClock(), None)
    assert (session.deadline, session.max_bytes, session.backoff, session.transport_backoff) == (5.0, 1e6, 0.1, 0.1)
    assert session.name == "SCB"
