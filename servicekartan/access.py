"""Villages + services (+ an optional road graph) -> nearest service per village, type and year; what-if scenarios.

Distances are **straight lines in SWEREF 99 TM** (EPSG:3006, metres; SCB's own grid): a transverse
Mercator plane whose scale error inside Sweden is below 0.2 % (largest in the far north-east, 9 degrees
from the 15 E central meridian), so a plane distance is as good as a great-circle one at this scale
and lets a KD-tree (`scipy.spatial.cKDTree`) answer every query.

A service counts in year Y when `opened <= Y < closed` (a missing year is open-ended), so a service
that opens and closes in the same year is never active. Years with an identical set of active
services of a type share one computation (`AccessModel.state` caches by the active set).

Road distance and time come from one of two methods, named in the `method` column:
- `estimate`: road_km = straight line x CIRCUITY_FACTOR, minutes at AVERAGE_SPEED_KMH (sources below);
- `network`: a road graph (see `servicekartan.roadgraph`); villages and services snap to their nearest
  node and one multi-source Dijkstra pass per service type and active set gives the distance from
  every node to its closest service. The snap legs (straight lines) are added to road_km and timed at
  AVERAGE_SPEED_KMH. A village with no road link to any service of the type (an island, or more than
  MAX_SNAP_M from the nearest road) is `unreachable`: road_km and minutes are NaN, never 0 or inf.
Other methods: `no_service` (no active service of the type at all: every distance NaN) and
`no_location` (the village has no coordinates).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from servicekartan.access_base import (  # re-exported: the engine's public names live on servicekartan.access
    ACCESS_COLUMNS,
    AVERAGE_SPEED_KMH,
    CIRCUITY_FACTOR,
    CIRCUITY_SOURCE,
    MAX_SNAP_M,
    METHOD_ESTIMATE,
    METHOD_NETWORK,
    METHOD_NO_LOCATION,
    METHOD_NO_SERVICE,
    METHOD_UNREACHABLE,
    METHODS,
    SPEED_SOURCE,
    YEAR_CEILING,
    YEAR_FLOOR,
    _active,
    _Services,
    _State,
    is_active,
    method_text,
    nearest,
    road_estimate,
    years_in_data,
)
from servicekartan.access_scenario import ScenarioResult, Scenarios, _take_ids
from servicekartan.definitions import SERVICE_TYPE_IDS, THRESHOLDS_KM, THRESHOLDS_MIN
from servicekartan.indicators import DEFAULT_KINDS
from servicekartan.kdtree import cKDTree
from servicekartan.quality import combine
from servicekartan.roadgraph import RoadGraph

__all__ = [
    "ACCESS_COLUMNS",
    "AVERAGE_SPEED_KMH",
    "CIRCUITY_FACTOR",
    "CIRCUITY_SOURCE",
    "MAX_SNAP_M",
    "METHODS",
    "METHOD_ESTIMATE",
    "METHOD_NETWORK",
    "METHOD_NO_LOCATION",
    "METHOD_NO_SERVICE",
    "METHOD_UNREACHABLE",
    "SPEED_SOURCE",
    "YEAR_CEILING",
    "YEAR_FLOOR",
    "AccessModel",
    "ScenarioResult",
    "access_table",
    "is_active",
    "method_text",
    "nearest",
    "road_estimate",
    "scenario",
    "years_in_data",
]

# --------------------------------------------------------------------------------------------- model


class AccessModel(Scenarios):
    """National villages x services, cached per (service type, set of active services): table and scenarios.

    Build once (e.g. cached by the app), then `table()` for the dataset and `scenario()` in milliseconds:
    a scenario reuses the cached KD-tree and nearest arrays and recomputes only the affected villages.
    """

    def __init__(
        self,
        villages: pd.DataFrame,
        services: pd.DataFrame,
        population: pd.DataFrame | None = None,
        *,
        graph: RoadGraph | None = None,
        circuity: float = CIRCUITY_FACTOR,
        speed_kmh: float = AVERAGE_SPEED_KMH,
        max_snap_m: float = MAX_SNAP_M,
        kinds: tuple[str, ...] | None = DEFAULT_KINDS,
        types: Sequence[str] = SERVICE_TYPE_IDS,
        workers: int = 1,
    ) -> None:
        self.villages = villages.reset_index(drop=True)
        v = self.villages
        self.vid = v["village_id"].to_numpy(object)
        self.vxy = np.c_[v["x"].to_numpy(float), v["y"].to_numpy(float)]
        self.valid = np.isfinite(self.vxy).all(axis=1)
        self.services = _Services.from_frame(services)
        self.population = population
        self.graph = graph
        self.circuity, self.speed_kmh, self.max_snap_m = float(circuity), float(speed_kmh), float(max_snap_m)
        self.kinds = kinds
        self.types = tuple(types)
        self.workers = workers
        self._of_type = {t: np.flatnonzero(self.services.types == t) for t in self.types}
        self._id_pos = pd.Index(self.services.ids)
        kom = v["municipality_code"].astype(object).fillna("").to_numpy(object)
        lan = v["county_code"].astype(object).fillna("").to_numpy(object)
        self._kom_codes, self._kom = np.unique(kom.astype(str), return_inverse=True)
        self._lan_codes, self._lan = np.unique(lan.astype(str), return_inverse=True)
        self._states: dict[tuple[str, bytes], _State] = {}
        self._weights: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]] = {}
        self._snap: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_catalog(cls, use_road_graph: bool = True, **kwargs) -> AccessModel:
        """The national model from the built datasets (and data/raw/roads when present); cache it in the app."""
        from servicekartan import catalog, roadgraph

        graph = roadgraph.read_graph() if use_road_graph and roadgraph.exists() else None
        return cls(
            catalog.read("villages"), catalog.read("services"), catalog.read("population"), graph=graph, **kwargs
        )

    # ---- nearest per (year, type)

    def active(self, year: int, stype: str) -> np.ndarray:
        """Global indices of the services of a type active in a year."""
        idx = self._of_type.get(stype, np.empty(0, np.int64))
        return idx[_active(self.services.opened[idx], self.services.closed[idx], year)]

    def state(self, year: int, stype: str) -> _State:
        """The cached nearest-service state; years with the same active set share it."""
        idx = self.active(year, stype)
        key = (stype, idx.tobytes())
        st = self._states.get(key)
        if st is None:
            n = len(self.vid)
            dist, near = np.full(n, np.nan), np.full(n, -1, np.int64)
            tree = None
            if len(idx):
                tree = cKDTree(self.services.xy[idx])
                if self.valid.any():
                    d, j = tree.query(self.vxy[self.valid], workers=self.workers)
                    dist[self.valid], near[self.valid] = d, idx[j]
            st = _State(
                idx, tree, dist, near, bool(self.services.modelled[idx].any()), combine(self.services.quality[idx])
            )
            self._states[key] = st
        return st

    def row_quality(self, st: _State) -> np.ndarray:
        """Quality of each village's figure: that of its nearest service (a distance to an observed servicepunkt
        is observed even where the rest of the layer is modelled); the layer's quality where there is none."""
        q = np.full(len(self.vid), st.layer_quality, object)
        has = st.near >= 0
        q[has] = self.services.quality[st.near[has]]
        return q

    def _columns(self, st: _State) -> dict:
        if st.columns is not None:
            return st.columns
        n = len(self.vid)
        km = st.dist_m / 1000.0
        near_id = _take_ids(self.services.ids, st.near)
        method = np.full(n, METHOD_ESTIMATE, object)
        if self.graph is None:
            road, minutes = road_estimate(km, self.circuity, self.speed_kmh)
            road_id = near_id
        else:
            road, minutes, road_id, method = self._network(st)
        none = st.near < 0
        method[none] = METHOD_NO_SERVICE
        method[~self.valid] = METHOD_NO_LOCATION
        st.columns = {
            "nearest_service_id": near_id,
            "distance_km": km,
            "road_km": road,
            "minutes": minutes,
            "method": method,
            "road_service_id": road_id,
        }
        return st.columns

    def _network(self, st: _State) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        g = self.graph
        assert g is not None
        if self._snap is None:
            vnode, vsnap = g.snap(np.nan_to_num(self.vxy))
            snode, ssnap = g.snap(self.services.xy)
            self._snap = (vnode, vsnap, snode, ssnap)
        vnode, vsnap, snode, ssnap = self._snap
        n = len(self.vid)
        road, minutes = np.full(n, np.nan), np.full(n, np.nan)
        road_id = np.full(n, None, object)
        method = np.full(n, METHOD_UNREACHABLE, object)
        cand = st.idx[ssnap[st.idx] <= self.max_snap_m]
        if len(cand) == 0:
            return road, minutes, road_id, method
        # One service per source node: the one with the shortest snap leg.
        order = np.lexsort((ssnap[cand], snode[cand]))
        cand = cand[order]
        first = np.r_[True, snode[cand][1:] != snode[cand][:-1]]
        src_nodes, src_service = snode[cand][first], cand[first]  # sorted by node
        v_ok = self.valid & (vsnap <= self.max_snap_m)
        leg_km = vsnap / 1000.0

        def run(weight: str) -> tuple[np.ndarray, np.ndarray]:
            cost, src = g.nearest_source(src_nodes, weight)
            c, s = cost[vnode], src[vnode]
            reach = v_ok & np.isfinite(c) & (s >= 0)
            svc = np.full(n, -1, np.int64)
            svc[reach] = src_service[np.searchsorted(src_nodes, s[reach])]
            return np.where(reach, c, np.nan), svc

        c_len, svc = run("length")
        reach = svc >= 0
        road[reach] = c_len[reach] + leg_km[reach] + ssnap[svc[reach]] / 1000.0
        if g.minutes is not None:
            c_min, msvc = run("minutes")
            ok = msvc >= 0
            minutes[ok] = c_min[ok] + (leg_km[ok] + ssnap[msvc[ok]] / 1000.0) / self.speed_kmh * 60.0
        else:
            minutes[reach] = road[reach] / self.speed_kmh * 60.0
        road_id[reach] = self.services.ids[svc[reach]]
        method[reach] = METHOD_NETWORK
        return road, minutes, road_id, method

    def table(self, years: Sequence[int] | None = None) -> pd.DataFrame:
        """The `village_access` table: every village x service type x year."""
        if years is None:
            years = years_in_data(pd.DataFrame({"opened": self.services.opened, "closed": self.services.closed}))
        years = [int(y) for y in years]
        n = len(self.vid)
        parts: list[pd.DataFrame] = []
        for stype in self.types:
            groups: dict[int, tuple[_State, list[int]]] = {}
            for y in years:
                st = self.state(y, stype)
                groups.setdefault(id(st), (st, []))[1].append(y)
            for st, ys in groups.values():
                cols = self._columns(st)
                k = len(ys)
                frame = {
                    "village_id": np.tile(self.vid, k),
                    "year": np.repeat(np.asarray(ys, np.int64), n),
                    "service_type": stype,
                }
                for name, arr in cols.items():
                    frame[name] = np.tile(arr, k)
                frame["quality"] = np.tile(self.row_quality(st), k)
                parts.append(pd.DataFrame(frame))
        if not parts:
            return pd.DataFrame({c: [] for c in ACCESS_COLUMNS})
        out = pd.concat(parts, ignore_index=True)
        for c in ("distance_km", "road_km", "minutes"):
            out[c] = out[c].astype(float)
        return out[list(ACCESS_COLUMNS)]


# --------------------------------------------------------------------------------------------- pure API


def access_table(
    villages: pd.DataFrame,
    services: pd.DataFrame,
    years: Sequence[int] | None = None,
    graph: RoadGraph | None = None,
    **kwargs,
) -> pd.DataFrame:
    """The `village_access` table for every village, service type and year (default: years_in_data)."""
    return AccessModel(villages, services, graph=graph, **kwargs).table(
        years if years is not None else years_in_data(services)
    )


def scenario(
    villages: pd.DataFrame,
    population: pd.DataFrame,
    services: pd.DataFrame,
    year: int,
    close_ids: Iterable[str] = (),
    open_points: Sequence[Mapping] = (),
    thresholds_km: Sequence[float] = THRESHOLDS_KM,
    thresholds_min: Sequence[float] = THRESHOLDS_MIN,
    **kwargs,
) -> ScenarioResult:
    """Pure what-if: close service ids and/or open points ({service_type, village_id | x,y | lat,lon, name}).

    For repeated scenarios keep an `AccessModel` instead (it caches the trees and base table).
    """
    model = AccessModel(villages, services, population, **kwargs)
    return model.scenario(year, close_ids, open_points, thresholds_km, thresholds_min)
