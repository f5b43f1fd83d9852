"""What-if scenarios of the access engine: close services and/or open new ones in a year and recompute only the
affected villages (a mixin of `servicekartan.access.AccessModel`, which owns the cached trees and states)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from servicekartan.access_base import METHOD_ESTIMATE, _active, _State, road_estimate
from servicekartan.definitions import COUNTRY_CODE, THRESHOLDS_KM, THRESHOLDS_MIN
from servicekartan.indicators import village_population
from servicekartan.kdtree import cKDTree


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


class Scenarios:
    """AccessModel's scenario methods (uses its villages, services, states and area codes)."""

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
