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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from servicekartan.definitions import (
    ACCESS_YEARS,
    COUNTRY_CODE,
    QUALITY_MODELLED,
    QUALITY_OBSERVED,
    SERVICE_TYPE_IDS,
    THRESHOLDS_KM,
    THRESHOLDS_MIN,
)
from servicekartan.indicators import DEFAULT_KINDS, village_population
from servicekartan.kdtree import cKDTree
from servicekartan.quality import combine
from servicekartan.roadgraph import RoadGraph

# Road distance ~ straight line x circuity. Ballou, Rahardja & Sakai (2002) estimate national road
# circuity factors from sampled city pairs, about 1.3 for Europe. Corroborated by Wang, Bette,
# Schreckenberg & Guhr (2024), npj Complexity 1, 22 (doi:10.1038/s44260-024-00023-x): "1.3 +/- 0.1
# times longer than the crow flies" on large motorway networks, and by an average radial detour of
# 1.343 over 300 European urban regions (Environment and Planning B, 2023, doi:10.1177/23998083231168870).
CIRCUITY_FACTOR: float = 1.3
CIRCUITY_SOURCE: str = (
    "Ballou, R.H., Rahardja, H. & Sakai, N. (2002). Selected country circuity factors for road and rail "
    "network planning. Transportation Research Part A 36(9), 843-848 (road circuity about 1.3 for Europe)"
)
# Average door-to-door speed by car on rural roads: Sweden's default limit outside built-up areas.
AVERAGE_SPEED_KMH: float = 70.0
SPEED_SOURCE: str = (
    "70 km/h: Swedish default speed limit outside built-up areas (trafikförordningen 1998:1276, 3 kap. 17 §)"
)
# A village or service farther than this from every road node is off the network.
MAX_SNAP_M: float = 5_000.0

METHOD_ESTIMATE = "estimate"
METHOD_NETWORK = "network"
METHOD_UNREACHABLE = "unreachable"
METHOD_NO_SERVICE = "no_service"
METHOD_NO_LOCATION = "no_location"
METHODS: tuple[str, ...] = (METHOD_ESTIMATE, METHOD_NETWORK, METHOD_UNREACHABLE, METHOD_NO_SERVICE, METHOD_NO_LOCATION)

# Years outside this window are not tabulated even if a service's opened/closed lies there.
YEAR_FLOOR, YEAR_CEILING = 2000, 2050

ACCESS_COLUMNS: tuple[str, ...] = (
    "village_id",
    "year",
    "service_type",
    "nearest_service_id",
    "distance_km",
    "road_km",
    "minutes",
    "method",
    "quality",
    "road_service_id",  # the service nearest by road (network mode); = nearest_service_id for estimates
)


def method_text(circuity: float = CIRCUITY_FACTOR, speed_kmh: float = AVERAGE_SPEED_KMH) -> str:
    """One paragraph for provenance and the method page."""
    return (
        "Nearest active service per village, type and year (opened <= year < closed); distance_km is the "
        f"straight line in SWEREF 99 TM. method=estimate: road_km = straight line x {circuity:g} ({CIRCUITY_SOURCE}); "
        f"minutes at {speed_kmh:g} km/h ({SPEED_SOURCE}). method=network: shortest path on the road graph "
        "(multi-source Dijkstra) plus straight snap legs; unreachable = no road link (NaN)."
    )


# --------------------------------------------------------------------------------------------- basics


def is_active(opened: Iterable, closed: Iterable, year: int) -> np.ndarray:
    """`opened <= year < closed` per service, a missing opened/closed year being open-ended."""
    o = pd.to_numeric(pd.Series(list(opened), dtype=object), errors="coerce").to_numpy(float, na_value=np.nan)
    c = pd.to_numeric(pd.Series(list(closed), dtype=object), errors="coerce").to_numpy(float, na_value=np.nan)
    return _active(o, c, year)


def _active(opened: np.ndarray, closed: np.ndarray, year: int) -> np.ndarray:
    o = np.where(np.isnan(opened), -np.inf, opened)
    c = np.where(np.isnan(closed), np.inf, closed)
    return (o <= year) & (year < c)


def years_in_data(services: pd.DataFrame, base: Sequence[int] = ACCESS_YEARS) -> list[int]:
    """ACCESS_YEARS plus every year spanned by the services' opened/closed years (within YEAR_FLOOR..YEAR_CEILING),
    starting the year before the first opening so that every change has a "before"."""
    years = set(int(y) for y in base)
    events = pd.concat([services["opened"], services["closed"]]).dropna() if len(services) else pd.Series([])
    if len(events):
        lo = max(min(int(events.min()) - 1, min(years, default=int(events.min()))), YEAR_FLOOR)
        hi = min(max(int(events.max()), max(years, default=int(events.max()))), YEAR_CEILING)
        years |= set(range(lo, hi + 1))
    return sorted(years)


def nearest(points: np.ndarray, targets: np.ndarray, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line nearest target per point via cKDTree: (distance in input units, target index).

    Points with a NaN coordinate, or no targets at all, give distance NaN and index -1.
    """
    points = np.asarray(points, float).reshape(-1, 2)
    targets = np.asarray(targets, float).reshape(-1, 2)
    dist = np.full(len(points), np.nan)
    idx = np.full(len(points), -1, np.int64)
    ok = np.isfinite(points).all(axis=1)
    if len(targets) and ok.any():
        d, j = cKDTree(targets).query(points[ok], workers=workers)
        dist[ok], idx[ok] = d, j
    return dist, idx


def road_estimate(
    distance_km: np.ndarray, circuity: float = CIRCUITY_FACTOR, speed_kmh: float = AVERAGE_SPEED_KMH
) -> tuple[np.ndarray, np.ndarray]:
    """Straight line (km) -> (road_km, minutes) by the circuity factor and average speed."""
    road = np.asarray(distance_km, float) * circuity
    return road, road / speed_kmh * 60.0


# --------------------------------------------------------------------------------------------- model


@dataclass
class _Services:
    ids: np.ndarray
    types: np.ndarray
    names: np.ndarray
    xy: np.ndarray
    opened: np.ndarray
    closed: np.ndarray
    modelled: np.ndarray
    quality: np.ndarray  # observed / observed_partial / modelled per service (servicekartan.quality)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> _Services:
        df = df[np.isfinite(df["x"].to_numpy(float)) & np.isfinite(df["y"].to_numpy(float))]
        quality = df["quality"] if "quality" in df.columns else pd.Series(QUALITY_OBSERVED, index=df.index)
        names = df["name"] if "name" in df.columns else pd.Series(None, index=df.index, dtype=object)
        return cls(
            ids=df["service_id"].to_numpy(object),
            types=df["service_type"].to_numpy(object),
            names=names.to_numpy(object),
            xy=np.c_[df["x"].to_numpy(float), df["y"].to_numpy(float)],
            opened=pd.to_numeric(df["opened"], errors="coerce").to_numpy(float, na_value=np.nan),
            closed=pd.to_numeric(df["closed"], errors="coerce").to_numpy(float, na_value=np.nan),
            modelled=(quality == QUALITY_MODELLED).to_numpy(bool),
            quality=quality.astype(str).to_numpy(object),
        )


@dataclass
class _State:
    """Nearest active service of one type for every village, for one set of active services."""

    idx: np.ndarray  # global indices of the active services
    tree: cKDTree | None
    dist_m: np.ndarray  # straight line, NaN when no service / no location
    near: np.ndarray  # global service index, -1 when none
    modelled: bool
    layer_quality: str = QUALITY_OBSERVED  # worst quality among the active services (servicekartan.quality)
    columns: dict | None = None  # per-village output columns (built once per state)
    beyond: dict = field(default_factory=dict)  # (threshold, unit) -> cached area sums


@dataclass
class ScenarioResult:
    """What a set of closures and openings changes in one year."""

    year: int
    villages: pd.DataFrame  # one row per affected (village, service type): old vs new nearest
    areas: pd.DataFrame  # population beyond each threshold before/after, per touched area and type
    opened: pd.DataFrame  # the new service points as placed
    ignored: tuple[str, ...]  # closed ids that were not active in the year (no effect)

    @property
    def people_farther(self) -> float:
        """Population (of the counted kinds) whose nearest service got farther away."""
        v = self.villages
        return float(v.loc[v["change_km"].fillna(np.inf) > 0, "population"].fillna(0).sum()) if len(v) else 0.0


class AccessModel:
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

    # ---- scenarios

    def _year_weights(self, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
        """Counted population per village (0 outside `kinds` or unknown), its totals per kommun, län and
        Sverige, and the raw population per village (NaN when unknown)."""
        if year not in self._weights:
            n = len(self.vid)
            raw = np.full(n, np.nan) if self.population is None else village_population(self.population, self.vid, year)
            w = np.nan_to_num(raw, nan=0.0)
            if self.kinds is not None and "kind" in self.villages.columns:
                w = np.where(self.villages["kind"].isin(self.kinds).to_numpy(), w, 0.0)
            self._weights[year] = (
                w,
                np.bincount(self._kom, w, minlength=len(self._kom_codes)),
                np.bincount(self._lan, w, minlength=len(self._lan_codes)),
                float(w.sum()),
                raw,
            )
        return self._weights[year]

    def _is_beyond(self, dist_m: np.ndarray, threshold: float, unit: str) -> np.ndarray:
        """Farther than a threshold (km straight line, or minutes by the road estimate); no service = beyond."""
        km = dist_m / 1000.0
        value = km if unit == "km" else km * self.circuity / self.speed_kmh * 60.0
        return np.where(np.isnan(value), True, value > threshold)

    def _base_beyond(self, st: _State, year: int, threshold: float, unit: str) -> tuple[np.ndarray, np.ndarray, float]:
        key = (year, float(threshold), unit)
        if key not in st.beyond:
            w = self._year_weights(year)[0] * self._is_beyond(st.dist_m, threshold, unit)
            st.beyond[key] = (
                np.bincount(self._kom, w, minlength=len(self._kom_codes)),
                np.bincount(self._lan, w, minlength=len(self._lan_codes)),
                float(w.sum()),
            )
        return st.beyond[key]

    def _open_points(self, open_points: Sequence[Mapping]) -> pd.DataFrame:
        rows = []
        vpos = pd.Index(self.vid)
        for k, p in enumerate(open_points, 1):
            stype = p.get("service_type")
            if stype not in self.types:
                raise ValueError(f"unknown service type {stype!r} (expected one of {', '.join(self.types)})")
            if p.get("village_id") is not None:
                if p["village_id"] not in vpos:
                    raise ValueError(f"unknown village_id {p['village_id']!r}")
                x, y = self.vxy[vpos.get_loc(p["village_id"])]
            elif p.get("x") is not None and p.get("y") is not None:
                x, y = float(p["x"]), float(p["y"])
            elif p.get("lat") is not None and p.get("lon") is not None:
                from servicekartan.geo import to_sweref

                xs, ys = to_sweref(np.array([p["lat"]]), np.array([p["lon"]]))
                x, y = float(xs[0]), float(ys[0])
            else:
                raise ValueError("an opened service needs village_id, x/y (SWEREF 99 TM) or lat/lon")
            if not (np.isfinite(x) and np.isfinite(y)):
                raise ValueError(f"opened service {k} has no valid position")
            rows.append(
                {
                    "service_id": str(p.get("service_id") or f"new:{k}"),
                    "service_type": stype,
                    "name": p.get("name"),
                    "x": x,
                    "y": y,
                }
            )
        return pd.DataFrame(rows, columns=["service_id", "service_type", "name", "x", "y"])

    def scenario(
        self,
        year: int,
        close_ids: Iterable[str] = (),
        open_points: Sequence[Mapping] = (),
        thresholds_km: Sequence[float] = THRESHOLDS_KM,
        thresholds_min: Sequence[float] = THRESHOLDS_MIN,
    ) -> ScenarioResult:
        """Close services and/or open new ones in a year; recompute only the affected villages.

        A closure affects the villages whose nearest service was closed; an opening affects the
        villages closer to the new point than to their current nearest. Distances are straight lines
        (SWEREF 99 TM); minutes use the road estimate (circuity x straight line at the average speed)
        on both sides, also when the base table came from a road network.
        """
        year = int(year)
        close_ids = list(dict.fromkeys([close_ids] if isinstance(close_ids, str) else close_ids))
        unknown = [c for c in close_ids if c not in self._id_pos]
        if unknown:
            raise ValueError(f"unknown service ids: {unknown[:5]}")
        opened = self._open_points(open_points)
        s = self.services
        closed_pos = self._id_pos.get_indexer(close_ids).astype(np.int64)
        active_closed = (
            closed_pos[_active(s.opened[closed_pos], s.closed[closed_pos], year)] if len(closed_pos) else closed_pos
        )
        active_closed = active_closed[np.isin(s.types[active_closed], self.types)]
        ignored = tuple(sorted(set(close_ids) - set(s.ids[active_closed])))
        n_s = len(s.ids)
        all_ids = np.concatenate([s.ids, opened["service_id"].to_numpy(object)]) if len(opened) else s.ids
        all_names = np.concatenate([s.names, opened["name"].to_numpy(object)]) if len(opened) else s.names
        touched = list(dict.fromkeys(list(s.types[active_closed]) + list(opened["service_type"])))
        w, tot_kom, tot_lan, tot_all, raw_pop = self._year_weights(year)

        vparts: list[dict] = []
        aparts: list[dict] = []
        specs = [(float(t), "km") for t in thresholds_km] + [(float(t), "min") for t in thresholds_min]
        for stype in (t for t in self.types if t in touched):
            st = self.state(year, stype)
            old_d, old_n = st.dist_m, st.near
            new_d, new_n = old_d.copy(), old_n.copy()
            closed_t = active_closed[s.types[active_closed] == stype]
            hit = np.zeros(len(self.vid), bool)
            if len(closed_t):
                a = np.flatnonzero(np.isin(old_n, closed_t))
                if len(a):
                    hit[a] = True
                    new_d[a], new_n[a] = self._after_closure(st, closed_t, a)
            op = opened[opened["service_type"] == stype]
            if len(op):
                oxy = op[["x", "y"]].to_numpy(float)
                d_op = np.sqrt(((self.vxy[:, None, :] - oxy[None, :, :]) ** 2).sum(axis=2))
                j = np.argmin(d_op, axis=1)
                dmin = d_op[np.arange(len(j)), j]
                better = self.valid & (dmin < np.where(np.isnan(new_d), np.inf, new_d))
                new_d[better] = dmin[better]
                new_n[better] = n_s + op.index.to_numpy()[j[better]]
                hit |= better
            a = np.flatnonzero(hit)
            if not len(a):
                continue
            vparts.append(self._village_rows(stype, a, old_d, old_n, new_d, new_n, all_ids, all_names, raw_pop, st))
            kom_a, lan_a = np.unique(self._kom[a]), np.unique(self._lan[a])
            for thr, unit in specs:
                b_kom, b_lan, b_all = self._base_beyond(st, year, thr, unit)
                delta = w[a] * (
                    self._is_beyond(new_d[a], thr, unit).astype(float) - self._is_beyond(old_d[a], thr, unit)
                )
                d_kom = np.bincount(self._kom[a], delta, minlength=len(self._kom_codes))
                d_lan = np.bincount(self._lan[a], delta, minlength=len(self._lan_codes))
                for level, codes, before, total, change in (
                    ("municipality", self._kom_codes[kom_a], b_kom[kom_a], tot_kom[kom_a], d_kom[kom_a]),
                    ("county", self._lan_codes[lan_a], b_lan[lan_a], tot_lan[lan_a], d_lan[lan_a]),
                    (
                        "country",
                        np.array([COUNTRY_CODE]),
                        np.array([b_all]),
                        np.array([tot_all]),
                        np.array([delta.sum()]),
                    ),
                ):
                    aparts.append(
                        {
                            "area_code": codes,
                            "level": level,
                            "service_type": stype,
                            "threshold": thr,
                            "unit": unit,
                            "population": total,
                            "pop_before": before,
                            "pop_after": before + change,
                            "pop_change": change,
                        }
                    )
        villages = _concat(vparts, _VILLAGE_COLUMNS)
        areas = _concat(aparts, _AREA_COLUMNS[:9])
        with np.errstate(invalid="ignore", divide="ignore"):
            pop = areas["population"].to_numpy(float)
            areas["share_before"] = np.where(pop > 0, areas["pop_before"].to_numpy(float) / pop * 100.0, np.nan)
            areas["share_after"] = np.where(pop > 0, areas["pop_after"].to_numpy(float) / pop * 100.0, np.nan)
        areas["share_change"] = areas["share_after"] - areas["share_before"]
        return ScenarioResult(year, villages, areas, opened, ignored)

    def _after_closure(self, st: _State, closed_t: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest remaining service for villages `a` after closing `closed_t` (all active, same type)."""
        remaining = st.idx[~np.isin(st.idx, closed_t)]
        if len(remaining) == 0:
            return np.full(len(a), np.nan), np.full(len(a), -1, np.int64)
        if len(closed_t) > 64:  # many closures: a fresh tree beats a deep k-query
            d, j = cKDTree(self.services.xy[remaining]).query(self.vxy[a])
            return d, remaining[j]
        k = min(len(closed_t) + 1, len(st.idx))
        d, j = st.tree.query(self.vxy[a], k=k)
        d, j = d.reshape(len(a), k), j.reshape(len(a), k)
        cand = st.idx[j]
        ok = ~np.isin(cand, closed_t)
        first = np.argmax(ok, axis=1)
        rows = np.arange(len(a))
        return d[rows, first], cand[rows, first]

    def _village_rows(
        self,
        stype: str,
        a: np.ndarray,
        old_d: np.ndarray,
        old_n: np.ndarray,
        new_d: np.ndarray,
        new_n: np.ndarray,
        all_ids: np.ndarray,
        all_names: np.ndarray,
        pop: np.ndarray,
        st: _State,
    ) -> dict:
        v = self.villages
        o_km, n_km = old_d[a] / 1000.0, new_d[a] / 1000.0
        o_road, o_min = road_estimate(o_km, self.circuity, self.speed_kmh)
        n_road, n_min = road_estimate(n_km, self.circuity, self.speed_kmh)
        on, nn = old_n[a], new_n[a]
        return {
            "village_id": self.vid[a],
            "name": v["name"].to_numpy(object)[a] if "name" in v.columns else None,
            "municipality_code": self._kom_codes[self._kom[a]],
            "county_code": self._lan_codes[self._lan[a]],
            "population": pop[a],
            "service_type": stype,
            "old_service_id": _take_ids(all_ids, on),
            "old_service_name": _take_ids(all_names, on),
            "old_distance_km": o_km,
            "new_service_id": _take_ids(all_ids, nn),
            "new_service_name": _take_ids(all_names, nn),
            "new_distance_km": n_km,
            "change_km": n_km - o_km,
            "old_road_km": o_road,
            "new_road_km": n_road,
            "old_minutes": o_min,
            "new_minutes": n_min,
            "method": METHOD_ESTIMATE,
            "quality": st.layer_quality,
        }


_VILLAGE_COLUMNS: tuple[str, ...] = (
    "village_id",
    "name",
    "municipality_code",
    "county_code",
    "population",
    "service_type",
    "old_service_id",
    "old_service_name",
    "old_distance_km",
    "new_service_id",
    "new_service_name",
    "new_distance_km",
    "change_km",
    "old_road_km",
    "new_road_km",
    "old_minutes",
    "new_minutes",
    "method",
    "quality",
)
_AREA_COLUMNS: tuple[str, ...] = (
    "area_code",
    "level",
    "service_type",
    "threshold",
    "unit",
    "population",
    "pop_before",
    "pop_after",
    "pop_change",
    "share_before",
    "share_after",
    "share_change",
)


_FLOAT_COLUMNS = frozenset(
    {"population", "threshold", "pop_before", "pop_after", "pop_change"}
    | {f"{a}_{b}" for a in ("old", "new") for b in ("distance_km", "road_km", "minutes")}
    | {"change_km"}
)


def _take_ids(ids: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """ids[pos] as an object array, None where pos < 0."""
    out = np.full(len(pos), None, dtype=object)
    ok = pos >= 0
    out[ok] = ids[pos[ok]]
    return out


def _concat(parts: list[dict], columns: Sequence[str]) -> pd.DataFrame:
    """Column dicts (arrays or scalars) -> one frame, without a pandas concat per part."""
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float if c in _FLOAT_COLUMNS else object) for c in columns})
    lengths = [max((len(x) for x in p.values() if isinstance(x, np.ndarray)), default=1) for p in parts]
    data = {}
    for c in columns:
        chunks = [
            p[c] if isinstance(p[c], np.ndarray) else np.full(n, p[c], dtype=object)
            for p, n in zip(parts, lengths, strict=True)
        ]
        data[c] = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    return pd.DataFrame(data)


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
