"""Pages on the 1 km grid (issue 12): official population and its series, the tätort split with its method,
whole-population access equal to a brute-force recomputation, a Stockholm-suburb kommun with figures, downloads."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from servicekartan import catalog, downloads, fmt
from servicekartan.downloads import Filters
from tests.apptest_helpers import NBSP, arr, chart_specs, clear_caches, frame_with, metrics, run, texts
from tests.test_grid import _brute_nearest_km


@pytest.fixture(autouse=True)
def _clean_caches(data_env):
    clear_caches()
    yield


def _series(at) -> dict[int, float | None]:
    spec = next(s for s in chart_specs(at) if s["layout"]["title"]["text"].startswith(("Folkmängd", "Population of")))
    official = spec["data"][0]
    assert official["connectgaps"] is False  # missing years are gaps, never a line across them
    return dict(zip(arr(official["x"]), arr(official["y"]), strict=True)), spec


def test_monsteras_overview_shows_the_official_population_and_its_series():
    at = run(area="0861")
    assert metrics(at)["Invånare 2024"] == f"13{NBSP}069"
    series, spec = _series(at)
    assert series[2019] == 13_430 and series[2024] == 13_069 and series[1950] > 0
    assert all(series[y] is None for y in (2020, 2021, 2022, 2023))  # gaps, not interpolated
    estimate = spec["data"][1]  # 2021: the Census grid's sum, its own labelled trace
    assert estimate["name"] == "2021: uppskattning från rutnätet, ej officiell"
    est = {x: y for x, y in zip(arr(estimate["x"]), arr(estimate["y"]), strict=True) if y is not None}
    assert est == {2021: 13_249}
    body = texts(at)
    assert "2020, 2022, 2023 saknas" in body and "Källa: SCB/Kolada" in body


def test_monsteras_outside_tatort_population_with_its_method():
    at = run(area="0861")
    m = metrics(at)
    # grid 2024 squares of 0861 sum to 13,166: 10,089 in tätorter and 3,077 outside (population-matched model)
    assert m["Utanför tätorter, 2024 (modell)"] == f"3{NBSP}077"
    assert m["I tätorter, 2024 (modell)"] == f"10{NBSP}089"
    body = texts(at)
    assert f"23,4{NBSP}% av rutnätets invånare" in body
    assert f"summerar till 13{NBSP}166 invånare" in body and "inte officiell statistik" in body
    assert "Metod: varje tätort tar de folkrikaste rutorna" in body and "N00954" in body


def test_sverige_whole_population_grocery_share_equals_brute_force():
    gp, services = catalog.read("grid_population"), catalog.read("services")
    cells = gp[gp["year"] == 2024]
    groc = services.loc[services["service_type"] == "grocery", ["x", "y"]].to_numpy(float)
    km = _brute_nearest_km(cells[["x", "y"]].to_numpy(float), groc)
    pop = cells["population"].to_numpy(float)
    expected = pop[km <= 2.0].sum() / pop.sum() * 100
    assert round(expected, 1) == 40.7

    at = run(area="00", km="2")
    cards = metrics(at)
    assert cards["Dagligvarubutik *"] == fmt.percent(expected, "sv")  # "40,7 %"
    body = texts(at)
    assert "**Andel av alla invånare inom 2 km (fågelväg) från närmaste servicepunkt av varje slag, 2024**" in body
    assert "Underlag: alla invånare, SCB:s befolkningsrutor 1 km 2024 (summa av rutor)" in body
    assert "dagligvarubutik, post- och paketombud – modellerat: en punkt per tätort med minst 500 invånare" in body
    assert "nedre gräns" in body
    # the tätort-point figure beside it, labelled as such
    assert f"Tätortspunkter (2020): 97,2{NBSP}%" in [c.value for c in at.caption]


def test_stockholm_suburb_has_access_figures():
    """Solna's people live in Stockholm's tätort, whose point lies in Stockholm kommun: by tätort points Solna had
    no access figures at all; from the grid it has them."""
    at = run("access", area="0184", svc="pharmacy", km="2")
    m = metrics(at)
    assert m["Invånare i underlaget"] == f"90{NBSP}634"
    assert m["Inom 2 km"] not in ("–", "") and float(m["Inom 2 km"].split(NBSP)[0].replace(",", ".")) > 50
    per_kommun = frame_with(at, "share_within")
    assert list(per_kommun["name"]) == ["Solna"]
    assert "Ingen tätortspunkt ligger i området" in texts(at)
    at = run(area="0184")
    over = metrics(at)
    assert over["Apotek"] != "–" and over["Invånare 2024"] == f"85{NBSP}789"
    assert "Tätortspunkter: ingen i området" in [c.value for c in at.caption]


def test_access_basis_65plus_is_the_census_2021_grid():
    at = run("access", area="0861", basis="age_65plus", svc="pharmacy", km="5")
    body = texts(at)
    assert "Invånare 65 år och äldre: avstånd till apotek, 2021" in body
    assert "Eurostats befolkningsrutor 1 km (Census) 2021" in body
    gi = catalog.read("grid_indicators")
    row = gi[
        (gi["area_code"] == "0861")
        & (gi["year"] == 2021)
        & (gi["basis"] == "age_65plus")
        & (gi["service_type"] == "pharmacy")
        & (gi["unit"] == "km")
        & (gi["threshold"] == 5)
    ].iloc[0]
    assert metrics(at)["Inom 5 km"] == fmt.percent(row["share_within"], "sv")


def test_data_page_grid_access_of_a_kommun_with_licences():
    at = run("data", area="0861", ds="grid_access", types="grocery")
    gp = catalog.read("grid_population")
    n = int(((gp["municipality_code"] == "0861") & gp["year"].isin([2021, 2024])).sum())
    assert any(f"{fmt.number(n, 'sv')} rader" in s.value for s in at.subheader)
    body = texts(at)
    assert "Källa: Eurostat" in body and "© OpenStreetMap contributors" in body and "CC0" in body


def test_grid_downloads_filter_by_area_and_carry_licences(data_env):
    frames = {n: catalog.read(n) for n in ("villages", "population", "grid_access", "grid_population")}
    f = Filters(dataset="grid_access", area="08", years=(2024, 2024), service_types=("grocery",))
    sel = downloads.select(frames, f)
    df = sel.rows()
    gp = frames["grid_population"]
    assert len(df) == int(((gp["county_code"] == "08") & (gp["year"] == 2024)).sum()) == len(sel)
    assert df["municipality_code"].str.startswith("08").all() and set(df["service_type"]) == {"grocery"}
    assert sel.any_modelled() and list(sel.head(3)["cell_id"]) == list(df["cell_id"][:3])
    meta = catalog.read_metadata("grid_access")
    z = zipfile.ZipFile(io.BytesIO(downloads.to_zip(df, meta, f, "cite")))
    readme, licences = z.read("README.md").decode(), z.read("LICENSES.txt").decode()
    assert "Källa: Eurostat" in readme and "© OpenStreetMap contributors" in readme
    assert "| cell_id | 1 km square id naming its grid" in readme
    assert "| quality | Quality of the service layer of the type" in readme  # the dataset's own column doc
    assert "Källa: Eurostat" in licences and "ODbL" in licences
    pop = downloads.apply_filters(
        {**frames, "area_population": catalog.read("area_population")}, Filters("area_population", "0861")
    )
    assert len(pop) == 75 and np.isnan(pop.loc[pop["year"] == 2022, "population"]).all()
