"""Closing or opening service points -> what changes on the 1 km grid: the affected squares, their people, how much
further they travel (distribution) and every threshold share before/after for the kommuner and län touched.

Pure numpy/pandas. `GridBase` (the squares and their tree) and `TypeState` (per service type: the active points,
each square's nearest point and distance, the squares of each point and the base counts within each threshold
per kommun/län) are built once and cached by the caller; `scenario` then recomputes only the affected squares:
for a closure the squares whose nearest point is closed (next nearest remaining point from the points' tree),
for an opening the squares lying closer to the new point than to their current nearest (`query_ball_point` with
the largest current distance, then a comparison). Straight line from the square's centre, SWEREF 99 TM; the grid
year is the catchments' (latest) year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from servicekartan.catchments import Squares, active_points, nearest_point
from servicekartan.definitions import COUNTRY_CODE, THRESHOLDS_KM
from servicekartan.kdtree import cKDTree

# Bands of the distance increase (km) for the histogram; the last band is open-ended.
INCREASE_BANDS_KM: tuple[float, ...] = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0)
QUANTILES: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


@dataclass(frozen=True)
class GridBase:
    """The squares, their tree and their kommun/län as small integers (shared by every type)."""

    sq: Squares
    tree: cKDTree
    kom: np.ndarray
    kom_codes: np.ndarray
    lan: np.ndarray
    lan_codes: np.ndarray

    @classmethod
    def build(cls, sq: Squares) -> GridBase:
        kom_codes, kom = np.unique(sq.municipality_code.astype(str), return_inverse=True)
        lan_codes, lan = np.unique(sq.county_code.astype(str), return_inverse=True)
        return cls(sq, cKDTree(sq.xy), kom, kom_codes, lan, lan_codes)


@dataclass(frozen=True)
class TypeState:
    """Per service type: active points, nearest per square, squares per point, base counts within thresholds."""

    base: GridBase
    service_type: str
    points: pd.DataFrame  # service_id, name, x, y, quality …
    tree: cKDTree | None
    dist_m: np.ndarray  # per square; inf without any point
    near: np.ndarray  # per square; -1 without any point
    order: np.ndarray  # squares sorted by nearest point
    starts: np.ndarray  # order[starts[j]:starts[j+1]] are point j's squares
    thresholds_km: tuple[float, ...]
    within_kom: np.ndarray  # (n_kommun, n_thresholds) people within
    within_lan: np.ndarray
    total_kom: np.ndarray
    total_lan: np.ndarray
    max_dist_m: float
    id_pos: pd.Index = field(repr=False)

    @classmethod
    def build(
        cls, base: GridBase, services: pd.DataFrame, service_type: str, thresholds_km: Sequence[float] = THRESHOLDS_KM
    ) -> TypeState:
        sq = base.sq
        pts = active_points(services, service_type, sq.year)
        d, j = nearest_point(sq, pts)
        order = np.argsort(j, kind="stable")
        starts = np.searchsorted(j[order], np.arange(len(pts) + 1))
        thr = tuple(float(t) for t in thresholds_km)
        within = (d[:, None] <= np.asarray(thr)[None, :] * 1000.0) * sq.population[:, None]
        wk = np.zeros((len(base.kom_codes), len(thr)))
        wl = np.zeros((len(base.lan_codes), len(thr)))
        np.add.at(wk, base.kom, within)
        np.add.at(wl, base.lan, within)
        return cls(
            base=base,
            service_type=service_type,
            points=pts,
            tree=cKDTree(np.c_[pts["x"].to_numpy(float), pts["y"].to_numpy(float)]) if len(pts) else None,
            dist_m=d,
            near=j,
            order=order,
            starts=starts,
            thresholds_km=thr,
            within_kom=wk,
            within_lan=wl,
            total_kom=np.bincount(base.kom, sq.population, minlength=len(base.kom_codes)),
            total_lan=np.bincount(base.lan, sq.population, minlength=len(base.lan_codes)),
            max_dist_m=float(d[np.isfinite(d)].max()) if np.isfinite(d).any() else 0.0,
            id_pos=pd.Index(pts["service_id"].astype(str)),
        )

    def squares_of(self, point_rows: np.ndarray) -> np.ndarray:
        """The squares whose nearest point is one of `point_rows`."""
        parts = [self.order[self.starts[p] : self.starts[p + 1]] for p in point_rows]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)


@dataclass(frozen=True)
class GridScenario:
    """The changed squares and the summaries of a grid what-if."""

    state: TypeState
    closed: tuple[str, ...]  # closed ids that were active points of the type
    ignored: tuple[str, ...]  # ids that are not active points of the type (no effect)
    opened: tuple[str, ...]
    opened_points: tuple[dict, ...]  # {service_id, x, y, name} as placed
    cells: np.ndarray  # square rows whose distance changed
    old_km: np.ndarray
    new_km: np.ndarray  # inf where no point is left
    new_near: np.ndarray  # -1 = none left, >= len(points) = an opened point

    @property
    def people(self) -> np.ndarray:
        return self.state.base.sq.population[self.cells]

    @property
    def change_km(self) -> np.ndarray:
        return self.new_km - self.old_km

    def people_farther(self) -> float:
        return float(self.people[self.change_km > 0].sum())

    def people_closer(self) -> float:
        return float(self.people[self.change_km < 0].sum())

    def increase_quantiles(self, qs: Sequence[float] = QUANTILES) -> dict[float, float]:
        """People-weighted quantiles of the distance increase (km) among the people who travel further."""
        up = self.change_km > 0
        return weighted_quantiles(self.change_km[up], self.people[up], qs)

    def increase_histogram(self, bands: Sequence[float] = INCREASE_BANDS_KM) -> pd.DataFrame:
        """People per band of distance increase (km): lower, upper (inf for the last), people, squares."""
        up = self.change_km > 0
        edges = np.r_[np.asarray(bands, float), np.inf]
        band = np.searchsorted(edges, self.change_km[up], "left") - 1
        band = np.clip(band, 0, len(bands) - 1)
        people = np.bincount(band, self.people[up], minlength=len(bands))
        squares = np.bincount(band, minlength=len(bands))
        return pd.DataFrame({"lower_km": edges[:-1], "upper_km": edges[1:], "people": people, "squares": squares})

    def thresholds(self, extra_areas: Sequence[str] = ()) -> pd.DataFrame:
        """Share within every threshold before/after for each kommun and län with a changed square (and
        `extra_areas`, e.g. the page's area; Sverige = 00)."""
        st, b = self.state, self.state.base
        thr = np.asarray(st.thresholds_km) * 1000.0
        old_in = self.old_km[:, None] * 1000.0 <= thr[None, :]
        new_in = self.new_km[:, None] * 1000.0 <= thr[None, :]
        delta = (new_in.astype(float) - old_in) * self.people[:, None]
        rows = []
        kom_hit = set(b.kom[self.cells].tolist())
        lan_hit = set(b.lan[self.cells].tolist())
        for code in extra_areas:
            if len(code) == 4 and code in set(b.kom_codes):
                kom_hit.add(int(np.searchsorted(b.kom_codes, code)))
            elif len(code) == 2 and code in set(b.lan_codes):
                lan_hit.add(int(np.searchsorted(b.lan_codes, code)))
        levels = (
            ("municipality", b.kom, b.kom_codes, st.within_kom, st.total_kom, sorted(kom_hit)),
            ("county", b.lan, b.lan_codes, st.within_lan, st.total_lan, sorted(lan_hit)),
        )
        for level, idx, codes, within, total, hit in levels:
            for a in hit:
                d = delta[idx[self.cells] == a].sum(axis=0)
                rows.append(_threshold_rows(codes[a], level, st.thresholds_km, within[a], d, total[a]))
        if COUNTRY_CODE in extra_areas:
            rows.append(
                _threshold_rows(
                    COUNTRY_CODE, "country", st.thresholds_km, st.within_kom.sum(0), delta.sum(0), st.total_kom.sum()
                )
            )
        cols = ["area_code", "level", "threshold_km", "population", "share_within_before", "share_within_after"]
        out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)
        return out.assign(change_pp=out["share_within_after"] - out["share_within_before"])

    def table(self) -> pd.DataFrame:
        """One row per changed square: id, kommun, people, nearest and distance before/after, change."""
        st, sq = self.state, self.state.base.sq
        names = st.points["name"].astype(str).to_numpy(object)
        ids = st.points["service_id"].astype(str).to_numpy(object)
        new_ids = np.r_[ids, np.asarray(self.opened, object)]

        def pick(arr: np.ndarray, j: np.ndarray) -> np.ndarray:
            out = np.full(len(j), None, object)
            out[j >= 0] = arr[j[j >= 0]]
            return out

        return pd.DataFrame(
            {
                "cell_id": sq.cell_id[self.cells],
                "municipality_code": sq.municipality_code[self.cells],
                "population": self.people,
                "old_service_id": pick(ids, st.near[self.cells]),
                "old_service_name": pick(names, st.near[self.cells]),
                "old_distance_km": self.old_km,
                "new_service_id": pick(new_ids, self.new_near),
                "new_distance_km": np.where(np.isfinite(self.new_km), self.new_km, np.nan),
                "change_km": np.where(np.isfinite(self.new_km), self.change_km, np.nan),
                "grid_year": sq.year,
                "service_type": st.service_type,
            }
        )


def _threshold_rows(
    code: str, level: str, thr: Sequence[float], within: np.ndarray, delta: np.ndarray, total: float
) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        before = np.where(total > 0, within / total * 100.0, np.nan)
        after = np.where(total > 0, (within + delta) / total * 100.0, np.nan)
    return pd.DataFrame(
        {
            "area_code": code,
            "level": level,
            "threshold_km": np.asarray(thr, float),
            "population": float(total),
            "share_within_before": before,
            "share_within_after": after,
        }
    )


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: Sequence[float]) -> dict[float, float]:
    """Quantiles of `values` weighted by `weights` (the value at which the cumulative weight reaches q)."""
    if not len(values) or float(np.sum(weights)) <= 0:
        return {float(q): float("nan") for q in qs}
    o = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[o], np.asarray(weights, float)[o]
    cum = np.cumsum(w) / w.sum()
    return {float(q): float(v[min(int(np.searchsorted(cum, q - 1e-12, "left")), len(v) - 1)]) for q in qs}


def scenario(state: TypeState, close_ids: Sequence[str] = (), open_points: Sequence[Mapping] = ()) -> GridScenario:
    """Close the points `close_ids` and open `open_points` ({service_id, x, y} in SWEREF 99 TM) of the state's type.

    Only the affected squares are recomputed (see the module docstring)."""
    sq = state.base.sq
    pos = state.id_pos.get_indexer([str(c) for c in close_ids])
    closed_rows = np.unique(pos[pos >= 0])
    closed = tuple(str(state.points["service_id"].iloc[p]) for p in closed_rows)
    ignored = tuple(sorted({str(c) for c in close_ids} - set(closed)))
    n_pts = len(state.points)
    cur_d = state.dist_m
    nd, nj = cur_d.copy(), state.near.copy()
    if len(closed_rows) and state.tree is not None:
        a = state.squares_of(closed_rows)
        k = min(len(closed_rows) + 1, n_pts)
        d, j = state.tree.query(sq.xy[a], k=k)
        d, j = d.reshape(len(a), k), j.reshape(len(a), k)
        ok = ~np.isin(j, closed_rows) & (j < n_pts)
        first = np.argmax(ok, axis=1)
        has = ok[np.arange(len(a)), first]
        nd[a] = np.where(has, d[np.arange(len(a)), first], np.inf)
        nj[a] = np.where(has, j[np.arange(len(a)), first], -1)
    opened: list[str] = []
    placed: list[dict] = []
    for k, p in enumerate(open_points):
        x, y = float(p["x"]), float(p["y"])
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        opened.append(str(p.get("service_id") or f"open:{k}"))
        placed.append({"service_id": opened[-1], "x": x, "y": y, "name": str(p.get("name") or opened[-1])})
        finite = nd[np.isfinite(nd)]
        if len(finite) < len(nd):  # some squares have no point left: every square is a candidate
            cand = np.arange(len(sq))
        else:  # a square gains only if the new point is closer than its current nearest
            cand = np.asarray(state.base.tree.query_ball_point((x, y), float(finite.max())), np.int64)
        if not len(cand):
            continue
        dn = np.hypot(sq.xy[cand, 0] - x, sq.xy[cand, 1] - y)
        better = dn < nd[cand]
        nd[cand[better]] = dn[better]
        nj[cand[better]] = n_pts + len(opened) - 1
    cells = np.flatnonzero(nd != cur_d)
    return GridScenario(
        state=state,
        closed=closed,
        ignored=ignored,
        opened=tuple(opened),
        opened_points=tuple(placed),
        cells=cells,
        old_km=cur_d[cells] / 1000.0,
        new_km=nd[cells] / 1000.0,
        new_near=nj[cells],
    )


def summary_row(res: GridScenario) -> dict[str, float]:
    """The headline numbers: squares and people farther/closer, quantiles of the increase (km)."""
    q = res.increase_quantiles()
    return {
        "squares": float(len(res.cells)),
        "people_farther": res.people_farther(),
        "people_closer": res.people_closer(),
        **{f"increase_p{round(k * 100)}_km": v for k, v in q.items()},
    }
