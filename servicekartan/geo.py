"""Coordinates: WGS 84 <-> SWEREF 99 TM (EPSG:3006) and point-in-polygon over GeoJSON areas."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer

# Generous bounding box of Sweden (WGS 84) used to validate coordinates.
SWEDEN_BBOX = {"lat": (55.0, 69.2), "lon": (10.5, 24.3)}


@lru_cache(maxsize=2)
def _transformer(inverse: bool) -> Transformer:
    a, b = ("EPSG:3006", "EPSG:4326") if inverse else ("EPSG:4326", "EPSG:3006")
    return Transformer.from_crs(a, b, always_xy=True)


def to_sweref(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 degrees -> SWEREF 99 TM metres (x = easting, y = northing)."""
    x, y = _transformer(False).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SWEREF 99 TM metres -> (lat, lon) degrees."""
    lon, lat = _transformer(True).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lat), np.asarray(lon)


def inside_sweden(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    (a, b), (c, d) = SWEDEN_BBOX["lat"], SWEDEN_BBOX["lon"]
    return (lat >= a) & (lat <= b) & (lon >= c) & (lon <= d)


def _rings(geometry: dict) -> list[np.ndarray]:
    coords = geometry["coordinates"]
    polys = coords if geometry["type"] == "MultiPolygon" else [coords]
    return [np.asarray(ring, float) for poly in polys for ring in poly]


def _in_ring(px: np.ndarray, py: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Even-odd ray casting, vectorised over points."""
    x0, y0 = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    inside = np.zeros(len(px), bool)
    for i in range(len(x0)):
        cond = (y0[i] > py) != (y1[i] > py)
        if not cond.any():
            continue
        xint = x0[i] + (py - y0[i]) * (x1[i] - x0[i]) / (y1[i] - y0[i] + 1e-300)
        inside ^= cond & (px < xint)
    return inside


def locate(lat: np.ndarray, lon: np.ndarray, features: list[dict], code_key: str) -> np.ndarray:
    """Code of the GeoJSON feature containing each point (even-odd over all rings), '' if none."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    out = np.full(len(lat), "", dtype=object)
    for feat in features:
        rings = _rings(feat["geometry"])
        allpts = np.concatenate(rings)
        (minx, miny), (maxx, maxy) = allpts.min(0), allpts.max(0)
        cand = np.flatnonzero((out == "") & (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
        if len(cand) == 0:
            continue
        inside = np.zeros(len(cand), bool)
        for ring in rings:
            inside ^= _in_ring(lon[cand], lat[cand], ring)
        out[cand[inside]] = str(feat["properties"][code_key])
    return out
