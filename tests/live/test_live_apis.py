"""Live smoke tests: the real SCB (PxWeb v2/v1, WFS), Kolada and Overpass APIs still answer as the clients expect.

Network; skipped by default. Run them with one command:

    .venv/bin/pytest -m live tests/live

Each test sends one to three small, paced requests with the project's User-Agent.
"""

from __future__ import annotations

import pytest

from etl.fetchers import scb_population, scb_tatorter
from etl.sources import kolada, overpass
from etl.sources.http import Session
from etl.sources.pxweb import PxWeb, TableRef

pytestmark = pytest.mark.live


def test_scb_v2_config_and_tab638_riket():
    px = PxWeb(Session(retries=2))
    table = px.open(scb_population.TABLES[0])
    assert table.api == "v2" and table.config.max_cells >= 100_000
    df = table.fetch({"Region": "00", "Alder": "tot", "ContentsCode": "BE0101N1", "Tid": "2012"}, ["Civilstand", "Kon"])
    assert df["value"].item() == 9555893  # Riket 2012, as in the recorded v1 answer


def test_scb_v1_fallback_path_answers():
    px = PxWeb(Session(retries=2), use_v2=False)
    table = px.open(TableRef(v1_path="BE/BE0101/BE0101A/BefolkningNy"))
    assert table.api == "v1"
    df = table.fetch({"Region": "00", "Alder": "tot", "ContentsCode": "BE0101N1", "Tid": "2010"}, ["Civilstand", "Kon"])
    assert df["value"].item() == 9415570


def test_scb_successor_table_has_a_population_content_and_totals():
    px = PxWeb(Session(retries=2))
    table = px.open(scb_population.TABLES[1])
    chosen = scb_population.selection_for(table.meta, "08", None)
    assert chosen is not None
    sel, _ = chosen
    assert sel["ContentsCode"] and "0861" in sel["Region"]


def test_scb_tatort_tables_are_found_and_hold_fliseryd():
    px = PxWeb(Session(retries=2))
    refs = scb_tatorter.discover(px, scb_tatorter.GROUPS[0])
    assert refs, "no MI0810 table found"
    metas = [px.open(r).meta for r in refs]
    assert any("0861TB103" in d.values for m in metas for d in m.dims)


def test_scb_wfs_smaort_layer():
    s = Session(retries=2)
    params = {**scb_tatorter.wfs_params(scb_tatorter.SMAORT_LAYERS[0]), "count": "2"}
    f = s.get(scb_tatorter.WFS_URL, params=params)
    assert f.payload["features"], "no småort features"


def test_kolada_broadband_monsteras():
    k = kolada.Kolada(Session(retries=2))
    df = k.data("N07900", [2020], ["0861"])
    t = df[df["gender"] == "T"]
    assert len(t) == 1 and 0 <= t["value"].item() <= 100


def test_overpass_small_query_near_fliseryd():
    o = overpass.Overpass(Session(retries=2, backoff=15.0))
    ql = '[out:json][timeout:60];nwr["shop"~"^(supermarket|convenience)$"](57.10,16.22,57.15,16.30);out tags center qt;'
    f = o.query(ql)
    df = overpass.elements_to_frame(f.payload)
    assert (df["service_type"] == "grocery").any()
