"""The fake API itself (tests/fakeapi): it replays the recorded bodies and each fault does what it says. Fast, loopback only."""

from __future__ import annotations

import http.client
import io
import json
import socket
import time
import tracemalloc
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from tests.fakeapi import FAULTS, FakeAPI
from tests.fakeapi import bodies as B
from tests.fakeapi.plugin import ENV_VARS, fakeapi, fakeapi_env, fakeapi_etl  # noqa: F401 (fixtures)

T = (2.0, 5.0)  # requests timeout of these tests: nothing here may wait longer


def get(url: str, **kw) -> requests.Response:
    kw.setdefault("timeout", T)
    return requests.get(url, **kw)


def post(url: str, **kw) -> requests.Response:
    kw.setdefault("timeout", T)
    return requests.post(url, **kw)


def raw_request(api: FakeAPI, method: str, path: str, body: bytes = b"") -> socket.socket:
    """Send one HTTP/1.1 request on a raw socket (to watch the bytes as they come)."""
    s = socket.create_connection(("127.0.0.1", api.port_of(path.split("/")[1])), timeout=5)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    s.sendall(head.encode() + body)
    return s


def read_head(s: socket.socket) -> tuple[bytes, bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(1)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head, rest


# ---------------------------------------------------------------------------------------------- address, bounds


def test_binds_loopback_only_and_every_url_is_loopback(fakeapi):  # noqa: F811
    assert {s.server_address[0] for s in fakeapi._servers.values()} == {"127.0.0.1"}
    assert len({fakeapi.port_of(s) for s in ("scb", "kolada", "overpass")}) == 3
    for url in fakeapi.urls.values():
        assert urlsplit(url).hostname == "127.0.0.1"
    assert set(fakeapi_env(fakeapi)) >= set(ENV_VARS.values())


def test_request_cap_answers_503_and_is_flagged():
    with FakeAPI(max_requests=3) as api:
        codes = [get(api.urls["overpass_status"]).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 503, 503] and api.capped
        assert "request cap 3" in get(api.urls["overpass_status"]).text
        assert api.count("overpass") == 6


def test_server_stops_itself_after_its_lifetime():
    api = FakeAPI(max_lifetime=0.3).start()
    url = api.urls["overpass_status"]
    assert get(url).status_code == 200
    assert api.closed.wait(3.0)
    with pytest.raises(requests.ConnectionError):
        get(url)


def test_unknown_fault_or_source_is_refused(fakeapi):  # noqa: F811
    with pytest.raises(ValueError, match="unknown fault"):
        fakeapi.fault("scb", "meteor")
    with pytest.raises(ValueError, match="unknown source"):
        fakeapi.fault("smhi", "hang")
    assert {"hang", "trickle", "truncated", "gzip_bomb", "oversize", "self_next", "endless_next"} <= set(FAULTS)


# ---------------------------------------------------------------------------------------------- normal answers


def test_scb_answers_are_the_recorded_bodies(fakeapi):  # noqa: F811
    v2 = fakeapi.urls["scb_v2"]
    assert get(f"{v2}/config").content == B.recorded(B.SCB_V2_CONFIG)
    assert get(f"{v2}/tables/TAB638/metadata", params={"lang": "sv"}).content == B.recorded(B.SCB_V2_TAB638_META)
    sel = B.recorded_selection_v2()
    body = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in sel.items()]}
    r = post(f"{v2}/tables/TAB638/data", json=body)
    assert r.content == B.recorded(B.SCB_V2_TAB638_DATA) and r.json()["value"] == [50937]
    # v2 /tables keeps its page.links, pointed at the fake
    page = get(f"{v2}/tables", params={"lang": "sv"}).json()["page"]
    assert page["totalPages"] == 213 and [link["rel"] for link in page["links"]] == ["next", "last"]
    assert page["links"][0]["href"].startswith(v2 + "/tables/?")
    # an unknown table: RFC 7807 404
    r = get(f"{v2}/tables/TAB0000/metadata")
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["status"] == 404 and "TAB0000" in r.json()["detail"]
    # v1: the recorded ?config and metadata
    v1 = fakeapi.urls["scb_v1"]
    assert get(f"{v1}/sv/ssd/BE/BE0101/BE0101A/BefolkningNy?config").json()["maxCells"] == 150000
    assert get(f"{v1}/sv/ssd/BE/BE0101/BE0101A/BefolkningNy").content == B.recorded(B.SCB_V1_BEFOLKNINGNY)


def test_scb_data_for_other_selections_is_computed_in_the_recorded_shape(fakeapi):  # noqa: F811
    sel = {"Region": ["00", "0861"], "ContentsCode": ["BE0101N1"], "Alder": ["tot"], "Tid": ["2023", "2024"]}
    body = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in sel.items()]}
    d = post(f"{fakeapi.urls['scb_v2']}/tables/TAB638/data", json=body).json()
    rec = json.loads(B.recorded(B.SCB_V2_TAB638_DATA))
    assert d["id"] == ["Region", "Alder", "ContentsCode", "Tid"] and d["size"] == [2, 1, 1, 2]
    assert set(d) <= set(rec) | {"role"} and len(d["value"]) == 4


def test_kolada_pages_wrap_the_real_records_in_a_next_url_envelope():
    with FakeAPI(kolada_per_page=2) as api:
        url = f"{api.urls['kolada']}/data/kpi/N07900/year/2023"
        rows, pages = [], 0
        r = get(url, params={"per_page": 5000}).json()
        while True:
            pages += 1
            rows += r["values"]
            if not r.get("next_url"):
                break
            assert urlsplit(r["next_url"]).hostname == "127.0.0.1"
            r = get(r["next_url"]).json()
        assert pages == 3 and rows == B.kolada_records()  # verbatim: N21704, isdeleted, unordered genders
        assert {v["gender"] for v in rows[1]["values"]} == {"T", "K", "M"} and rows[1]["values"][0]["gender"] == "K"
        assert all(isinstance(x["period"], int) and x["values"][0]["isdeleted"] is False for x in rows)
        assert api.count("kolada", "/v3/data/kpi/N07900/*") == 3
        kpi = get(f"{api.urls['kolada']}/kpi/N07530,N07900").json()
        assert [k["id"] for k in kpi["values"]] == ["N07530", "N07900"] and kpi["count"] == 2


def test_kolada_relabel_is_opt_in():
    with FakeAPI(kolada_relabel=True) as api:
        rows = get(f"{api.urls['kolada']}/data/kpi/N07900/year/2023").json()["values"]
        assert {r["kpi"] for r in rows} == {"N07900"}


def test_overpass_answers_are_the_recorded_bodies(fakeapi):  # noqa: F811
    r = post(fakeapi.urls["overpass"], data={"data": "[out:json];way(24981342);out center;"})
    assert r.content == B.recorded(B.OVERPASS_OK) and r.json()["elements"][0]["center"]["lat"] == 53.5412491
    status = get(fakeapi.urls["overpass_status"]).text
    assert status.startswith("Connected as:") and "2 slots available now." in status


def test_wfs_and_tatort_tables_are_served_from_handmade_files(fakeapi):  # noqa: F811
    r = get(fakeapi.urls["scb_wfs"], params={"typeNames": "stat:Smaorter_2023"})
    assert r.json()["features"][0]["properties"]["smaortskod"] == "0861S1001"
    v1 = fakeapi.urls["scb_v1"]
    meta = get(f"{v1}/sv/ssd/MI/MI0810/MI0810A/LandarealTatortN").json()
    assert [v["code"] for v in meta["variables"]] == ["Tatort", "ContentsCode", "Tid"]


# ---------------------------------------------------------------------------------------------- faults: status


def test_faults_are_per_source_and_path_and_counted(fakeapi):  # noqa: F811
    fakeapi.fault("kolada", "hang", max_s=5)
    fakeapi.fault("scb", "status", path="/api/v2/tables/*/data", status=500)
    assert get(f"{fakeapi.urls['scb_v2']}/config").status_code == 200  # SCB fine
    assert post(f"{fakeapi.urls['scb_v2']}/tables/TAB638/data", json={}).status_code == 500
    with pytest.raises(requests.ReadTimeout):
        get(f"{fakeapi.urls['kolada']}/kpi/N07900", timeout=(1, 0.3))
    assert get(fakeapi.urls["overpass_status"]).status_code == 200
    assert fakeapi.count("kolada") == 1 and fakeapi.count("scb", "/api/v2/*", "POST") == 1
    assert fakeapi.paths("scb") == {"GET /scb/api/v2/config": 1, "POST /scb/api/v2/tables/TAB638/data": 1}
    assert [r.fault for r in fakeapi.requests] == ["", "status", "hang", ""]


@pytest.mark.parametrize("retry_after", [None, "7"])
def test_429_with_and_without_retry_after(fakeapi, retry_after):  # noqa: F811
    fakeapi.fault("overpass", "rate_limit", retry_after=retry_after)
    fakeapi.fault("scb", "rate_limit", retry_after=retry_after)
    r = post(fakeapi.urls["overpass"], data={"data": "x"})
    assert r.status_code == 429 and r.headers.get("Retry-After") == retry_after
    assert r.headers["Content-Type"].startswith("text/html") and "rate_limited. Please check /api/status" in r.text
    assert r.content == B.pasted(B.OVERPASS_429)
    s = get(f"{fakeapi.urls['scb_v2']}/config")
    assert s.status_code == 429 and s.headers.get("Retry-After") == retry_after
    assert (
        s.json()
        == yaml.safe_load(B.recorded(B.PXAPI_SPEC))["components"]["responses"]["ErrorResponse429"]["content"][
            "application/problem+json"
        ]["example"]
    )


def test_5xx_then_ok_and_permanent_5xx(fakeapi):  # noqa: F811
    rule = fakeapi.fault("overpass", "status", path="/api/interpreter", status=504, times=2)
    codes = [post(fakeapi.urls["overpass"], data={"data": "x"}) for _ in range(3)]
    assert [r.status_code for r in codes] == [504, 504, 200] and rule.used == 2
    assert "The server is probably too busy" in codes[0].text  # Overpass's real busy page
    fakeapi.fault("kolada", "status", status=503)
    assert {get(f"{fakeapi.urls['kolada']}/municipality").status_code for _ in range(4)} == {503}


def test_problem_json_403_has_the_spec_shape(fakeapi):  # noqa: F811
    fakeapi.fault("scb", "problem", path="/api/v2/tables/*/data", status=403)
    r = post(f"{fakeapi.urls['scb_v2']}/tables/TAB638/data", json={})
    spec = yaml.safe_load(B.recorded(B.PXAPI_SPEC))["components"]["responses"]["ErrorResponse403"]
    assert r.status_code == 403 and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json() == spec["content"]["application/problem+json"]["example"]
    assert set(r.json()) == {"title", "status", "detail"}


# ---------------------------------------------------------------------------------------------- faults: transport


def test_refused_only_that_source_and_clear_heals_it(fakeapi):  # noqa: F811
    url = f"{fakeapi.urls['kolada']}/municipality"  # taken before the fault: the URL does not change
    keep = requests.Session()
    assert keep.get(url, timeout=T).status_code == 200  # a kept-alive connection …
    fakeapi.fault("kolada", "refused")
    with pytest.raises(requests.ConnectionError):  # … is cut
        keep.get(url, timeout=T)
    with pytest.raises(requests.ConnectionError, match="[Rr]efused"):
        get(url)
    assert get(fakeapi.urls["overpass_status"]).status_code == 200
    assert fakeapi.count("kolada") == 1
    fakeapi.clear()
    assert get(url).status_code == 200 and fakeapi.count("kolada") == 2


def test_hang_never_answers_and_stop_releases_it():
    api = FakeAPI().start()
    api.fault("overpass", "hang", max_s=60)
    s = raw_request(api, "GET", "/overpass/api/status")
    s.settimeout(0.5)
    with pytest.raises(TimeoutError):
        s.recv(1)
    t0 = time.monotonic()
    api.stop()
    s.settimeout(3)
    assert s.recv(1) == b""  # connection closed at once, without a byte
    assert time.monotonic() - t0 < 2.0
    s.close()


def test_hang_is_bounded_by_max_s(fakeapi):  # noqa: F811
    fakeapi.fault("overpass", "hang", max_s=0.3)
    with pytest.raises(requests.ConnectionError):  # closed without an answer after 0.3 s
        get(fakeapi.urls["overpass_status"], timeout=(1, 3))


def test_close_drops_the_connection(fakeapi):  # noqa: F811
    fakeapi.fault("scb", "close")
    with pytest.raises(requests.ConnectionError):
        get(f"{fakeapi.urls['scb_v2']}/config")


def test_trickle_sends_one_byte_per_interval(fakeapi):  # noqa: F811
    fakeapi.fault("overpass", "trickle", interval=0.1, max_s=5)
    s = raw_request(fakeapi, "GET", "/overpass/api/status")
    head, rest = read_head(s)
    length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
    assert length == len(B.pasted(B.OVERPASS_STATUS_IDLE)) and rest == b""
    stamps, got = [], b""
    for _ in range(5):
        got += s.recv(10)  # at most one byte is ever available
        stamps.append(time.monotonic())
    s.close()
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert got == B.pasted(B.OVERPASS_STATUS_IDLE)[:5]
    assert all(0.07 < g < 0.5 for g in gaps), gaps


def test_trickle_defeats_a_per_read_timeout(fakeapi):  # noqa: F811
    """requests' read timeout is per socket read: a byte every 0.05 s never trips a 0.5 s read timeout (issue 17.1)."""
    fakeapi.fault("kolada", "trickle", interval=0.05, max_s=30)
    t0 = time.monotonic()
    r = get(f"{fakeapi.urls['kolada']}/nowhere", timeout=(1, 0.5))  # a 24-byte 404 body
    elapsed = time.monotonic() - t0
    assert r.status_code == 404 and r.content == b'{"detail": "Not found."}' and elapsed > 1.0  # > 2x the "timeout"


def test_truncated_sends_less_than_its_content_length(fakeapi):  # noqa: F811
    fakeapi.fault("kolada", "truncated", fraction=0.5)
    conn = http.client.HTTPConnection("127.0.0.1", fakeapi.port_of("kolada"), timeout=5)
    conn.request("GET", "/kolada/v3/data/kpi/N07900/year/2023")
    resp = conn.getresponse()
    declared = int(resp.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as err:
        resp.read()
    assert len(err.value.partial) == declared // 2 and declared == len(B.kolada_page(B.kolada_records(), None))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):  # what the ETL's session sees
        get(f"{fakeapi.urls['kolada']}/data/kpi/N07900/year/2023")


# ---------------------------------------------------------------------------------------------- faults: bodies


def test_schema_drift_per_source(fakeapi):  # noqa: F811
    fakeapi.fault("kolada", "drift")
    fakeapi.fault("overpass", "drift", variant="no_center")
    fakeapi.fault("scb", "drift", path="/api/v2/tables/*/data")
    row = get(f"{fakeapi.urls['kolada']}/data/kpi/N07900/year/2023").json()["values"][0]
    assert {"municipality_id", "year"} <= set(row) and not {"municipality", "period"} & set(row)
    el = post(fakeapi.urls["overpass"], data={"data": "x"}).json()["elements"][0]
    assert "center" not in el and "lat" not in el and el["id"] == 24981342
    sel = {"Region": ["00"], "Kon": ["1", "2"], "ContentsCode": ["BE0101N1"], "Tid": ["2024"]}
    body = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in sel.items()]}
    d = post(f"{fakeapi.urls['scb_v2']}/tables/TAB638/data", json=body).json()
    assert "Kon" not in d["id"] and "Kon" not in d["dimension"] and len(d["value"]) == 1


def test_html_200(fakeapi):  # noqa: F811
    fakeapi.fault("overpass", "html")
    fakeapi.fault("kolada", "html")
    r = post(fakeapi.urls["overpass"], data={"data": "x"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "<title>OSM3S Response</title>" in r.text and r.content == B.pasted(B.OVERPASS_504)
    k = get(f"{fakeapi.urls['kolada']}/kpi/N07900")
    assert k.status_code == 200 and k.text.startswith("<!DOCTYPE html>")


def test_overpass_remark_is_the_real_body(fakeapi):  # noqa: F811
    fakeapi.fault("overpass", "remark", path="/api/interpreter")
    r = post(fakeapi.urls["overpass"], data={"data": "x"})
    assert r.status_code == 200 and r.content == B.pasted(B.OVERPASS_REMARK)
    d = r.json()
    assert d["elements"] == [] and d["remark"].startswith("runtime error: Way 547230203 cannot be expanded")
    assert d["generator"] == "Overpass API 0.7.56.3 eb200aeb"


def test_self_looping_next_url(fakeapi):  # noqa: F811
    fakeapi.fault("kolada", "self_next", path="/v3/data/*")
    url = f"{fakeapi.urls['kolada']}/data/kpi/N07900/year/2023?per_page=5000"
    page = get(url).json()
    assert page["next_url"] == url and page["values"] == B.kolada_records()
    assert get(page["next_url"]).json()["next_url"] == url


def test_endless_next_url_chain(fakeapi):  # noqa: F811
    fakeapi.fault("kolada", "endless_next", path="/v3/data/*")
    url = f"{fakeapi.urls['kolada']}/data/kpi/N07900/year/2023?per_page=5000"
    for n in range(2, 42):
        page = get(url).json()
        assert page["values"] == B.kolada_records()
        url = page["next_url"]
        assert f"page={n}&" in url
    assert fakeapi.count("kolada", "/v3/data/*") == 40


def test_oversize_body_is_streamed_valid_json(fakeapi):  # noqa: F811
    fakeapi.fault("overpass", "oversize", size=3_000_000)
    r = post(fakeapi.urls["overpass"], data={"data": "x"}, stream=True)
    declared = int(r.headers["Content-Length"])
    got = b"".join(r.iter_content(1 << 16))
    assert len(got) == declared and 2_900_000 < declared <= 3_000_000
    assert json.loads(got)["elements"][0]["id"] == 24981342


def test_oversize_generator_never_holds_the_body():
    tracemalloc.start()
    total = biggest = 0
    for chunk in B.oversize_stream("kolada", 224_000_000):
        total += len(chunk)
        biggest = max(biggest, len(chunk))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert total == B.oversize_length("kolada", 224_000_000)[1] and 223_000_000 < total <= 224_000_000
    assert biggest <= 1 << 17 and peak < 2_000_000, (biggest, peak)


def test_gzip_bomb_header_and_size(fakeapi):  # noqa: F811
    unpacked = 64 << 20  # the default is 1 GiB; 64 MiB keeps this test fast
    fakeapi.fault("kolada", "gzip_bomb", unpacked=unpacked)
    r = get(f"{fakeapi.urls['kolada']}/data/kpi/N07900/year/2023", stream=True)
    assert r.headers["Content-Encoding"] == "gzip" and r.headers["Content-Type"].startswith("application/json")
    packed = r.raw.read(decode_content=False)
    assert len(packed) == int(r.headers["Content-Length"]) < unpacked / 500
    d, n, buf, head = zlib.decompressobj(31), 0, packed, b""
    while buf:  # count, never hold, the unpacked bytes
        out = d.decompress(buf, 1 << 20)
        head = head or out[:12]
        n += len(out)
        buf = d.unconsumed_tail
    assert n == unpacked and head == b'{"values": ['
    assert FAULTS["gzip_bomb"].endswith("(default 1 GiB)")


# ---------------------------------------------------------------------------------------------- with the ETL


def test_fixture_points_todays_etl_at_the_fake(fakeapi_etl, tmp_path, monkeypatch):  # noqa: F811
    """A whole Kolada fetch against the fake (in-process, patched endpoints): one KPI, every page recorded."""
    from etl.fetch import Options, run_fetch
    from etl.sources import kolada
    from tests._fetch_support import FakeClock

    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(tmp_path))
    assert kolada.Kolada().base == fakeapi_etl.urls["kolada"]
    with pytest.raises(requests.ConnectionError, match="blocked"):  # nothing beyond 127.0.0.1 resolves
        requests.get("https://api.kolada.se/v3/kpi/N07900", timeout=T)
    run = run_fetch(["kolada"], Options(since=2020), clock=FakeClock(), out=io.StringIO())
    assert run.ok, [r.message for r in run.results]
    assert fakeapi_etl.count("kolada", "/v3/kpi/*") == 6 and fakeapi_etl.count("kolada", "/v3/data/*") == 6
    assert fakeapi_etl.count("scb") == fakeapi_etl.count("overpass") == 0


def test_standalone_command_serves_until_its_lifetime():
    import subprocess
    import sys

    from tests.fakeapi.__main__ import parse_fault

    assert parse_fault("scb=problem:status=403,path=/api/v2/tables/*/data") == (
        "scb",
        "problem",
        {"status": 403, "path": "/api/v2/tables/*/data"},
    )
    cmd = [sys.executable, "-m", "tests.fakeapi", "--lifetime", "20", "--fault", "overpass=status:status=504,times=1"]
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(cmd, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        urls = json.loads(proc.stdout.readline())["urls"]
        codes = [get(urls["overpass_status"]).status_code for _ in range(2)]
        assert codes == [504, 200]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and '"GET /overpass/api/status": 2' in err


def test_etl_shim_runs_todays_fetch_in_a_subprocess_against_the_fake(fakeapi, tmp_path):  # noqa: F811
    import os
    import subprocess
    import sys

    from tests.fakeapi.plugin import shim_env

    fakeapi.fault("overpass", "status", path="/api/interpreter", status=400)  # not retried: fails at once
    env = {**os.environ, **shim_env(fakeapi), "SERVICEKARTAN_DATA_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "tests.fakeapi.etl_shim", "fetch", "--source", "osm", "--county", "08"]
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Overpass rejected the query (HTTP 400)" in done.stderr
    assert fakeapi.count("overpass", "/api/interpreter") == 1 and not (tmp_path / "raw").exists()


def test_every_issue_case_applies_to_the_fake():
    from tests.fakeapi.cases import CASES, by_name

    assert len({c.name for c in CASES}) == len(CASES) >= 19
    with FakeAPI() as api:
        for case in CASES:
            case.apply(api)
            assert case.source in ("scb", "kolada", "osm") and len(api.faults) == len(case.rules)
            api.clear()
        assert get(api.urls["overpass_status"]).status_code == 200
    assert by_name("gzip bomb").rules[0][1] == "gzip_bomb"
