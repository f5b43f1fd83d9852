"""Every page renders with observed data after a (mocked) `etl fetch`: OSM points for Kalmar län and Kolada N07900.

The fetch answers are the hand-built fixtures of tests/fixtures (Overpass, Kolada; see their READMEs),
served with `responses`; no network.
"""

from __future__ import annotations

import io
import re

import pytest
import responses

from etl import build as build_mod
from etl.fetch import Options, run_fetch
from etl.sources import overpass
from servicekartan import catalog, fmt
from tests._fetch_support import FakeClock, own_fixture
from tests.apptest_helpers import PAGES, chart_specs, clear_caches, metrics, run, texts


def _kolada(request):
    if "/v3/kpi/" in request.url:
        return (200, {}, own_fixture("kolada/kpi_N07900.json"))
    if "/N07900/" in request.url and "page=2" in request.url:
        return (200, {}, own_fixture("kolada/data_N07900_p2.json"))
    if "/N07900/" in request.url:
        return (200, {}, own_fixture("kolada/data_N07900_p1.json"))
    return (200, {}, b'{"count": 0, "values": []}')


@pytest.fixture(scope="module")
def observed_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("observed")
    mp = pytest.MonkeyPatch()
    mp.setenv("SERVICEKARTAN_DATA_DIR", str(root))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add("GET", overpass.STATUS, body="Rate limit: 2\n2 slots available now.\n")
        rsps.add(
            "POST", overpass.INTERPRETER, body=own_fixture("overpass/kalmar_08.json"), content_type="application/json"
        )
        rsps.add_callback("GET", re.compile(r"https://api\.kolada\.se/.*"), callback=_kolada)
        opts = Options(county="08", since=2016)
        assert run_fetch(["osm"], opts, clock=FakeClock(), out=io.StringIO()).ok
        assert run_fetch(["kolada"], opts, steps=["kolada_kpis"], clock=FakeClock(), out=io.StringIO()).ok
    build_mod.build(out=io.StringIO())
    yield root
    mp.undo()


@pytest.fixture()
def observed_env(observed_data, monkeypatch):
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(observed_data))
    clear_caches()
    return observed_data


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_observed_data(observed_env, page):
    at = run(page, area="0861", village="0861TB103")
    assert at.title, page
    if page not in ("data", "method"):
        assert chart_specs(at), f"{page} drew no chart"


def test_observed_grocery_replaces_modelled_in_fliseryd(observed_env):
    s = catalog.read("services")
    assert "osm:n9000000001:grocery" in set(s["service_id"]) and "model:grocery:0861TB103" not in set(s["service_id"])
    at = run("villages", area="0861", village="0861TB103", svc="grocery")
    near = next(d.value for d in at.dataframe if "road_km" in d.value.columns)  # the profile's nearest services
    grocery = near[near["service_type"] == "Dagligvarubutik"].iloc[0]
    assert grocery["name"] == "ICA Nära Fliseryd" and fmt.parse_number(grocery["distance_km"], "sv") < 1.5
    assert metrics(at)["Invånare"] == "716"


def test_kommun_broadband_status_after_kolada(observed_env):
    at = run("targets", area="0861")
    assert "Kommunvisa serier" not in texts(at)  # the per-kommun status is drawn, not the "fetch first" note
    assert any(s["layout"]["title"]["text"].startswith("Bredband") for s in chart_specs(at))
