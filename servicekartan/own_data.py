"""A user's service register (uploaded or imported file) -> validated own-data points (quality own_data) + line-level
problems, and the merge of those points into the built-in service layer (replace or add, per type).

One validation for the upload page and `python -m etl import-services`: `validate(content, filename, ...)`
gives a `Result` with the accepted points in the `services` shape and the rejected rows, each with the
reason as a catalog code (`own.err_<code>`) rendered in the user's language by `Problem.message(lang)`.
All or nothing: a file that cannot be read (encoding, size, columns) gives `fatal` and no points.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from servicekartan import fmt, geo, paths
from servicekartan.datasets import columns as dataset_columns
from servicekartan.definitions import SERVICE_TYPE_IDS
from servicekartan.grid import KommunPolygons
from servicekartan.i18n import service_label, t
from servicekartan.kdtree import cKDTree
from servicekartan.own_read import MAX_BYTES, MAX_ROWS, ReadError, Table, read
from servicekartan.quality import QUALITY_OWN

REPLACE, ADD = "replace", "add"
MODES: tuple[str, ...] = (REPLACE, ADD)
ID_PREFIX = "own:"

# Words users write for each type (lower case, accents kept); the type ids themselves are accepted too.
TYPE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "grocery": ("livsmedel", "livsmedelsbutik", "matbutik", "dagligvaror", "dagligvarubutik", "butik", "supermarket"),
    "fuel": ("drivmedel", "drivmedelsstation", "bensin", "bensinstation", "tankstation", "mack", "petrol"),
    "pharmacy": ("apotek", "apoteksombud"),
    "parcel": ("paket", "ombud", "paketombud", "postombud", "post", "paketautomat", "post office"),
    "atm": ("bankomat", "uttagsautomat", "kontantuttag", "uttag", "cash machine"),
    "cash_deposit": ("dagskassa", "dagskassedeponering", "insättning", "deposit"),
    "payment": ("betalning", "betalningsförmedling", "betaltjänst", "bill payment"),
    "health": ("vårdcentral", "hälsocentral", "health centre", "health center"),
    "school": ("skola", "grundskola", "primary school"),
}
_TYPE_OF: dict[str, str] = {s: s for s in SERVICE_TYPE_IDS} | {w: s for s, ws in TYPE_SYNONYMS.items() for w in ws}

# Column names users write -> the field they mean.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "type": ("type", "typ", "service_type", "tjänst", "tjanst", "servicetyp", "kategori", "category"),
    "name": ("name", "namn", "benämning"),
    "lat": ("lat", "latitude", "latitud"),
    "lon": ("lon", "lng", "long", "longitude", "longitud"),
    "x": ("x", "e", "east", "easting", "ost", "öst", "x_sweref", "sweref_x"),
    "y": ("y", "n", "north", "northing", "nord", "y_sweref", "sweref_y"),
    "opened": ("opened", "öppnad", "oppnad", "öppnade", "opened_year", "från", "from"),
    "closed": ("closed", "stängd", "stangd", "stängde", "closed_year", "till", "to"),
    "id": ("id", "service_id", "löpnummer", "nr"),
}
_FIELD_OF: dict[str, str] = {w: f for f, ws in COLUMN_SYNONYMS.items() for w in ws}

# SWEREF 99 TM over Sweden: x (easting) 180,000–1,000,000 m, y (northing) 6,100,000–7,700,000 m.
X_RANGE, Y_RANGE = (180_000.0, 1_000_000.0), (6_100_000.0, 7_700_000.0)
COAST_TOLERANCE_M = 3_000.0  # the generalised kommun polygons are clipped to the coast: a shop on the shore may lie
# just outside them. Within this distance of a polygon edge a point counts as in Sweden (its nearest kommun).
YEARS = (1800, 2100)


@dataclass(frozen=True)
class Problem:
    """One rejected row (or the whole file when `line` is None): catalog code and the values for its sentence."""

    code: str
    line: int | None = None
    unit: str = "line"
    params: dict = field(default_factory=dict)

    def message(self, lang: str) -> str:
        p = dict(self.params)
        for k in ("size", "limit"):
            if k in p:
                p[k] = fmt.number(float(p[k]) / 1e6, lang, 1) + "\u00a0MB"
        for k in ("rows", "offset"):
            if k in p:
                p[k] = fmt.number(p[k], lang)
        if self.code == "type":
            p["accepted"] = accepted_types_text(lang)
        if "service_type" in p:
            p["service_type"] = service_label(p["service_type"], lang).lower()
        return t(f"own.err_{self.code}", lang, **p)

    def where(self, lang: str) -> str:
        return "" if self.line is None else t(f"own.unit_{self.unit}", lang, n=self.line)


@dataclass
class Result:
    """Accepted points (the `services` columns, quality own_data) and the problems; `fatal` = nothing was used."""

    points: pd.DataFrame
    rejected: list[Problem]
    fatal: Problem | None = None
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return self.fatal is None and len(self.points) > 0

    def counts(self) -> dict[str, int]:
        return self.points["service_type"].value_counts().reindex(list(SERVICE_TYPE_IDS)).dropna().astype(int).to_dict()

    def report(self, lang: str) -> pd.DataFrame:
        """The rejected rows as a table for the page or the command: where, what was written, why."""
        rows = [(p.where(lang), p.params.get("value", ""), p.message(lang)) for p in self.rejected]
        return pd.DataFrame(rows, columns=[t("own.col_where", lang), t("own.col_value", lang), t("own.col_why", lang)])


def accepted_types_text(lang: str) -> str:
    """'dagligvarubutik (grocery, livsmedel, matbutik …); drivmedel …' for the unknown-type message."""
    parts = [f"{service_label(s, lang).lower()} ({', '.join((s, *TYPE_SYNONYMS[s][:3]))})" for s in SERVICE_TYPE_IDS]
    return "; ".join(parts)


def type_of(value: str) -> str | None:
    return _TYPE_OF.get(re.sub(r"\s+", " ", str(value).strip().lower()))


def _field(column: str) -> str | None:
    key = re.sub(r"[\s\-]+", "_", column.strip().lstrip("\ufeff").lower()).strip("_")
    return _FIELD_OF.get(key) or _FIELD_OF.get(key.replace("_", " "))


def _number(text: str) -> float | None:
    s = re.sub(r"[\s\u00a0\u202f]", "", str(text)).replace("\u2212", "-")
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    try:
        v = float(s)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


@lru_cache(maxsize=1)
def _sweden() -> tuple[KommunPolygons, cKDTree]:
    """Kommun polygons (SCB, WGS 84) and a KD-tree over their edges densified every 250 m (SWEREF 99 TM)."""
    doc = json.loads((paths.seed_dir() / "scb_kommuner_wgs84.geojson").read_text(encoding="utf-8"))
    poly = KommunPolygons(doc, "code")
    v, keep = poly.vertices("EPSG:3006"), np.flatnonzero(poly.owner >= 0)
    a, b = v[keep], v[keep + 1]
    n = np.maximum(np.ceil(np.hypot(*(b - a).T) / 250.0).astype(int), 1)
    s = np.concatenate([np.arange(k) / k for k in n])
    pts = np.repeat(a, n, axis=0) + (np.repeat(b - a, n, axis=0) * s[:, None])
    return poly, cKDTree(pts)


def in_sweden(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(inside?, kommun code) per SWEREF 99 TM point: inside a kommun polygon or within COAST_TOLERANCE_M of one."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    poly, tree = _sweden()
    code, inside = poly.locate(x, y, "EPSG:3006")
    if (~inside).any():
        d, _ = tree.query(np.c_[x[~inside], y[~inside]])
        inside[~inside] = d <= COAST_TOLERANCE_M
    return inside, np.where(inside, code, None)


def _columns(table: Table) -> tuple[dict[str, str], Problem | None]:
    found: dict[str, str] = {}
    for c in table.columns:
        f = _field(c)
        if f and f not in found:
            found[f] = c
    missing = [f for f in ("type", "name") if f not in found]
    if not ({"lat", "lon"} <= found.keys() or {"x", "y"} <= found.keys()):
        missing.append("lat/lon | x/y")
    if missing:
        return found, Problem("columns", params={"missing": ", ".join(missing), "found": ", ".join(table.columns)})
    return found, None


def _year(text: str) -> int | None | str:
    if not str(text).strip():
        return None
    v = _number(text)
    if v is None or not v.is_integer() or not YEARS[0] <= v <= YEARS[1]:
        return "bad"
    return int(v)


def _coords(row: dict[str, str], cols: dict[str, str]) -> tuple[str, float, float] | Problem:
    """('wgs84', lat, lon) or ('sweref', x, y) from the row; a Problem when absent or not numbers."""
    for kind, a, b in (("wgs84", "lat", "lon"), ("sweref", "x", "y")):
        if a in cols and b in cols and (row.get(cols[a], "") or row.get(cols[b], "")):
            va, vb = _number(row.get(cols[a], "")), _number(row.get(cols[b], ""))
            if va is None or vb is None:
                return Problem("coord_number", params={"value": f"{row.get(cols[a], '')} / {row.get(cols[b], '')}"})
            return kind, va, vb
    return Problem("coord_missing")


def _to_xy(kind: str, a: float, b: float) -> tuple[float, float]:
    if kind == "wgs84":
        x, y = geo.to_sweref(np.array([a]), np.array([b]))
        return float(x[0]), float(y[0])
    return a, b


def _plausible(kind: str, a: float, b: float) -> bool:
    if kind == "wgs84":
        return bool(geo.inside_sweden(np.array([a]), np.array([b]))[0])
    return X_RANGE[0] <= a <= X_RANGE[1] and Y_RANGE[0] <= b <= Y_RANGE[1]


def _empty_points() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in dataset_columns("services")})


def validate_table(table: Table, source: str, date: str) -> Result:
    cols, missing = _columns(table)
    if missing is not None:
        return Result(_empty_points(), [], missing, len(table.rows))
    rejected: list[Problem] = []
    keep: list[dict] = []
    seen_xy: dict[tuple[str, int, int], int] = {}
    seen_id: dict[str, int] = {}
    u = table.unit
    for line, row in table.rows:
        raw_type = row.get(cols["type"], "")
        stype = type_of(raw_type)
        if stype is None:
            rejected.append(Problem("type", line, u, {"value": raw_type}))
            continue
        got = _coords(row, cols)
        if isinstance(got, Problem):
            rejected.append(Problem(got.code, line, u, got.params))
            continue
        kind, a, b = got
        shown = f"{row.get(cols['lat' if kind == 'wgs84' else 'x'], '')} / {row.get(cols['lon' if kind == 'wgs84' else 'y'], '')}"
        if not _plausible(kind, a, b) and _plausible(kind, b, a):
            rejected.append(Problem(f"swapped_{kind}", line, u, {"value": shown}))
            continue
        x, y = _to_xy(kind, a, b)
        inside, code = in_sweden(np.array([x]), np.array([y]))
        if not inside[0]:
            rejected.append(Problem("outside", line, u, {"value": shown}))
            continue
        opened = _year(row.get(cols["opened"], "")) if "opened" in cols else None
        closed = _year(row.get(cols["closed"], "")) if "closed" in cols else None
        if "bad" in (opened, closed):
            bad = row.get(cols["opened"], "") if opened == "bad" else row.get(cols["closed"], "")
            rejected.append(Problem("year", line, u, {"value": bad, "lo": YEARS[0], "hi": YEARS[1]}))
            continue
        if opened is not None and closed is not None and closed < opened:
            rejected.append(Problem("years_order", line, u, {"value": f"{opened}–{closed}"}))
            continue
        own_id = row.get(cols["id"], "").strip() if "id" in cols else ""
        key = (stype, round(x), round(y))
        if key in seen_xy:
            rejected.append(Problem("duplicate", line, u, {"value": raw_type, "first": seen_xy[key]}))
            continue
        if own_id and (stype, own_id) in seen_id:
            rejected.append(Problem("duplicate_id", line, u, {"value": own_id, "first": seen_id[(stype, own_id)]}))
            continue
        seen_xy[key] = line
        if own_id:
            seen_id[(stype, own_id)] = line
        digest = hashlib.sha256(f"{stype}:{x:.0f}:{y:.0f}".encode()).hexdigest()[:12]
        name = row.get(cols["name"], "").strip() or service_label(stype, "sv")
        keep.append(
            {
                "service_id": f"{ID_PREFIX}{stype}:{own_id or digest}",
                "service_type": stype,
                "name": name,
                "x": x,
                "y": y,
                "municipality_code": str(code[0]),
                "opened": opened,
                "closed": closed,
            }
        )
    return Result(_points(keep, source, date), rejected, None, len(table.rows))


def _points(keep: list[dict], source: str, date: str) -> pd.DataFrame:
    if not keep:
        return _empty_points()
    df = pd.DataFrame(keep)
    lat, lon = geo.to_wgs84(df["x"].to_numpy(float), df["y"].to_numpy(float))
    df["lat"], df["lon"] = lat, lon
    df["opened"] = pd.array(df["opened"].tolist(), dtype="Int64")
    df["closed"] = pd.array(df["closed"].tolist(), dtype="Int64")
    df["source"] = source_text(source, date)
    df["quality"] = QUALITY_OWN
    return df[list(dataset_columns("services"))]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: object) -> str:
    """Text shown through Markdown (st.info, st.error, captions) kept literal: every Markdown special escaped."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def clean_source(source: object) -> str:
    """The uploader's stated source as plain words: no Markdown/HTML specials (it reaches captions and downloads)."""
    text = re.sub(r"[\[\]`*_<>{}|~$#!\\]", " ", str(source or ""))
    return re.sub(r"\s+", " ", text).strip()[:200]


def source_text(source: str, date: str) -> str:
    """The uploader's stated source and date as stored on every point ('Egna data: Region Kalmar län, 2026-11-30')."""
    src = clean_source(source) or "–"
    return f"own data: {src}" + (f", {str(date).strip()[:10]}" if str(date or "").strip() else "")


def validate(
    content: bytes,
    filename: str,
    *,
    source: str = "",
    date: str = "",
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Result:
    """Read and validate a file; never raises for bad input (the problems are in the Result)."""
    try:
        table = read(content, filename, max_bytes, max_rows)
    except ReadError as exc:
        return Result(_empty_points(), [], Problem(exc.code, params=dict(exc.params)))
    return validate_table(table, source, date)


# --------------------------------------------------------------------------------------------- the merged layer


def merge(services: pd.DataFrame, own: pd.DataFrame, modes: dict[str, str]) -> pd.DataFrame:
    """The built-in layer with the own points: per type in `modes`, `replace` drops the built-in points of that
    type, `add` keeps them. Own points of a type not in `modes` are added (the default); ids stay unique."""
    replaced = [s for s, m in modes.items() if m == REPLACE and (own["service_type"] == s).any()]
    base = services[~services["service_type"].isin(replaced)]
    base = base[~base["service_id"].isin(own["service_id"])]
    own = own.astype({c: base[c].dtype for c in ("opened", "closed") if c in base})
    out = pd.concat([base, own[base.columns]], ignore_index=True)
    return out.sort_values("service_id", ignore_index=True)


def layer_hash(own: pd.DataFrame, modes: dict[str, str]) -> str:
    """Content hash of an own layer (points + modes): the key of every session cache built from it."""
    h = hashlib.sha256(pd.util.hash_pandas_object(own.astype(str), index=False).to_numpy().tobytes())
    h.update(json.dumps(sorted(modes.items())).encode())
    return h.hexdigest()[:16]
