"""1 km population squares -> cell ids, kommun/län, in/outside tätort, nearest service per square and type,
and area aggregates (people and share within/beyond each threshold) for Sverige, every län and every kommun.

Pure numpy/pandas (no Streamlit, no etl). Conventions:

- **Cell ids name their grid**: `SCB1km_E{e}N{n}` on SCB's SWEREF 99 TM grid (EPSG:3006) and
  `EU1km_E{e}N{n}` on the European grid (EPSG:3035), e/n = the square's lower-left corner in km, as in
  SCB's `rutid` and Eurostat's `GRD_ID`. The two grids do not line up: a square of one is never a square
  of the other, so figures from different grids are compared by area, never by cell.
- **Kommun by square centre** in kommun polygons (exact even-odd test, vectorised per grid row); a square
  whose centre falls outside every polygon (a skerry, a coastline simplified away) takes the kommun of the
  nearest polygon vertex. Län = the kommun code's first two digits.
- **In a tätort** (model; SCB's tätort polygons are not in the snapshot). Two models, both validated per
  kommun against Kolada N00954 (tätortsgrad) in docs/population_report.md:
  `in_tatort` (used for every figure) — *population-matched*: from the largest tätort down, each tätort
  takes the most populous still-free squares within 2 x the radius of its land-area circle plus
  TATORT_SEARCH_M until their people best match the tätort's published population (nearest vintage);
  `in_tatort_circle` (the issue's first suggestion) — the square's centre lies within the circle of the
  tätort's land area around SCB's tätort point plus half a square (r = sqrt(area / pi) + 500 m). The
  circle model misses much of the tätort population because SCB's point is often far from the built-up
  centre (Uppsala's lies about 5 km west of it): 69 % in tätorter nationally against 88 % official.
- **Access** is `servicekartan.access.AccessModel` run on squares instead of villages: straight line in
  SWEREF 99 TM, road estimate (x circuity) and minutes, or the road network when a graph is given.
  Stored distances are rounded *up* to the metre and minutes to 1/100 (STORED_RESOLUTION): a whole-km or
  whole-minute threshold gives the same answer on stored and exact values, and the file is 3x smaller.
- **Aggregates**: "within N km" = straight line <= N km, "beyond" = > N km or no service of the type at all
  (the same semantics as `servicekartan.indicators`); minutes thresholds use `minutes` (estimate or
  network; `unreachable` counts as beyond). A type with no service at all gives NaN, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Transformer

from servicekartan.access import METHOD_NO_SERVICE, AccessModel
from servicekartan.datasets import columns as dataset_columns
from servicekartan.definitions import (
    COUNTRY_CODE,
    SERVICE_TYPE_IDS,
    THRESHOLDS_KM,
    THRESHOLDS_MIN,
)
from servicekartan.kdtree import cKDTree
from servicekartan.quality import combine as combine_quality
from servicekartan.roadgraph import RoadGraph

GRID_SCB = "SCB1km"  # SCB's grid, SWEREF 99 TM (EPSG:3006)
GRID_EU = "EU1km"  # the European grid, ETRS89-LAEA (EPSG:3035)
GRID_CRS: dict[str, str] = {GRID_SCB: "EPSG:3006", GRID_EU: "EPSG:3035"}
CELL_M: float = 1000.0
HALF_CELL_M: float = CELL_M / 2

# The thresholds (1, 2, 5, 10, 20, 25 km) together with the product's (definitions.THRESHOLDS_KM).
GRID_THRESHOLDS_KM: tuple[int, ...] = tuple(sorted({1, *THRESHOLDS_KM}))
GRID_THRESHOLDS_MIN: tuple[int, ...] = tuple(THRESHOLDS_MIN)
# Stored distances are rounded up to the metre, minutes to 1/100 min (a 3x smaller file than raw floats);
# every whole-km / whole-minute threshold gives the same answer on stored and exact values.
STORED_RESOLUTION: dict[str, float] = {"distance_km": 0.001, "road_km": 0.001, "minutes": 0.01}

# Population bases of the aggregates.
BASIS_ALL = "all"
BASIS_IN_TATORT = "in_tatort"
BASIS_OUTSIDE_TATORT = "outside_tatort"
BASIS_65PLUS = "age_65plus"
BASES: tuple[str, ...] = (BASIS_ALL, BASIS_IN_TATORT, BASIS_OUTSIDE_TATORT, BASIS_65PLUS)

TATORT_SEARCH_M: float = 3_000.0
TATORT_MODEL = (
    "In a tätort (population-matched model): from the largest tätort down, each tätort (SCB tätorter, published "
    "population of the nearest vintage) takes the most populous still-free 1 km squares within twice the radius of "
    f"its land-area circle (r = sqrt(area / pi)) plus {TATORT_SEARCH_M / 1000:g} km around SCB's tätort point until "
    "their people "
    "best match its population; SCB's tätort polygons are not in the snapshot. Validated per kommun against "
    "Kolada N00954 (tätortsgrad)."
)
TATORT_CIRCLE_MODEL = (
    "In a tätort (circle model, in_tatort_circle): the square's centre lies within the circle of the tätort's land "
    "area around SCB's tätort point plus half a square: r = sqrt(area / pi) + 500 m; a square in several circles "
    "belongs to the one it is deepest in (distance / radius)."
)
KOMMUN_MODEL = (
    "Kommun by the square's centre in the kommun polygons (even-odd test); a centre outside every polygon "
    "takes the kommun of the nearest polygon vertex; län = the first two digits of the kommun code."
)

# The grid_indicators columns (datasets.py, the one description) but population_source, which the builder adds.
AGGREGATE_COLUMNS: tuple[str, ...] = tuple(c for c in dataset_columns("grid_indicators") if c != "population_source")


# --------------------------------------------------------------------------------------------- cell ids


def cell_ids(grid: str, x_ll: np.ndarray, y_ll: np.ndarray) -> np.ndarray:
    """`{grid}_E{e}N{n}` with e/n the lower-left corner in km on the grid's CRS (object array)."""
    if grid not in GRID_CRS:
        raise ValueError(f"unknown grid {grid!r} (expected one of {', '.join(GRID_CRS)})")
    e = np.floor(np.asarray(x_ll, float) / CELL_M).astype(np.int64)
    n = np.floor(np.asarray(y_ll, float) / CELL_M).astype(np.int64)
    return (grid + "_E" + pd.Series(e).astype(str) + "N" + pd.Series(n).astype(str)).to_numpy(object)


def parse_cell_id(cell_id: str) -> tuple[str, float, float]:
    """`SCB1km_E394N6133` -> ('SCB1km', centre x, centre y) in metres on the grid's CRS."""
    grid, rest = cell_id.split("_", 1)
    e, n = rest[1:].split("N")
    return grid, int(e) * CELL_M + HALF_CELL_M, int(n) * CELL_M + HALF_CELL_M


@lru_cache(maxsize=8)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def transform(x: np.ndarray, y: np.ndarray, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from one CRS to another (always x = easting/lon, y = northing/lat)."""
    if src == dst:
        return np.asarray(x, float), np.asarray(y, float)
    a, b = _transformer(src, dst).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(a), np.asarray(b)


# --------------------------------------------------------------------------------------------- polygons


def polygon_edges(features: Sequence[Mapping], code_key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GeoJSON (Multi)Polygon features -> (xy, owner, codes) for `locate_on_rows`.

    `xy` stacks every closed ring's vertices (lon, lat); `owner[i]` is the index into `codes` of the feature whose
    ring holds vertex i, or -1 on each ring's last vertex (no edge starts there).
    """
    xy_parts, owner_parts, codes = [], [], []
    for k, feat in enumerate(features):
        codes.append(str(feat["properties"][code_key]))
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polys:
            for ring in poly:
                r = np.asarray(ring, float)[:, :2]
                if len(r) < 3:
                    continue
                if not np.array_equal(r[0], r[-1]):
                    r = np.vstack([r, r[:1]])
                owner = np.full(len(r), k, np.int64)
                owner[-1] = -1
                xy_parts.append(r)
                owner_parts.append(owner)
    return np.concatenate(xy_parts), np.concatenate(owner_parts), np.asarray(codes, object)


def locate_on_rows(px: np.ndarray, py: np.ndarray, xy: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Index of the polygon containing each point (even-odd rule), -1 if none.

    Exact and vectorised for points lying on few distinct rows (a grid): every polygon edge is cut with
    every row it spans, the cuts of one polygon on one row are paired into inside intervals, and each point
    is looked up among the intervals of its row. Half-open rule: an edge spans rows y0 <= y < y1.
    """
    px, py = np.asarray(px, float), np.asarray(py, float)
    out = np.full(len(px), -1, np.int64)
    if not len(px) or not len(xy):
        return out
    rows, prow = np.unique(py, return_inverse=True)
    e = np.flatnonzero(owner >= 0)  # edge i -> i+1
    x0, y0, x1, y1 = xy[e, 0], xy[e, 1], xy[e + 1, 0], xy[e + 1, 1]
    poly = owner[e]
    ylo, yhi = np.minimum(y0, y1), np.maximum(y0, y1)
    i0 = np.searchsorted(rows, ylo, "left")
    i1 = np.searchsorted(rows, yhi, "left")
    cnt = np.maximum(i1 - i0, 0)
    total = int(cnt.sum())
    if total == 0:
        return out
    edge = np.repeat(np.arange(len(e)), cnt)
    start = np.cumsum(cnt) - cnt
    row = i0[edge] + (np.arange(total) - start[edge])
    ry = rows[row]
    ex0, ey0, ex1, ey1 = x0[edge], y0[edge], x1[edge], y1[edge]
    xint = ex0 + (ry - ey0) * (ex1 - ex0) / (ey1 - ey0)
    cpoly = poly[edge]
    order = np.lexsort((xint, cpoly, row))
    row, cpoly, xint = row[order], cpoly[order], xint[order]
    grp = np.r_[True, (row[1:] != row[:-1]) | (cpoly[1:] != cpoly[:-1])]
    gstart = np.maximum.accumulate(np.where(grp, np.arange(total), 0))
    rank = np.arange(total) - gstart
    is_start = (rank % 2 == 0) & np.r_[rank[1:] > rank[:-1], False]  # a start followed by its end
    s = np.flatnonzero(is_start)
    iv_row, iv_lo, iv_hi, iv_poly = row[s], xint[s], xint[s + 1], cpoly[s]
    span = float(max(np.nanmax(np.abs(px)), np.nanmax(np.abs(iv_lo)), np.nanmax(np.abs(iv_hi)))) * 2 + 1.0
    key = iv_row * span + iv_lo
    o = np.argsort(key, kind="stable")
    key, iv_row, iv_hi, iv_poly = key[o], iv_row[o], iv_hi[o], iv_poly[o]
    pkey = prow * span + px
    j = np.searchsorted(key, pkey, "right") - 1
    ok = j >= 0
    jj = np.where(ok, j, 0)
    ok &= (iv_row[jj] == prow) & (px < iv_hi[jj])
    out[ok] = iv_poly[jj[ok]]
    return out


class KommunPolygons:
    """Kommun polygons (WGS 84 GeoJSON) that locate square centres in any grid's CRS."""

    def __init__(self, geojson: Mapping, code_key: str = "id") -> None:
        self.xy, self.owner, self.codes = polygon_edges(geojson["features"], code_key)
        self._projected: dict[str, np.ndarray] = {}

    def vertices(self, crs: str) -> np.ndarray:
        if crs not in self._projected:
            x, y = transform(self.xy[:, 0], self.xy[:, 1], "EPSG:4326", crs)
            self._projected[crs] = np.c_[x, y]
        return self._projected[crs]

    def contains(self, x: np.ndarray, y: np.ndarray, crs: str) -> np.ndarray:
        """Kommun code whose polygon contains each point (None if none). Fast when points lie on grid rows."""
        idx = locate_on_rows(x, y, self.vertices(crs), self.owner)
        out = np.full(len(idx), None, object)
        out[idx >= 0] = self.codes[idx[idx >= 0]]
        return out

    def nearest(self, x: np.ndarray, y: np.ndarray, crs: str) -> np.ndarray:
        """Kommun code of the nearest polygon vertex per point."""
        v = self.vertices(crs)
        keep = self.owner >= 0
        _, j = cKDTree(v[keep]).query(np.c_[np.asarray(x, float), np.asarray(y, float)])
        return self.codes[self.owner[keep][j]]

    def locate(self, x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
        """(kommun code per point, inside a polygon?): containing polygon, else the nearest vertex's kommun."""
        code = self.contains(x, y, crs)
        inside = np.array([c is not None for c in code], bool)
        if (~inside).any():
            code[~inside] = self.nearest(np.asarray(x)[~inside], np.asarray(y)[~inside], crs)
        return code, inside


def county_of(municipality_code: np.ndarray) -> np.ndarray:
    """Län code (2 digits) from kommun codes; None stays None."""
    s = pd.Series(municipality_code, dtype=object)
    return s.str[:2].where(s.notna(), None).to_numpy(object)


# --------------------------------------------------------------------------------------------- tätort model


def tatort_radius_m(area_ha: np.ndarray, half_cell_m: float = HALF_CELL_M) -> np.ndarray:
    """Radius of the circle of a tätort's land area (ha) plus half a square, in metres."""
    return np.sqrt(np.asarray(area_ha, float) * 1e4 / np.pi) + half_cell_m


def tatort_membership(
    cell_xy: np.ndarray, tatort_xy: np.ndarray, area_ha: np.ndarray, tatort_codes: np.ndarray
) -> np.ndarray:
    """The tätort code each square belongs to under the circle model (None = outside every tätort).

    cell_xy and tatort_xy in SWEREF 99 TM metres; see TATORT_MODEL.
    """
    cell_xy = np.asarray(cell_xy, float).reshape(-1, 2)
    n = len(cell_xy)
    out = np.full(n, None, object)
    ok = np.isfinite(np.asarray(tatort_xy, float)).all(axis=1) & np.isfinite(np.asarray(area_ha, float))
    txy, codes = np.asarray(tatort_xy, float)[ok], np.asarray(tatort_codes, object)[ok]
    radius = tatort_radius_m(np.asarray(area_ha, float)[ok])
    if not n or not len(txy):
        return out
    hits = cKDTree(cell_xy).query_ball_point(txy, radius)
    cnt = np.fromiter((len(h) for h in hits), np.int64, len(hits))
    if cnt.sum() == 0:
        return out
    cell = np.concatenate([np.asarray(h, np.int64) for h in hits])
    tat = np.repeat(np.arange(len(txy)), cnt)
    depth = np.hypot(*(cell_xy[cell] - txy[tat]).T) / radius[tat]
    order = np.lexsort((depth, cell))
    cell, tat = cell[order], tat[order]
    first = np.r_[True, cell[1:] != cell[:-1]]
    out[cell[first]] = codes[tat[first]]
    return out


def tatort_matched(
    cell_xy: np.ndarray,
    cell_pop: np.ndarray,
    tatort_xy: np.ndarray,
    area_ha: np.ndarray,
    tatort_pop: np.ndarray,
    tatort_codes: np.ndarray,
    search_m: float = TATORT_SEARCH_M,
) -> np.ndarray:
    """The tätort code each square belongs to under the population-matched model (None = outside); see TATORT_MODEL.

    From the most populous tätort down: the still-free squares within 2 sqrt(area / pi) + search_m of the tätort
    point, most populous first, are taken while the running sum gets closer to the tätort's population.
    """
    cell_xy = np.asarray(cell_xy, float).reshape(-1, 2)
    cell_pop = np.asarray(cell_pop, float)
    out = np.full(len(cell_xy), None, object)
    txy, area, tpop = np.asarray(tatort_xy, float), np.asarray(area_ha, float), np.asarray(tatort_pop, float)
    ok = np.isfinite(txy).all(axis=1) & np.isfinite(area) & np.isfinite(tpop) & (tpop > 0)
    idx = np.flatnonzero(ok)
    if not len(cell_xy) or not len(idx):
        return out
    hits = cKDTree(cell_xy).query_ball_point(txy[idx], 2 * np.sqrt(area[idx] * 1e4 / np.pi) + search_m)
    taken = np.zeros(len(cell_xy), bool)
    codes = np.asarray(tatort_codes, object)
    for k in np.argsort(-tpop[idx], kind="stable"):
        h = np.asarray(hits[k], np.int64)
        h = h[~taken[h]]
        if not len(h):
            continue
        h = h[np.argsort(-cell_pop[h], kind="stable")]
        cum = np.cumsum(cell_pop[h])
        target = tpop[idx[k]]
        n = min(int(np.searchsorted(cum, target, "left")) + 1, len(h))  # first n reaching the target
        if n > 1 and abs(cum[n - 2] - target) <= abs(cum[n - 1] - target):
            n -= 1  # the last square overshoots more than it helps
        taken[h[:n]] = True
        out[h[:n]] = codes[idx[k]]
    return out


# --------------------------------------------------------------------------------------------- access


def grid_access(
    cells: pd.DataFrame,
    services: pd.DataFrame,
    year: int,
    *,
    graph: RoadGraph | None = None,
    types: Sequence[str] = SERVICE_TYPE_IDS,
    workers: int = 1,
) -> pd.DataFrame:
    """Nearest active service (in `year`) per square x type, by the village engine (`AccessModel`).

    cells: cell_id, x, y (SWEREF 99 TM centre), municipality_code, county_code. Returns the `grid_access`
    columns cell_id, year, service_type, nearest_service_id, distance_km, road_km, minutes, method, quality.
    """
    sq = pd.DataFrame(
        {
            "village_id": cells["cell_id"].to_numpy(object),
            "x": cells["x"].to_numpy(float),
            "y": cells["y"].to_numpy(float),
            "municipality_code": cells["municipality_code"].to_numpy(object),
            "county_code": cells["county_code"].to_numpy(object),
        }
    )
    model = AccessModel(sq, services, graph=graph, kinds=None, types=types, workers=workers)
    out = model.table([int(year)]).drop(columns=["road_service_id"])
    for col, step in STORED_RESOLUTION.items():
        out[col] = round_up(out[col].to_numpy(float), step)
    return out.rename(columns={"village_id": "cell_id"})


def round_up(values: np.ndarray, step: float) -> np.ndarray:
    """Round up to a multiple of `step` (NaN stays NaN): `value <= t` is unchanged for every t that is a multiple
    of `step`, so thresholds on stored values equal thresholds on exact ones."""
    q = np.round(np.asarray(values, float) / step, 6)  # absorb float noise such as 2000.0000000002
    return np.ceil(q) * step if step >= 1 else np.ceil(q) / round(1 / step)


def access_arrays(
    access: pd.DataFrame, cell_id: np.ndarray, types: Sequence[str] | None = None
) -> dict[str, dict[str, np.ndarray | str]]:
    """Long grid_access rows (one year) -> per type: distance_km and minutes aligned with `cell_id`, quality.

    A square without a row gets NaN (counted as beyond every threshold).
    """
    pos_index = pd.Index(np.asarray(cell_id, object))
    out: dict[str, dict[str, np.ndarray | str]] = {}
    for stype, g in access.groupby("service_type", sort=False):
        if types is not None and stype not in types:
            continue
        pos = pos_index.get_indexer(g["cell_id"].to_numpy(object))
        keep = pos >= 0
        km, mins = np.full(len(cell_id), np.nan), np.full(len(cell_id), np.nan)
        km[pos[keep]] = g["distance_km"].to_numpy(float)[keep]
        mins[pos[keep]] = g["minutes"].to_numpy(float)[keep]
        no_service = bool((g["method"] == METHOD_NO_SERVICE).all())
        quality = combine_quality(g["quality"].unique())
        out[str(stype)] = {"distance_km": km, "minutes": mins, "quality": quality, "no_service": no_service}
    return out


# --------------------------------------------------------------------------------------------- aggregates


def area_aggregates(
    municipality_code: np.ndarray,
    weights: Mapping[str, np.ndarray],
    access: Mapping[str, Mapping],
    year: int,
    thresholds_km: Sequence[float] = GRID_THRESHOLDS_KM,
    thresholds_min: Sequence[float] = GRID_THRESHOLDS_MIN,
) -> pd.DataFrame:
    """People and share within/beyond every threshold per kommun, län (first two code digits) and Sverige.

    municipality_code: per square; weights: basis -> people per square (e.g. {"all": pop, "age_65plus": ...});
    access: type -> {"distance_km", "minutes", "quality", "no_service"} arrays aligned with the squares
    (see `access_arrays`). One bincount per (type, unit, basis) over (kommun x distance band); län and
    Sverige are sums of kommun rows, so every level adds up exactly.
    """
    kom_codes, kom = np.unique(np.asarray(municipality_code, object).astype(str), return_inverse=True)
    lan_codes, lan_of_kom = np.unique(np.array([c[:2] for c in kom_codes], object), return_inverse=True)
    n_kom, n_lan = len(kom_codes), len(lan_codes)
    area_codes = np.concatenate([kom_codes, lan_codes, [COUNTRY_CODE]]).astype(object)
    levels = np.array(["municipality"] * n_kom + ["county"] * n_lan + ["country"], object)
    n_area = len(area_codes)
    cols: dict[str, list[np.ndarray]] = {c: [] for c in AGGREGATE_COLUMNS}
    for stype, acc in access.items():
        for unit, thresholds, values in (
            ("km", np.asarray(thresholds_km, float), acc["distance_km"]),
            ("min", np.asarray(thresholds_min, float), acc["minutes"]),
        ):
            k = len(thresholds)
            if not k:
                continue
            v = np.where(np.isnan(values), np.inf, values)
            band = np.searchsorted(thresholds, v, "left")  # number of thresholds < value: 0..k
            cell_bin = kom * (k + 1) + band
            for basis, w in weights.items():
                m = np.bincount(cell_bin, np.asarray(w, float), minlength=n_kom * (k + 1)).reshape(n_kom, k + 1)
                ml = np.zeros((n_lan, k + 1))
                np.add.at(ml, lan_of_kom, m)
                mm = np.vstack([m, ml, m.sum(axis=0, keepdims=True)])
                total = mm.sum(axis=1)
                within = np.minimum(np.cumsum(mm, axis=1)[:, :k], total[:, None])  # no float overshoot
                if acc.get("no_service"):
                    within = np.full_like(within, np.nan)
                beyond = total[:, None] - within
                with np.errstate(invalid="ignore", divide="ignore"):
                    share_w = np.where(total[:, None] > 0, within / total[:, None] * 100.0, np.nan)
                cols["area_code"].append(np.repeat(area_codes, k))
                cols["level"].append(np.repeat(levels, k))
                cols["threshold"].append(np.tile(thresholds, n_area))
                cols["population"].append(np.repeat(total, k))
                cols["pop_within"].append(within.ravel())
                cols["pop_beyond"].append(beyond.ravel())
                cols["share_within"].append(share_w.ravel())
                cols["share_beyond"].append(100.0 - share_w.ravel())
                n = n_area * k
                cols["year"].append(np.full(n, int(year), np.int64))
                cols["service_type"].append(np.full(n, stype, object))
                cols["basis"].append(np.full(n, basis, object))
                cols["unit"].append(np.full(n, unit, object))
                cols["quality"].append(np.full(n, acc["quality"], object))
    if not cols["area_code"]:
        return pd.DataFrame({c: [] for c in AGGREGATE_COLUMNS})
    return pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})


def share_within(distance_km: np.ndarray, population: np.ndarray, threshold_km: float) -> float:
    """Share (%) of people within a straight-line threshold (NaN distance = beyond); a direct check."""
    d = np.where(np.isnan(distance_km), np.inf, distance_km)
    pop = np.asarray(population, float)
    return float(pop[d <= threshold_km].sum() / pop.sum() * 100.0)
