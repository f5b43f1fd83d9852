"""Road graph: hand-made graphs with known shortest paths, Parquet round trip, network mode, unreachable islands."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pandas as pd
import pytest

from servicekartan import access, catalog, roadgraph
from servicekartan.roadgraph import RoadGraph, RoadGraphError

# A hand-made network (SWEREF-like metres). Mainland: A-B-C-D along a road, plus a long direct
# A-D road; a river between the mainland and E (no bridge); island F-G with no road link at all.
#
#   A(0,0) --1000-- B(1000,0) --1000-- C(2000,0) --1000-- D(3000,0)
#   A ------------------------ 3500 m direct --------------------- D
#   E(0,800) --600-- H(600,800)   (a separate component: across the river, north of A)
#   F(50000,0) --500-- G(50500,0) (island)
NODES = pd.DataFrame(
    {
        "node_id": [10, 11, 12, 13, 14, 15, 16, 17],  # A B C D E H F G
        "x": [0.0, 1000.0, 2000.0, 3000.0, 0.0, 600.0, 50000.0, 50500.0],
        "y": [0.0, 0.0, 0.0, 0.0, 800.0, 800.0, 0.0, 0.0],
    }
)
EDGES = pd.DataFrame(
    {
        "u": [10, 11, 12, 10, 14, 16],
        "v": [11, 12, 13, 13, 15, 17],
        "length_m": [1000.0, 1000.0, 1000.0, 3500.0, 600.0, 500.0],
    }
)


def _graph(edges: pd.DataFrame = EDGES) -> RoadGraph:
    return RoadGraph.from_frames(NODES, edges)


def test_known_shortest_path_multi_source():
    g = _graph()
    # Sources at A (index 0) and D (index 3): B is 1 km from A, C is 1 km from D.
    cost, src = g.nearest_source(np.array([0, 3]))
    assert cost[:4] == pytest.approx([0.0, 1.0, 1.0, 0.0])
    assert list(src[:4]) == [0, 0, 3, 3]
    # From A alone, D is 3 km via B and C, not 3.5 km by the direct road.
    cost, src = g.nearest_source(np.array([0]))
    assert cost[3] == pytest.approx(3.0)
    # E/H and the island F/G are not connected to A: infinite cost, source -1.
    assert np.isinf(cost[4:]).all() and (src[4:] == -1).all()


def test_duplicate_edges_keep_shortest_and_self_loops_dropped():
    edges = pd.concat(
        [EDGES, pd.DataFrame({"u": [13, 11, 12], "v": [10, 11, 11], "length_m": [2500.0, 5.0, 0.0]})],
        ignore_index=True,
    )
    g = _graph(edges)
    cost, _ = g.nearest_source(np.array([0]))
    assert cost[3] == pytest.approx(2.0)  # A-D reversed duplicate at 2.5 km; B-C now 0 m -> A-B-C-D = 2 km
    assert cost[2] == pytest.approx(1.0)  # a zero-length edge still connects (B and C at the same place)
    assert g.length_km.diagonal().sum() == 0


def test_malformed_graph_is_rejected():
    with pytest.raises(RoadGraphError, match="unknown nodes"):
        RoadGraph.from_frames(NODES, pd.DataFrame({"u": [10], "v": [99], "length_m": [1.0]}))
    with pytest.raises(RoadGraphError, match="lacks columns"):
        RoadGraph.from_frames(NODES.drop(columns="x"), EDGES)


def test_parquet_round_trip(tmp_path):
    d = roadgraph.write_graph(NODES, EDGES.assign(minutes=EDGES["length_m"] / 1000 / 60 * 60), tmp_path / "roads")
    assert roadgraph.exists(d)
    g = roadgraph.read_graph(d)
    assert g.n_nodes == 8 and g.minutes is not None
    cost, _ = g.nearest_source(np.array([0]), weight="minutes")
    assert cost[3] == pytest.approx(3.0)  # 3 km at 60 km/h
    assert not list(d.glob("*.tmp"))
    with pytest.raises(RoadGraphError, match="no road graph"):
        roadgraph.read_graph(tmp_path / "nowhere")


def _villages(xy: list[tuple[float, float]]) -> pd.DataFrame:
    n = len(xy)
    return pd.DataFrame(
        {
            "village_id": [f"V{i}" for i in range(n)],
            "name": [f"v{i}" for i in range(n)],
            "kind": "tatort",
            "municipality_code": "0001",
            "county_code": "01",
            "x": [p[0] for p in xy],
            "y": [p[1] for p in xy],
        }
    )


def _services(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "service_id": [r[0] for r in rows],
            "service_type": [r[1] for r in rows],
            "name": [r[0] for r in rows],
            "x": [r[2] for r in rows],
            "y": [r[3] for r in rows],
            "opened": pd.array([None] * len(rows), dtype="Int64"),
            "closed": pd.array([None] * len(rows), dtype="Int64"),
            "quality": "observed",
        }
    )


def test_network_mode_road_nearest_and_unreachable_island():
    # V0 at C; V1 north of A across the river at E (its own road, no service there); V2 on the island
    # F-G; V3 at B. One grocery at A; S_off sits 20 km from every road and is not used by the network.
    villages = _villages([(2000.0, 0.0), (0.0, 800.0), (50000.0, 0.0), (1000.0, 0.0)])
    services = _services([("S_A", "grocery", 0.0, 0.0), ("S_off", "grocery", 2000.0, 20000.0)])
    m = access.AccessModel(villages, services, graph=_graph(), types=("grocery", "fuel"))
    t = m.table([2020]).set_index(["village_id", "service_type"])
    v0 = t.loc[("V0", "grocery")]
    assert v0["method"] == "network" and v0["road_km"] == pytest.approx(2.0)
    assert v0["minutes"] == pytest.approx(2.0 / access.AVERAGE_SPEED_KMH * 60)
    assert v0["distance_km"] == pytest.approx(2.0) and v0["road_service_id"] == "S_A"
    # V1 is 0.8 km from S_A as the crow flies but across the river: unreachable by road.
    v1 = t.loc[("V1", "grocery")]
    assert v1["method"] == "unreachable" and v1["nearest_service_id"] == "S_A"
    assert v1["distance_km"] == pytest.approx(0.8)
    assert np.isnan(v1["road_km"]) and np.isnan(v1["minutes"]) and pd.isna(v1["road_service_id"])
    v2 = t.loc[("V2", "grocery")]
    assert v2["method"] == "unreachable" and np.isnan(v2["road_km"]) and np.isfinite(v2["distance_km"])
    # No fuel station at all: NaN everywhere, method no_service.
    f = t.xs("fuel", level="service_type")
    assert (f["method"] == "no_service").all() and f[["distance_km", "road_km", "minutes"]].isna().all().all()
    assert f["nearest_service_id"].isna().all()
    assert not np.isinf(t[["distance_km", "road_km", "minutes"]].to_numpy(float)).any()


def test_network_picks_road_nearest_over_straight_line_nearest():
    # V at B (1000,0). S1 at D is 2 km by road; S2 at H (600,800) is 0.89 km straight but across the river.
    villages = _villages([(1000.0, 0.0)])
    services = _services([("S1", "pharmacy", 3000.0, 0.0), ("S2", "pharmacy", 600.0, 800.0)])
    t = access.AccessModel(villages, services, graph=_graph(), types=("pharmacy",)).table([2020]).iloc[0]
    assert t["nearest_service_id"] == "S2" and t["distance_km"] == pytest.approx(np.hypot(400, 800) / 1000)
    assert t["road_service_id"] == "S1" and t["road_km"] == pytest.approx(2.0)


def test_snap_legs_are_added_and_minutes_column_used():
    # Village 300 m south of B, service 400 m north of D: 0.3 + 2.0 + 0.4 km.
    villages = _villages([(1000.0, -300.0)])
    services = _services([("S", "atm", 3000.0, 400.0)])
    edges = EDGES.assign(minutes=EDGES["length_m"] / 1000.0)  # 60 km/h on every edge
    g = RoadGraph.from_frames(NODES, edges)
    t = access.AccessModel(villages, services, graph=g, types=("atm",)).table([2020]).iloc[0]
    assert t["road_km"] == pytest.approx(2.7)
    assert t["minutes"] == pytest.approx(2.0 + 0.7 / access.AVERAGE_SPEED_KMH * 60)


def test_village_too_far_from_any_road_is_unreachable():
    villages = _villages([(1000.0, 30000.0)])
    services = _services([("S", "grocery", 0.0, 0.0)])
    t = access.AccessModel(villages, services, graph=_graph(), types=("grocery",)).table([2020]).iloc[0]
    assert t["method"] == "unreachable" and np.isnan(t["road_km"])


def test_osm_import_without_osmium_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "osmium", None)  # makes `import osmium` raise ImportError
    with pytest.raises(RoadGraphError, match="pip install osmium"):
        roadgraph.from_osm_pbf(tmp_path / "sweden-latest.osm.pbf")
    assert roadgraph.main([str(tmp_path / "x.osm.pbf")]) == 1


def test_osm_import_on_a_tiny_extract(tmp_path):
    pytest.importorskip("osmium")
    osm = tmp_path / "tiny.osm"
    osm.write_text(
        """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
 <node id="1" lat="57.10" lon="16.40" version="1"/>
 <node id="2" lat="57.11" lon="16.40" version="1"/>
 <node id="3" lat="57.12" lon="16.40" version="1"/>
 <node id="4" lat="57.12" lon="16.41" version="1"/>
 <way id="100" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="secondary"/><tag k="maxspeed" v="80"/></way>
 <way id="101" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way>
</osm>
"""
    )
    nodes, edges = roadgraph.from_osm_pbf(osm)
    assert sorted(nodes["node_id"]) == [1, 2, 3] and len(edges) == 2  # the footway is not drivable
    assert edges["length_m"].sum() == pytest.approx(2 * 1112, rel=0.01)  # 0.01 deg latitude ~ 1.11 km
    assert edges["minutes"].sum() == pytest.approx(edges["length_m"].sum() / 1000 / 80 * 60)


def test_etl_step_uses_the_road_graph_when_present(built_data, tmp_path, monkeypatch):
    # A copy of the built data plus a tiny road graph around Fliseryd (0861TB103) and Ruda (0821TB106).
    data = tmp_path / "data"
    shutil.copytree(built_data / "processed", data / "processed")
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(data))
    v = catalog.read("villages").set_index("village_id")
    f, r = v.loc["0861TB103"], v.loc["0821TB106"]
    mid = ((f["x"] + r["x"]) / 2 + 2000.0, (f["y"] + r["y"]) / 2)
    nodes = pd.DataFrame({"node_id": [1, 2, 3], "x": [f["x"], mid[0], r["x"]], "y": [f["y"], mid[1], r["y"]]})
    leg = [np.hypot(mid[0] - f["x"], mid[1] - f["y"]), np.hypot(r["x"] - mid[0], r["y"] - mid[1])]
    edges = pd.DataFrame({"u": [1, 2], "v": [2, 3], "length_m": leg})
    roadgraph.write_graph(nodes, edges)
    from etl.datasets import from_catalog, village_access
    from etl.validate import check_dataset

    ds = village_access.build(from_catalog(village_access.INPUTS))
    frames = {n: catalog.read(n) for n in ("villages", "services")}
    assert check_dataset("village_access", ds.frame, frames) == []
    a = ds.frame.set_index(["village_id", "year", "service_type"])
    fl = a.loc[("0861TB103", 2020, "grocery")]
    assert fl["method"] == "network" and fl["road_km"] == 0.0  # its own (modelled) store, on the node
    assert a.loc[("0821TB106", 2020, "grocery"), "method"] == "network"
    # Mönsterås is more than 5 km from this toy network: unreachable, NaN, never 0.
    mo = a.loc[("0861TC104", 2020, "grocery")]
    assert mo["method"] == "unreachable" and np.isnan(mo["road_km"]) and mo["distance_km"] == 0.0
    assert "road network" in ds.provenance.source
