"""Small truths about places: a service's place (so "Apoteket" says where), and the right heading for the villages loaded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from servicekartan.kdtree import cKDTree


def nearest_place(x: np.ndarray, y: np.ndarray, villages: pd.DataFrame) -> np.ndarray:
    """Name of the nearest tätort (SCB point, SWEREF 99 TM) of each point; "" without villages or coordinates."""
    out = np.full(len(x), "", dtype=object)
    v = villages[villages["kind"] == "tatort"] if "kind" in villages.columns else villages
    v = v[np.isfinite(v["x"].to_numpy(float)) & np.isfinite(v["y"].to_numpy(float))]
    xy = np.c_[np.asarray(x, float), np.asarray(y, float)]
    ok = np.isfinite(xy).all(axis=1)
    if len(v) and ok.any():
        _, idx = cKDTree(v[["x", "y"]].to_numpy(float)).query(xy[ok])
        out[ok] = v["name"].to_numpy(object)[idx]
    return out


def with_place(name: object, place: object) -> str:
    """'Apoteket' + 'Mönsterås' -> 'Apoteket (Mönsterås)'; a name that already names its place (or no place) is kept."""
    n = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name).strip()
    p = str(place or "").strip()
    if not p:
        return n
    if not n:
        return p
    first = p.split()[0].split("-")[0].lower()
    return n if p.lower() in n.lower() or first in n.lower() else f"{n} ({p})"


def villages_heading_key(villages: pd.DataFrame) -> str:
    """i18n key of the heading over a list of villages: 'Tätorter och småorter' only when småorter are loaded."""
    has_smaort = "kind" in villages.columns and bool((villages["kind"] == "smaort").any())
    return "truth.tatorter_smaorter_heading" if has_smaort else "truth.tatorter_heading"
