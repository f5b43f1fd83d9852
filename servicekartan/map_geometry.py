"""Map geometry for the offline geo maps: outer rings (clockwise, as d3-geo wants them), bounds, framing ranges
with a margin, label points inside a polygon, and points kept inside their own kommun (by code, not polygon)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

MARGIN = 0.06  # share of the outline's span added on every side


def _outer_rings(feature: dict) -> list[np.ndarray]:
    g = feature["geometry"]
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    return [np.asarray(p[0], float) for p in polys]


def _bounds(features: list[dict]) -> tuple[float, float, float, float]:
    rings = [r for f in features for r in _outer_rings(f)]
    pts = np.concatenate(rings)
    return float(pts[:, 0].min()), float(pts[:, 0].max()), float(pts[:, 1].min()), float(pts[:, 1].max())


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def clockwise(geojson: dict) -> dict:
    """The same features with clockwise outer rings (and counter-clockwise holes), as d3-geo draws them.

    RFC 7946 GeoJSON runs the other way; a counter-clockwise outer ring would fill the rest of the globe."""

    def orient(poly: list) -> list:
        out = []
        for i, ring in enumerate(poly):
            cw = _signed_area(np.asarray(ring, float)) < 0
            out.append(ring if cw == (i == 0) else ring[::-1])
        return out

    feats = []
    for f in geojson["features"]:
        g = f["geometry"]
        coords = [orient(p) for p in g["coordinates"]] if g["type"] == "MultiPolygon" else orient(g["coordinates"])
        feats.append({**f, "geometry": {"type": g["type"], "coordinates": coords}})
    return {"type": "FeatureCollection", "features": feats}


def _centroid(ring: np.ndarray) -> tuple[float, float]:
    x, y = ring[:, 0], ring[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    a = cross.sum() / 2
    if abs(a) < 1e-12:
        return float(x.mean()), float(y.mean())
    return float(((x[:-1] + x[1:]) * cross).sum() / (6 * a)), float(((y[:-1] + y[1:]) * cross).sum() / (6 * a))


def _inside(lon: float, lat: float, ring: np.ndarray) -> bool:
    """Ray casting: is the point inside the ring?"""
    x, y = ring[:, 0], ring[:, 1]
    x0, y0, x1, y1 = x[:-1], y[:-1], x[1:], y[1:]
    crosses = ((y0 > lat) != (y1 > lat)) & (lon < (x1 - x0) * (lat - y0) / np.where(y1 == y0, 1e-12, y1 - y0) + x0)
    return bool(crosses.sum() % 2)


def label_point(feature: dict) -> tuple[float, float]:
    """Where an area's name goes: the centroid of its largest part (moved inside if the part is concave)."""
    ring = max(_outer_rings(feature), key=lambda r: abs(_signed_area(r)))
    lon, lat = _centroid(ring)
    return (lon, lat) if _inside(lon, lat, ring) else snap_inside(lon, lat, [ring])


def snap_inside(lon: float, lat: float, rings: list[np.ndarray]) -> tuple[float, float]:
    """A point inside the rings as close to (lon, lat) as simply found: from the nearest boundary vertex a step
    towards its ring's centroid. For a place the generalised outline leaves out (Oknö, an island of Mönsterås)."""
    best = min(rings, key=lambda r: np.min((r[:, 0] - lon) ** 2 + (r[:, 1] - lat) ** 2))
    i = int(np.argmin((best[:, 0] - lon) ** 2 + (best[:, 1] - lat) ** 2))
    vx, vy = best[i]
    cx, cy = _centroid(best)
    for f in (0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0):
        px, py = vx + (cx - vx) * f, vy + (cy - vy) * f
        if _inside(px, py, best):
            return float(px), float(py)
    return float(vx), float(vy)


def in_own_kommun(points: pd.DataFrame, outlines: dict | None) -> pd.DataFrame:
    """Points moved into their own kommun's outline (by `municipality_code`, not by the polygon they fall in)."""
    if outlines is None or "municipality_code" not in points:
        return points
    rings = {f["properties"]["code"]: _outer_rings(f) for f in outlines["features"]}
    lon, lat = points["lon"].to_numpy(float).copy(), points["lat"].to_numpy(float).copy()
    for i, code in enumerate(points["municipality_code"]):
        own = rings.get(code)
        if own and not any(_inside(lon[i], lat[i], r) for r in own):
            lon[i], lat[i] = snap_inside(lon[i], lat[i], own)
    return points.assign(lon=lon, lat=lat)


def view_for(features: list[dict], margin: float = MARGIN) -> dict:
    """Geo layout ranges that hold the features' whole outline plus a margin on every side."""
    lon0, lon1, lat0, lat1 = _bounds(features)
    dx, dy = max(lon1 - lon0, 0.02) * margin + 0.01, max(lat1 - lat0, 0.01) * margin + 0.005
    lat0, lat1 = lat0 - dy, lat1 + dy
    # plotly fits the range box, then moves `center` to the middle of the plot; its default (the middle in
    # degrees) lies south of the box's middle on a Mercator map and would push the north out of the frame
    mid = math.degrees(2 * math.atan(math.exp((float(_merc(lat0)) + float(_merc(lat1))) / 2)) - math.pi / 2)
    return {
        "lonaxis": {"range": [lon0 - dx, lon1 + dx]},
        "lataxis": {"range": [lat0, lat1]},
        "center": {"lon": (lon0 + lon1) / 2, "lat": mid},
    }


def geo_layout(features: list[dict]) -> dict:
    """A blank (offline) Mercator geo subplot framed to the features."""
    return {
        "visible": False,  # no base layers: nothing is fetched from a CDN
        "projection": {"type": "mercator"},
        "bgcolor": "rgba(0,0,0,0)",
        **view_for(features),
    }


def subset_geojson(geojson: dict, codes: set[str]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [f for f in geojson["features"] if f["properties"]["code"] in codes],
    }


def map_height(features: list[dict], width: int = 640, lo: int = 460, hi: int = 720) -> int:
    """A figure height that suits the area's shape (Sverige is tall, Kalmar län too) at a typical width."""
    lon0, lon1, lat0, lat1 = _bounds(features)

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    aspect = (merc(lat1) - merc(lat0)) / max(math.radians(lon1 - lon0), 1e-6)
    return int(min(max(width * aspect + 120, lo), hi))


def _merc(lat: np.ndarray | float) -> np.ndarray:
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
