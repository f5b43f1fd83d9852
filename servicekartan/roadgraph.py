"""Road graph Parquet (nodes, edges) or an OpenStreetMap .osm.pbf extract -> a sparse graph for shortest paths.

Files: `data/raw/roads/nodes.parquet` (node_id, x, y in SWEREF 99 TM metres) and
`data/raw/roads/edges.parquet` (u, v, length_m, optionally minutes). Edges are undirected
(one-way streets are not modelled: the graph answers "how far by road", not turn-by-turn routing).
The OSM importer needs the optional `osmium` package (`pip install osmium`); it is not a core
requirement and is imported only inside `from_osm_pbf`.
"""

from __future__ import annotations

import argparse
import io
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from servicekartan import paths
from servicekartan.catalog import atomic_write_bytes
from servicekartan.kdtree import cKDTree

if TYPE_CHECKING:  # scipy.sparse is imported where a graph is built or searched (cold start of the app)
    from scipy.sparse import csr_array

NODE_COLUMNS: tuple[str, ...] = ("node_id", "x", "y")
EDGE_COLUMNS: tuple[str, ...] = ("u", "v", "length_m")  # + optional "minutes"
NODES_FILE = "nodes.parquet"
EDGES_FILE = "edges.parquet"

# csgraph treats an absent entry as "no edge"; a zero-length edge (two OSM nodes at the same
# place) is kept as a tiny positive length so it still connects.
_MIN_EDGE = 1e-9

# Drivable OSM highway classes and the speed (km/h) used when a way has no usable maxspeed tag.
# 70 km/h is Sweden's default limit outside built-up areas (trafikförordningen 1998:1276, 3 kap. 17 §).
OSM_DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 110,
    "motorway_link": 70,
    "trunk": 90,
    "trunk_link": 70,
    "primary": 80,
    "primary_link": 60,
    "secondary": 70,
    "secondary_link": 50,
    "tertiary": 70,
    "tertiary_link": 50,
    "unclassified": 70,
    "residential": 40,
    "living_street": 20,
    "service": 30,
    "road": 50,
}


class RoadGraphError(RuntimeError):
    """A road graph is missing, malformed, or the optional OSM importer is not installed."""


def default_dir() -> Path:
    """Where the ETL looks for a road graph: data/raw/roads/."""
    return paths.raw_dir() / "roads"


def exists(directory: Path | None = None) -> bool:
    d = directory or default_dir()
    return (d / NODES_FILE).exists() and (d / EDGES_FILE).exists()


@dataclass
class RoadGraph:
    """An undirected road graph: node coordinates, a length matrix (km) and optionally a time matrix (min)."""

    node_id: np.ndarray
    xy: np.ndarray  # (n, 2) SWEREF 99 TM metres
    length_km: csr_array
    minutes: csr_array | None = None
    _tree: cKDTree | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.node_id)

    @classmethod
    def from_frames(cls, nodes: pd.DataFrame, edges: pd.DataFrame) -> RoadGraph:
        """Build from node/edge frames; duplicate edges keep their shortest length, self-loops are dropped."""
        missing = [c for c in NODE_COLUMNS if c not in nodes.columns] + [
            c for c in EDGE_COLUMNS if c not in edges.columns
        ]
        if missing:
            raise RoadGraphError(f"road graph lacks columns {missing}")
        node_id = nodes["node_id"].to_numpy(np.int64)
        if len(np.unique(node_id)) != len(node_id):
            raise RoadGraphError("road graph: node_id is not unique")
        order = np.argsort(node_id)
        sorted_ids = node_id[order]
        u_id = edges["u"].to_numpy(np.int64)
        v_id = edges["v"].to_numpy(np.int64)
        u_pos = np.searchsorted(sorted_ids, u_id)
        v_pos = np.searchsorted(sorted_ids, v_id)
        u_pos = np.minimum(u_pos, len(sorted_ids) - 1)
        v_pos = np.minimum(v_pos, len(sorted_ids) - 1)
        known = (sorted_ids[u_pos] == u_id) & (sorted_ids[v_pos] == v_id)
        if not known.all():
            raise RoadGraphError(f"road graph: {int((~known).sum())} edges reference unknown nodes")
        u, v = order[u_pos], order[v_pos]
        n = len(node_id)
        length = edges["length_m"].to_numpy(float) / 1000.0
        minutes = edges["minutes"].to_numpy(float) if "minutes" in edges.columns else None
        if (length < 0).any() or not np.isfinite(length).all():
            raise RoadGraphError("road graph: edge lengths must be finite and >= 0")
        xy = np.c_[nodes["x"].to_numpy(float), nodes["y"].to_numpy(float)]
        return cls(
            node_id, xy, _undirected(u, v, length, n), None if minutes is None else _undirected(u, v, minutes, n)
        )

    def snap(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest graph node (index) and the straight-line snap distance in metres for each point."""
        if self._tree is None:
            self._tree = cKDTree(self.xy)
        dist, idx = self._tree.query(np.asarray(xy, float).reshape(-1, 2))
        return idx.astype(np.int64), dist

    def nearest_source(self, sources: np.ndarray, weight: str = "length") -> tuple[np.ndarray, np.ndarray]:
        """One multi-source Dijkstra pass: for every node, the cost from the closest source and which source.

        Returns (cost, source_node) with cost = inf and source_node = -1 where no source is reachable.
        `min_only=True` keeps memory O(nodes); scipy only returns the source array together with the
        (1-D, min_only) predecessor array, so that is requested too.
        """
        graph = self.length_km if weight == "length" else self.minutes
        if graph is None:
            raise RoadGraphError(f"road graph has no '{weight}' weights")
        sources = np.unique(np.asarray(sources, np.int64))
        if len(sources) == 0:
            return np.full(self.n_nodes, np.inf), np.full(self.n_nodes, -1, np.int64)
        from scipy.sparse.csgraph import dijkstra

        cost, _pred, src = dijkstra(graph, directed=False, indices=sources, min_only=True, return_predecessors=True)
        src = np.where(src < 0, -1, src).astype(np.int64)
        return cost, src


def _undirected(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> csr_array:
    """Upper-triangular CSR of an undirected edge list (min weight over duplicates, no self-loops)."""
    from scipy.sparse import csr_array

    keep = u != v
    a, b, w = np.minimum(u, v)[keep], np.maximum(u, v)[keep], np.maximum(w[keep], _MIN_EDGE)
    if len(a):
        key = a * n + b
        order = np.lexsort((w, key))
        key, w = key[order], w[order]
        first = np.r_[True, key[1:] != key[:-1]]
        key, w = key[first], w[first]
        a, b = key // n, key % n
    return csr_array((w, (a, b)), shape=(n, n))


def read_graph(directory: Path | None = None) -> RoadGraph:
    """Read nodes.parquet + edges.parquet from a folder (default data/raw/roads)."""
    d = directory or default_dir()
    if not exists(d):
        raise RoadGraphError(f"no road graph in {d} (expected {NODES_FILE} and {EDGES_FILE})")
    nodes = pq.read_table(d / NODES_FILE).to_pandas()
    edges = pq.read_table(d / EDGES_FILE).to_pandas()
    return RoadGraph.from_frames(nodes, edges)


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), sink, compression="zstd")
    return sink.getvalue()


def write_graph(nodes: pd.DataFrame, edges: pd.DataFrame, directory: Path | None = None) -> Path:
    """Write the graph atomically as two Parquet files; validates it first. Returns the folder."""
    RoadGraph.from_frames(nodes, edges)  # raises on a malformed graph
    d = directory or default_dir()
    cols = list(EDGE_COLUMNS) + (["minutes"] if "minutes" in edges.columns else [])
    node_df = nodes[list(NODE_COLUMNS)].astype({"node_id": "int64", "x": "float64", "y": "float64"})
    edge_df = edges[cols].astype({"u": "int64", "v": "int64", "length_m": "float64"})
    atomic_write_bytes(d / NODES_FILE, _parquet_bytes(node_df))
    atomic_write_bytes(d / EDGES_FILE, _parquet_bytes(edge_df))
    return d


def _speed_kmh(tags: dict[str, str], highway: str) -> float:
    raw = (tags.get("maxspeed") or "").strip().split(" ")[0]
    if raw.isdigit() and 5 <= int(raw) <= 130:
        return float(raw)
    return float(OSM_DEFAULT_SPEED_KMH[highway])


def from_osm_pbf(path: str | Path, highways: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drivable OSM ways of an .osm.pbf (or .osm) extract -> (nodes, edges) frames in SWEREF 99 TM.

    Every pair of consecutive way nodes becomes an edge with its straight length and the minutes at
    the way's maxspeed (or the class default in OSM_DEFAULT_SPEED_KMH). Needs `pip install osmium`.
    """
    try:
        import osmium  # optional extra, deliberately not in requirements.txt
    except ImportError as exc:
        raise RoadGraphError(
            "Importing a road graph from OpenStreetMap needs the optional package 'osmium': "
            "pip install osmium   (or supply data/raw/roads/nodes.parquet and edges.parquet)"
        ) from exc
    from servicekartan import geo

    wanted = set(highways or OSM_DEFAULT_SPEED_KMH)
    # Compact typed buffers (8 bytes a value) rather than Python dicts: a national extract has tens of
    # millions of way nodes. A node shared by several ways is stored more than once and deduplicated below.
    ids, lats, lons = array("q"), array("d"), array("d")
    us, vs, speeds = array("q"), array("q"), array("d")

    class _Ways(osmium.SimpleHandler):  # type: ignore[misc, name-defined]
        def way(self, w) -> None:  # noqa: ANN001 - osmium's type
            hw = w.tags.get("highway")
            if hw not in wanted:
                return
            speed = _speed_kmh({"maxspeed": w.tags.get("maxspeed", "")}, hw)
            prev = None
            for n in w.nodes:
                if not n.location.valid():
                    prev = None
                    continue
                ids.append(n.ref)
                lats.append(n.location.lat)
                lons.append(n.location.lon)
                if prev is not None:
                    us.append(prev)
                    vs.append(n.ref)
                    speeds.append(speed)
                prev = n.ref

    _Ways().apply_file(str(path), locations=True)
    if not len(us):
        raise RoadGraphError(f"no drivable ways found in {path}")
    node_id, first = np.unique(np.frombuffer(ids, np.int64), return_index=True)
    x, y = geo.to_sweref(np.frombuffer(lats, float)[first], np.frombuffer(lons, float)[first])
    nodes = pd.DataFrame({"node_id": node_id, "x": x, "y": y})
    u, v = np.frombuffer(us, np.int64), np.frombuffer(vs, np.int64)
    ui, vi = np.searchsorted(node_id, u), np.searchsorted(node_id, v)
    length_m = np.hypot(x[ui] - x[vi], y[ui] - y[vi])
    edges = pd.DataFrame(
        {
            "u": u.copy(),
            "v": v.copy(),
            "length_m": length_m,
            "minutes": length_m / 1000.0 / np.frombuffer(speeds, float) * 60.0,
        }
    )
    return nodes, edges


def main(argv: list[str] | None = None) -> int:
    """`python -m servicekartan.roadgraph sweden-latest.osm.pbf` -> data/raw/roads/{nodes,edges}.parquet."""
    parser = argparse.ArgumentParser(prog="python -m servicekartan.roadgraph", description=main.__doc__)
    parser.add_argument("pbf", type=Path, help="OpenStreetMap extract (.osm.pbf), e.g. from download.geofabrik.de")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default data/raw/roads)")
    args = parser.parse_args(argv)
    try:
        nodes, edges = from_osm_pbf(args.pbf)
    except RoadGraphError as exc:
        print(exc, file=sys.stderr)
        return 1
    d = write_graph(nodes, edges, args.out)
    print(f"road graph: {len(nodes):,} nodes, {len(edges):,} edges -> {d}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
