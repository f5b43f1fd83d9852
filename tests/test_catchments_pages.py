"""Pages of issue 13 (AppTest): the access page draws the grid map and the grid what-if, the village profile says
Fliseryd's catchment sentence with the brute-force numbers, the servicepunkt page counts customers from it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.apptest_helpers import BADGE, NBSP, arr, chart_specs, clear_caches, metrics, run, walk


@pytest.fixture(autouse=True)
def _clean_caches(data_env):
    clear_caches()
    yield


def _badges_before_chart(at, heading: str) -> list[str]:
    """The badges between the heading `heading` and the next chart (the figure's own badges)."""
    found, after = [], False
    for _, node in walk(at):
        raw = getattr(node, "value", "")
        value = raw if isinstance(raw, str) else ""
        if not after:
            after = value.startswith(heading)
            continue
        if getattr(node, "type", "") == "plotly_chart":
            return found
        if type(node).__name__ == "Markdown":
            found += [m.group(3) for m in BADGE.finditer(value)]
        elif getattr(node, "type", "") == "badge":
            found.append(node.proto.label)
    raise AssertionError(f"no chart after {heading!r}")


def _grid_maps(at) -> list[dict]:
    return [s for s in chart_specs(at) if any(tr.get("type") == "heatmap" for tr in s["data"])]


def test_access_page_shows_the_grid_map_of_monsteras():
    at = run("access", area="0861", svc="grocery", lang="en")
    assert "Grid map: every inhabited square" in [s.value for s in at.subheader]
    (spec,) = _grid_maps(at)
    heat = [tr for tr in spec["data"] if tr["type"] == "heatmap"]
    assert len(heat) == 1 and len(spec["data"]) <= 14
    z = np.asarray(arr(heat[0]["z"]))
    assert (z < z.max()).sum() >= 300  # Mönsterås's inhabited squares and neighbours
    assert "Mönsterås" in spec["layout"]["title"]["text"] and "2024" in spec["layout"]["title"]["text"]
    legend = [tr["name"] for tr in spec["data"] if tr.get("showlegend")]
    assert "≤ 2 km" in legend and "Paler: fewer than 10 inhabitants" in legend
    assert "Modelled" in _badges_before_chart(at, "Grid map: every inhabited square")  # modelled grocery layer


def test_access_page_grid_whatif_of_closing_fliseryd_store():
    at = run("access", area="0861", svc="grocery", close="model:grocery:0861TB103", lang="en")
    m = metrics(at)
    assert m["People who travel further"] == "1,302"
    assert m["Squares affected"] == "51"
    assert any(d.label == "Download the affected squares (CSV)" for d in at.get("download_button"))
    maps = _grid_maps(at)
    assert len(maps) == 2  # the area's map and the closure's map with the affected squares outlined
    assert "Modelled" in _badges_before_chart(at, "What-if on the 1 km grid")
    # a what-if link shows its result first (issue 16): the closure's map comes before the area's map
    closure = [s for s in maps if any(tr.get("name") == "Farther after the change" for tr in s["data"])]
    assert len(closure) == 1 and closure[0] is maps[0]


def test_village_profile_states_fliserysds_catchments():
    at = run("villages", area="0861", village="0861TB103", lang="en")
    sentence = next(m.value for m in at.markdown if m.value.startswith("Fliseryd:"))
    assert sentence == (
        "Fliseryd: 716 in the tätort (2020), 1,244 in its catchment (2024 grid); "
        "its grocery store is the nearest for 1,302 people."
    )
    (spec,) = _grid_maps(at)
    outline = next(tr for tr in spec["data"] if tr.get("name") == "Catchment of its grocery store")
    assert np.isnan(np.asarray(arr(outline["x"]), float)).sum() == 51  # the store's catchment squares, outlined
    assert "Modelled" in _badges_before_chart(at, "Fliseryd — ")  # the profile heading; store + map modelled


def test_village_profile_in_swedish_uses_swedish_numbers():
    at = run("villages", area="0861", village="0861TB103")
    sentence = next(m.value for m in at.markdown if m.value.startswith("Fliseryd:"))
    assert f"1{NBSP}244 i dess omland" in sentence and f"närmast för 1{NBSP}302 personer" in sentence


def test_servicepoints_business_case_uses_the_store_catchment():
    at = run("servicepoints", area="0861", village="0861TB103", lang="en")
    m = metrics(at)
    assert m["People for whom the grocery store in Fliseryd is the nearest (2024 grid)"] == "1,302"
    assert m["Customers per year"] == "67,704"  # 1,302 x 52 visits
    assert m["Cost per inhabitant served, with grants"] == "77 kr"  # 100,000 kr / 1,302


def test_grid_map_has_its_people_per_band_as_a_table():
    """The grid map's text alternative (WCAG 1.1.1): Mönsterås's people per distance band, summing to its grid total."""
    at = run("access", area="0861", svc="grocery", lang="en")
    exp = next(
        e for e in at.expander if e.label.startswith("The chart's data as a table: Distance to the nearest grocery")
    )
    table = exp.table[0].value
    people = [int(v.replace(",", "")) for v in table.iloc[:, 0]]
    assert list(table.index)[:2] == ["≤ 2 km", "2–5 km"] and sum(people) == 13_166  # SCB's 1 km grid 2024
