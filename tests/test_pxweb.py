"""SCB PxWeb client: recorded real responses -> known values; split + paced queries; problem+json -> clear errors.

The recorded responses in ../shared/fixtures are served with `responses` at the URLs they were recorded
from, read byte for byte and never edited. Their URLs follow the recorder's layout (rOpenGov/pxweb,
httptest): `pxweb_r/v1/<path>` is `https://api.scb.se/OV0104/v1/doris/<path>`, `pxweb_r/v2/<path>` is
`https://statistikdatabasen.scb.se/api/v2/<path>`; `-<hash>` stands for the query string (`-249173` =
`?config`) and `-<hash>-POST` for a POST body.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import responses
from responses import matchers

from etl.sources import pxweb
from etl.sources.http import Session
from etl.sources.pxweb import (
    PxWeb,
    TableRef,
    expand_selection,
    jsonstat2_to_frame,
    jsonstat_to_frame,
    meta_from_jsonstat2,
    meta_from_v1,
    split_selection,
    v1_json_to_frame,
)
from tests._fetch_support import PXWEB_R, V1_TABLE_EN, V1_TABLE_SV, V2, FakeClock, add_json, body_json, fixture_bytes

V1_DIR = "pxweb_r/v1/sv/ssd/BE/BE0101/BE0101A/"
TAB638_META = "pxweb_r/v2/tables/TAB638/metadata-f01ece.json"
TAB638_DATA = "pxweb_r/v2/tables/TAB638/data-35e0e2-5aec69-POST.json"
# The query recorded as BefolkningNy-b51455-POST (from the recorder's HTTP log, base64-decoded).
QUERY_B51455 = {
    "query": [
        {"code": "ContentsCode", "selection": {"filter": "item", "values": ["BE0101N1", "BE0101N2"]}},
        {"code": "Tid", "selection": {"filter": "item", "values": ["2010", "2011", "2012"]}},
    ],
    "response": {"format": "json"},
}
EQUIVALENT = {"Region": "00", "Civilstand": "OG", "Alder": "0", "Kon": "1", "ContentsCode": "BE0101N1", "Tid": "2024"}


def load(rel: str) -> dict:
    return json.loads(fixture_bytes(rel))


def client(clock: FakeClock | None = None, **kw) -> PxWeb:
    return PxWeb(Session(clock=clock or FakeClock(), retries=2), **kw)


# ---------------------------------------------------------------------------------------------- parsers


def test_v1_json_riket_population_2010_2012():
    df = v1_json_to_frame(load(V1_DIR + "BefolkningNy-b51455-POST.json"))
    assert list(df.columns) == ["Tid", "ContentsCode", "value"]
    assert df["value"].dtype == float
    wide = df.pivot(index="Tid", columns="ContentsCode", values="value")
    assert wide["BE0101N1"].tolist() == [9415570, 9482855, 9555893]
    assert wide["BE0101N2"].tolist() == [74888, 67285, 73038]
    assert df.attrs["labels"]["ContentsCode"] == {"BE0101N1": "Folkmängd", "BE0101N2": "Folkökning"}
    assert df.attrs["updated"] == "2025-02-21T07:00:00Z"
    assert any("Folkökningen definieras" in n for n in df.attrs["notes"])


def test_v1_json_marital_status_by_year():
    df = v1_json_to_frame(load(V1_DIR + "BefolkningNy-21059a-POST.json"))
    assert len(df) == 12 and set(df["Civilstand"]) == {"OG", "G", "SK", "ÄNKL"}
    assert df.set_index(["Civilstand", "Tid"]).loc[("OG", "2015"), "value"] == 5157443


def test_json_stat_v1_men_2017():
    df = jsonstat_to_frame(load(V1_DIR + "BefolkningNy-28a10f-POST.json"))
    assert df.loc[(df["Kon"] == "1") & (df["Tid"] == "2017"), "value"].item() == 5082662
    assert df.attrs["labels"]["Kon"] == {"1": "män"}
    assert df.attrs["units"]["BE0101N1"]["base"] == "antal personer"


def test_jsonstat2_tab638_one_cell_with_labels_and_mandatory_notes():
    df = jsonstat2_to_frame(load(TAB638_DATA))
    assert list(df.columns) == ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid", "value"]
    assert df.iloc[0].to_dict() == {**EQUIVALENT, "value": 50937.0}
    assert df.attrs["labels"]["Region"] == {"00": "Riket"}
    assert df.attrs["dimension_labels"]["Alder"] == "ålder"
    assert len(df.attrs["mandatory_notes"]) == 3 and "Heby" in df.attrs["mandatory_notes"][0]
    assert df.attrs["table"] == "TAB638"


def test_v1_json_and_v2_jsonstat2_answer_the_same_query_alike():
    v1 = v1_json_to_frame(load(V1_DIR + "BefolkningNy-3e8562-POST.json"))
    v2 = jsonstat2_to_frame(load(TAB638_DATA))
    assert v1["value"].item() == v2["value"].item() == 50937


def test_missing_symbols_become_nan_never_zero():
    payload = {
        "columns": [{"code": "Tid", "type": "t"}, {"code": "X", "type": "c"}],
        "data": [
            {"key": ["2019"], "values": [".."]},
            {"key": ["2020"], "values": ["-"]},
            {"key": ["2021"], "values": ["12"]},
        ],
    }
    df = v1_json_to_frame(payload)
    assert math.isnan(df["value"][0]) and math.isnan(df["value"][1]) and df["value"][2] == 12
    js = {"id": ["Tid"], "size": [3], "dimension": {"Tid": {"category": {"index": ["a", "b", "c"]}}}, "value": {"1": 5}}
    v = jsonstat2_to_frame(js)["value"].tolist()
    assert math.isnan(v[0]) and v[1] == 5 and math.isnan(v[2])


def test_metadata_parsers_v2_v1_and_reference_server():
    m2 = meta_from_jsonstat2(load(TAB638_META), "TAB638")
    m1 = meta_from_v1(load(V1_DIR + "BefolkningNy.json"), "BE/BE0101/BE0101A/BefolkningNy")
    for m in (m1, m2):
        assert m.codes == ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid"]
        assert len(m.dim("Region").values) == 312 and m.dim("Region").elimination
        assert m.dim("Tid").time and m.dim("Alder").total_code() == "tot"
        assert not m.dim("ContentsCode").elimination
    assert m2.content_code(r"^folkmängd(?!s)") == "BE0101N1"
    assert m2.dim("Region").value_labels["0861"].endswith("Mönsterås")
    tab004 = meta_from_jsonstat2(
        json.loads((PXWEB_R.parent / "pxtools_pxwebapi/MetadataById_tab004_js2.json").read_bytes()), "TAB004"
    )
    assert [len(d.values) for d in tab004.dims] == [14, 11, 1, 28]


def test_configs_v2_and_v1():
    c2 = pxweb.config_from_v2(load("pxweb_r/v2/config.json"))
    assert (c2.max_cells, c2.max_calls, c2.window) == (150000, 30, 10)
    c1 = pxweb.config_from_v1(load("pxweb_r/v1/en/ssd/BE/BE0101/BE0101A/BefolkningNy-249173.json"))
    assert (c1.max_cells, c1.max_calls, c1.window) == (110000, 30, 10)  # the stricter of maxValues/maxCells


# ---------------------------------------------------------------------------------------------- selections


def test_selection_expressions_and_explicit_dimensions():
    m = meta_from_jsonstat2(load(TAB638_META), "TAB638")
    sel = expand_selection(
        m, {"Region": ["08", "0861"], "ContentsCode": "*", "Tid": "top(3)"}, eliminate=["Civilstand", "Alder", "Kon"]
    )
    assert sel == {"Region": ["08", "0861"], "ContentsCode": ["BE0101N1", "BE0101N2"], "Tid": ["2022", "2023", "2024"]}
    assert expand_selection(m, {**EQUIVALENT, "Tid": "from(2020)"})["Tid"] == ["2020", "2021", "2022", "2023", "2024"]
    with pytest.raises(pxweb.SelectionError, match="default selection would silently drop"):
        expand_selection(m, {"Region": "00", "ContentsCode": "BE0101N1", "Tid": "2024"})
    with pytest.raises(pxweb.SelectionError, match="cannot be eliminated"):
        expand_selection(
            m, {"Region": "00", "Civilstand": "OG", "Alder": "0", "Kon": "1", "Tid": "2024"}, ["ContentsCode"]
        )
    with pytest.raises(pxweb.SelectionError, match="not a value of Tid"):
        expand_selection(m, {**EQUIVALENT, "Tid": "1899"})


def test_split_selection_keeps_every_cell_once():
    sel = {
        "Region": [str(i) for i in range(30)],
        "ContentsCode": ["a", "b"],
        "Tid": [str(y) for y in range(2000, 2010)],
    }
    parts = split_selection(sel, 200)
    assert all(pxweb.count_cells(p) <= 200 for p in parts) and len(parts) >= 3
    cells = {(r, c, t) for p in parts for r in p["Region"] for c in p["ContentsCode"] for t in p["Tid"]}
    assert len(cells) == 600 == sum(pxweb.count_cells(p) for p in parts)


# ---------------------------------------------------------------------------------------------- recorded HTTP


def serve_v1_table(rsps: responses.RequestsMock) -> None:
    """The recorded v1 answers at their URLs; POST bodies are told apart by their query."""
    add_json(
        rsps, "GET", V1_TABLE_SV, fixture_bytes(V1_DIR + "BefolkningNy.json"), match=[matchers.query_param_matcher({})]
    )
    add_json(
        rsps,
        "GET",
        V1_TABLE_EN + "?config",
        fixture_bytes("pxweb_r/v1/en/ssd/BE/BE0101/BE0101A/BefolkningNy-249173.json"),
    )
    rsps.add("GET", V1_TABLE_SV + "?config", status=404, body="<html>Not found</html>", content_type="text/html")

    def post(request):
        body = body_json(request)
        fmt = body["response"]["format"]
        q = {x["code"]: x["selection"]["values"] for x in body["query"]}
        if body == QUERY_B51455:
            name = "BefolkningNy-b51455-POST.json"
        elif fmt == "json-stat" and q.get("Tid") == ["2017"] and q.get("Kon") == ["1"]:
            name = "BefolkningNy-28a10f-POST.json"
        elif fmt == "json" and q == {k: [v] for k, v in EQUIVALENT.items()}:
            name = "BefolkningNy-3e8562-POST.json"
        else:
            return (400, {"Content-Type": "text/plain"}, "unexpected query " + json.dumps(body))
        return (200, {"Content-Type": "application/json"}, fixture_bytes(V1_DIR + name))

    rsps.add_callback("POST", V1_TABLE_SV, callback=post)


def serve_v2_tab638(rsps: responses.RequestsMock, config: bytes | None = None) -> None:
    add_json(rsps, "GET", f"{V2}/config", config or fixture_bytes("pxweb_r/v2/config.json"))
    add_json(rsps, "GET", f"{V2}/tables/TAB638/metadata", fixture_bytes(TAB638_META))

    def post(request):
        sel = {s["variableCode"]: s["valueCodes"] for s in body_json(request)["selection"]}
        if sel != {k: [v] for k, v in EQUIVALENT.items()}:
            return (
                400,
                {"Content-Type": "application/problem+json"},
                json.dumps({"title": "Bad Request", "status": 400}),
            )
        return (200, {"Content-Type": "application/json"}, fixture_bytes(TAB638_DATA))

    rsps.add_callback("POST", f"{V2}/tables/TAB638/data", callback=post)


@responses.activate
def test_v1_recorded_post_answers_known_values():
    serve_v1_table(responses.mock)
    px = client()
    f = px.query_v1("BE/BE0101/BE0101A/BefolkningNy", QUERY_B51455)
    assert f.content == fixture_bytes(V1_DIR + "BefolkningNy-b51455-POST.json")  # byte for byte
    wide = v1_json_to_frame(f.payload).pivot(index="Tid", columns="ContentsCode", values="value")
    assert wide.loc["2011", "BE0101N1"] == 9482855 and wide.loc["2012", "BE0101N2"] == 73038
    js = px.query_v1(
        "BE/BE0101/BE0101A/BefolkningNy",
        {"query": [{"code": "Kon", "selection": {"filter": "item", "values": ["1"]}},
                   {"code": "ContentsCode", "selection": {"filter": "item", "values": ["BE0101N1"]}},
                   {"code": "Tid", "selection": {"filter": "item", "values": ["2017"]}}],
         "response": {"format": "json-stat"}},
    )  # fmt: skip
    assert jsonstat_to_frame(js.payload)["value"].item() == 5082662


@responses.activate
def test_v1_config_listing_and_table_search():
    serve_v1_table(responses.mock)
    add_json(responses.mock, "GET", "https://api.scb.se/OV0104/v1/doris/en/ssd/BE/BE0101/BE0101A",
             fixture_bytes("pxweb_r/v1/en/ssd/BE/BE0101/BE0101A.json"))  # fmt: skip
    px_en = client(lang="en")
    cfg, _ = px_en.config_v1("BE/BE0101/BE0101A/BefolkningNy")
    assert cfg.max_cells == 110000 and px_en.session.limiter.calls == 30
    found = px_en.find_tables_v1("BE/BE0101/BE0101A", r"marital status, age and sex\.\s+Year 1968")
    assert found == [
        ("BE/BE0101/BE0101A/BefolkningNy", "Population by region, marital status, age and sex.  Year 1968 - 2024")
    ]


@responses.activate
def test_v2_recorded_metadata_and_data():
    serve_v2_tab638(responses.mock)
    table = client().open(TableRef(v2_id="TAB638", v1_path="BE/BE0101/BE0101A/BefolkningNy"))
    assert table.api == "v2" and table.config.max_cells == 150000
    assert [f.url.split("?")[0] for f in table.fetched] == [f"{V2}/config", f"{V2}/tables/TAB638/metadata"]
    df = table.fetch(EQUIVALENT)
    assert df["value"].item() == 50937 and df.attrs["labels"]["Region"]["00"] == "Riket"
    call = responses.calls[-1].request
    assert call.params == {"lang": "sv", "outputFormat": "json-stat2"}


@responses.activate
def test_v2_failure_falls_back_to_v1():
    responses.add("GET", f"{V2}/config", status=503)
    serve_v1_table(responses.mock)
    px = client(v1_format="json")
    table = px.open(TableRef(v2_id="TAB638", v1_path="BE/BE0101/BE0101A/BefolkningNy"))
    assert table.api == "v1" and table.config.max_cells == 150000  # ?config 404 -> documented limits
    assert any("falling back to v1" in e for e in px.events)
    assert table.fetch(EQUIVALENT)["value"].item() == 50937


# ---------------------------------------------------------------------------------------------- splitting


def computing_server(rsps, meta: dict, max_cells: int, calls: list[dict]) -> None:
    """A v2 data endpoint that computes every cell from its codes, and refuses queries over max_cells with 403."""
    ids = meta["id"]

    def cell(codes: tuple[str, ...]) -> float:
        return float(sum((i + 1) * (len(c) * 31 + sum(map(ord, c))) for i, c in enumerate(codes)))

    def post(request):
        sel = {s["variableCode"]: s["valueCodes"] for s in body_json(request)["selection"]}
        calls.append(sel)
        dims = [d for d in ids if d in sel]
        n = int(np.prod([len(sel[d]) for d in dims]))
        if n > max_cells:
            problem = {
                "title": "Forbidden",
                "status": 403,
                "detail": "The query resulted in cell that exceeds the number of allowed.",
            }
            return (403, {"Content-Type": "application/problem+json"}, json.dumps(problem))
        grid = pd.MultiIndex.from_product([sel[d] for d in dims])
        body = {
            "version": "2.0", "class": "dataset", "id": dims, "size": [len(sel[d]) for d in dims],
            "role": meta["role"], "label": meta["label"],
            "dimension": {d: {"label": meta["dimension"][d]["label"],
                              "category": {"index": {c: i for i, c in enumerate(sel[d])},
                                           "label": {c: meta["dimension"][d]["category"]["label"][c] for c in sel[d]}}}
                          for d in dims},
            "value": [cell(k) for k in grid],
        }  # fmt: skip
        return (200, {"Content-Type": "application/json"}, json.dumps(body))

    rsps.add_callback("POST", f"{V2}/tables/TAB638/data", callback=post)


@responses.activate
def test_query_three_times_over_the_cell_limit_is_split_paced_and_merged():
    meta = load(TAB638_META)
    selection = {"Region": "*", "ContentsCode": "*", "Tid": "*"}  # 312 x 2 x 57 = 35,568 cells
    eliminate = ["Civilstand", "Alder", "Kon"]
    limit = 35568 // 3 - 1
    cfg = {**load("pxweb_r/v2/config.json"), "maxDataCells": limit, "maxCallsPerTimeWindow": 2, "timeWindow": 10}
    add_json(responses.mock, "GET", f"{V2}/config", json.dumps(cfg).encode())
    add_json(responses.mock, "GET", f"{V2}/tables/TAB638/metadata", fixture_bytes(TAB638_META))
    calls: list[dict] = []
    computing_server(responses.mock, meta, limit, calls)

    clock = FakeClock()
    px = client(clock)
    table = px.open(TableRef(v2_id="TAB638"))
    plan = table.plan(selection, eliminate)
    assert len(plan) >= 4 and all(q.cells <= limit for q in plan)
    merged = table.fetch(selection, eliminate)

    # the unsplit answer, from the same server with no limit
    big = PxWeb(Session(clock=FakeClock()))
    big_calls: list[dict] = []
    with responses.RequestsMock() as r2:
        add_json(r2, "GET", f"{V2}/config", fixture_bytes("pxweb_r/v2/config.json"))
        add_json(r2, "GET", f"{V2}/tables/TAB638/metadata", fixture_bytes(TAB638_META))
        computing_server(r2, meta, 10**9, big_calls)
        whole = big.open(TableRef(v2_id="TAB638")).fetch(selection, eliminate)
    assert len(big_calls) == 1 and len(calls) == len(plan)
    assert len(merged) == 35568
    pd.testing.assert_frame_equal(merged, whole, check_like=False)
    # paced: never more than 2 calls in any 10 s window, so the fake clock had to wait
    times = px.session.call_times
    assert all(sum(1 for u in times if t <= u < t + 10) <= 2 for t in times)
    assert clock.monotonic() >= 10 * (len(times) // 2 - 1)


# ---------------------------------------------------------------------------------------------- problem+json


def problem(status: int, title: str, detail: str) -> dict:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail}


@pytest.mark.parametrize(
    ("status", "cls", "words"),
    [
        (400, pxweb.BadQueryError, ["HTTP 400", "value codes", "What to change"]),
        (403, pxweb.TooManyCellsError, ["too large", "1 cells", "150,000", "narrow the selection"]),
        (404, pxweb.TableNotFoundError, ["not found", "search", "table id"]),
        (429, pxweb.RateLimitedError, ["rate-limited", "wait 3 s", "rerun"]),
    ],
)
@responses.activate
def test_problem_json_errors_say_what_to_change(status, cls, words):
    serve_v2_tab638(responses.mock)
    responses.replace(
        "POST", f"{V2}/tables/TAB638/data", status=status, json=problem(status, "x", "detail from server"),
        content_type="application/problem+json", headers={"Retry-After": "3"} if status == 429 else None,
    )  # fmt: skip
    table = client().open(TableRef(v2_id="TAB638"))
    with pytest.raises(cls) as exc:
        table.fetch(EQUIVALENT)
    msg = str(exc.value)
    assert "detail from server" in msg
    for w in words:
        assert w in msg


@responses.activate
def test_response_missing_a_dimension_is_a_clear_error():
    serve_v2_tab638(responses.mock)
    broken = load(TAB638_DATA)
    broken["id"] = [d for d in broken["id"] if d != "Kon"]
    broken["size"] = [1] * len(broken["id"])
    del broken["dimension"]["Kon"]
    responses.replace("POST", f"{V2}/tables/TAB638/data", json=broken)
    table = client().open(TableRef(v2_id="TAB638"))
    with pytest.raises(pxweb.ResponseShapeError, match="lacks dimension 'Kon'"):
        table.fetch(EQUIVALENT)


@responses.activate
def test_v2_404_without_v1_path_names_the_fix():
    add_json(responses.mock, "GET", f"{V2}/config", fixture_bytes("pxweb_r/v2/config.json"))
    responses.add("GET", f"{V2}/tables/TAB0000/metadata", status=404,
                  json=problem(404, "Not Found", "Node with id, TAB0000 can not be found"),
                  content_type="application/problem+json")  # fmt: skip
    with pytest.raises(pxweb.TableNotFoundError, match="update the step's table id"):
        client().open(TableRef(v2_id="TAB0000"))


def test_recorded_copy_is_identical_to_the_shared_fixtures() -> None:
    """tests/fixtures/recorded/ (used where ../shared/fixtures is absent) is a byte-identical copy, never edited."""
    import hashlib

    from tests._fetch_support import RECORDED_COPY, SHARED_FIXTURES

    if not SHARED_FIXTURES.exists():
        pytest.skip("../shared/fixtures not beside this clone: nothing to compare the copy with")

    def digests(root):
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    assert digests(RECORDED_COPY) == digests(SHARED_FIXTURES)


# ---------------------------------------------------------------------------------------------- v2 search paging


@responses.activate
def test_v2_search_follows_page_links_on_the_same_host_once():
    from etl.sources.http import Session
    from etl.sources.pxweb import PxWeb, PxWebError
    from tests._fetch_support import FakeClock, fixture_bytes

    real = json.loads(fixture_bytes("scb_v2/tables.json"))  # page 1 of 213, page.links next/last
    nxt = real["page"]["links"][0]["href"]
    assert real["page"]["links"][0]["rel"] == "next" and "query" not in nxt
    page2 = {**real, "tables": real["tables"][:2], "page": {**real["page"], "pageNumber": 2, "links": []}}
    responses.add("GET", V2 + "/tables", json=real)
    responses.add("GET", nxt.split("?")[0], json=page2)
    client = PxWeb(Session(clock=FakeClock()), v2_base=V2)
    got = client.search("befolkning")
    assert len(got) == len(real["tables"]) + 2
    second = responses.calls[1].request.url
    assert "pageNumber=2" in second and "query=befolkning" in second  # the link lost the query: kept
    responses.replace("GET", nxt.split("?")[0], json=real)  # page 2 repeats page 1
    with pytest.raises(PxWebError, match="repeats an earlier page"):
        PxWeb(Session(clock=FakeClock()), v2_base=V2).search("befolkning")
    other = {**real, "page": {**real["page"], "links": [{"rel": "next", "href": "https://evil.example/tables?p=2"}]}}
    responses.replace("GET", V2 + "/tables", json=other)
    with pytest.raises(PxWebError, match="another host"):
        PxWeb(Session(clock=FakeClock()), v2_base=V2).search("befolkning")
