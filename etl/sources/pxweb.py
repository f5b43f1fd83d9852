"""SCB PxWeb (API 2.0 first, v1 as fallback) -> table metadata, split and paced data queries, long DataFrames.

- `jsonstat2_to_frame(payload)` and `v1_json_to_frame(payload)` turn a response into a long frame: one column
  per dimension (named by its code, holding value codes) and a float `value` (NaN where missing). Labels,
  units, `updated`, notes and mandatory notes travel in `frame.attrs`, so no second request is needed.
- `jsonstat_to_frame(payload)` reads JSON-stat 1 (`{"dataset": …}`, v1 format `json-stat`) and JSON-stat 2.
- `PxWeb.open(TableRef)` reads `/config` and the table's metadata (v2), falling back to the v1 API;
  `Table.plan(selection)` expands `*`, `top(n)`, `from(code)`, `to(code)` and codes against the metadata,
  refuses to leave a dimension to the API's default selection, and splits the query under `maxDataCells`;
  the session paces calls to `maxCallsPerTimeWindow` / `timeWindow`.
- RFC 7807 problem+json errors become `PxWebError` subclasses whose message says what to change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from etl.sources.http import Fetched, FetchError, HttpStatusError, Session

V2_BASE = "https://statistikdatabasen.scb.se/api/v2"
V1_BASE = "https://api.scb.se/OV0104/v1/doris"
LICENCE = "CC0 1.0"
ATTRIBUTION = "Källa: SCB"
DEFAULT_MAX_CELLS = 150_000  # SCB's documented limit, used until /config says otherwise
DEFAULT_RATE = (30, 10.0)  # calls per seconds, SCB's documented limit

Selection = Mapping[str, "str | Sequence[str]"]


# ---------------------------------------------------------------------------------------------- errors


class PxWebError(FetchError):
    """A PxWeb request or response that cannot be used; the message says what to change."""


class SelectionError(PxWebError, ValueError):
    """The selection does not fit the table's metadata (unknown code, missing dimension …)."""


class BadQueryError(PxWebError):
    """HTTP 400: the API rejected the query."""


class TooManyCellsError(PxWebError):
    """HTTP 403: the query asks for more cells than the API allows."""


class TableNotFoundError(PxWebError):
    """HTTP 404: no such table (ids change; search again)."""


class RateLimitedError(PxWebError):
    """HTTP 429 even after waiting as asked."""


class ResponseShapeError(PxWebError):
    """The response does not have the shape the query asked for (e.g. a dimension is missing)."""


def problem_error(
    err: HttpStatusError, table: str, *, cells: int | None = None, max_cells: int | None = None, hint_url: str = ""
) -> PxWebError:
    """HTTP error (with an RFC 7807 problem+json body when present) -> a PxWebError saying what to change."""
    p = err.problem or {}
    detail = p.get("detail") or p.get("title") or err.body[:300] or "no detail"
    status = err.status
    where = f"SCB PxWeb, table {table}" if table else "SCB PxWeb"
    if status == 400:
        msg = (
            f"{where} rejected the query (HTTP 400: {detail}). What to change: check the dimension codes and value "
            f"codes against the table's metadata{' at ' + hint_url if hint_url else ''}; use '*' or codes that exist."
        )
        cls: type[PxWebError] = BadQueryError
    elif status == 403:
        asked = f"the query asked for {cells:,} cells" if cells is not None else "the query asked for too many cells"
        limit = f"/config allows {max_cells:,} per query" if max_cells else "see maxDataCells at /config"
        msg = (
            f"{where} refused the query as too large (HTTP 403: {detail}); {asked}, {limit}. What to change: "
            "narrow the selection, or lower the cell limit (PxWeb(max_cells=…)) so the client splits it into "
            "smaller queries."
        )
        cls = TooManyCellsError
    elif status == 404:
        msg = (
            f"{where} was not found (HTTP 404: {detail}). What to change: SCB replaces table ids; search for the "
            "table with PxWeb.search('<words>') or at https://www.statistikdatabasen.scb.se and update the step's "
            "table id (the v1 path is tried as a fallback)."
        )
        cls = TableNotFoundError
    elif status == 429:
        wait = f"{err.retry_after:.0f} s" if err.retry_after is not None else "the time window (see /config)"
        msg = (
            f"{where} rate-limited the client (HTTP 429: {detail}) even after retries. What to change: wait {wait} "
            "and rerun (the run resumes), and do not run other SCB clients from the same address at the same time."
        )
        cls = RateLimitedError
    else:
        msg = f"{where} failed: {err}"
        cls = PxWebError
    out = cls(msg, err.url)
    out.status = status  # type: ignore[attr-defined]
    return out


# ---------------------------------------------------------------------------------------------- parsing


def _num(v: Any) -> float:
    """A cell value -> float; None, '..', '.', '-', '..C' and any other symbol -> NaN (missing, never zero)."""
    if v is None:
        return math.nan
    if isinstance(v, bool):
        return math.nan
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(str(v).strip().replace(" ", ""))
    except ValueError:
        return math.nan


def _category_codes(dim: Mapping) -> list[str]:
    cat = dim.get("category") or {}
    idx = cat.get("index")
    if idx is None:
        return [str(c) for c in (cat.get("label") or {})]
    if isinstance(idx, list):
        return [str(c) for c in idx]
    return [str(c) for c, _ in sorted(idx.items(), key=lambda kv: kv[1])]


def _as_jsonstat2(payload: Mapping) -> dict:
    """JSON-stat 2 dataset, JSON-stat 1 `{"dataset": …}` or a JSON-stat 1 bundle -> a JSON-stat 2 shaped dict."""
    if not isinstance(payload, Mapping):
        raise ResponseShapeError("expected a JSON-stat object, got " + type(payload).__name__)
    if "id" in payload and "dimension" in payload:
        return dict(payload)
    ds = payload.get("dataset")
    if ds is None:  # JSON-stat 1 bundle: {"name": {dataset}}
        ds = next((v for v in payload.values() if isinstance(v, Mapping) and "dimension" in v), None)
    if not isinstance(ds, Mapping) or "dimension" not in ds:
        raise ResponseShapeError("not a JSON-stat dataset: no 'dimension' (keys: " + ", ".join(list(payload)[:8]) + ")")
    dims = dict(ds["dimension"])
    ids = list(dims.pop("id", []))
    sizes = list(dims.pop("size", []))
    role = dims.pop("role", {})
    out = {k: v for k, v in ds.items() if k != "dimension"}
    out.update({"version": "1.0", "class": "dataset", "id": ids, "size": sizes, "role": role, "dimension": dims})
    return out


def jsonstat2_to_frame(payload: dict) -> pd.DataFrame:
    """A JSON-stat 2 dataset (PxWeb v2 `json-stat2`) -> long frame: a column per dimension code + float `value`.

    Also accepts JSON-stat 1 (v1 format `json-stat`). `frame.attrs` holds `label`, `source`, `updated`,
    `dimension_labels` {dim: label}, `labels` {dim: {code: label}}, `units` {content code: unit},
    `notes`, `mandatory_notes`, `roles`, `table` (px table id when given).
    """
    ds = _as_jsonstat2(payload)
    ids: list[str] = [str(i) for i in ds["id"]]
    sizes: list[int] = [int(s) for s in ds["size"]]
    dims: dict = ds["dimension"]
    missing = [d for d in ids if d not in dims]
    if missing:
        raise ResponseShapeError(f"JSON-stat 'id' names dimensions {missing} that 'dimension' does not describe")
    codes = [_category_codes(dims[d]) for d in ids]
    for d, c, s in zip(ids, codes, sizes, strict=True):
        if len(c) != s:
            raise ResponseShapeError(f"dimension {d} has {len(c)} categories but size says {s}")
    n = int(np.prod(sizes)) if sizes else 0
    raw = ds.get("value", [])
    if isinstance(raw, Mapping):
        values = np.full(n, np.nan)
        for k, v in raw.items():
            values[int(k)] = _num(v)
    else:
        if len(raw) != n:
            raise ResponseShapeError(f"JSON-stat 'value' has {len(raw)} cells, the dimension sizes give {n}")
        values = np.array([_num(v) for v in raw], dtype=float)
    if n:
        index = pd.MultiIndex.from_product(codes, names=ids)
        frame = index.to_frame(index=False).astype(str)
    else:
        frame = pd.DataFrame({d: pd.Series([], dtype=str) for d in ids})
    frame["value"] = values
    frame.attrs.update(_jsonstat_attrs(ds, ids))
    return frame


def _jsonstat_attrs(ds: Mapping, ids: list[str]) -> dict:
    dims = ds["dimension"]
    notes = [str(n) for n in (ds.get("note") or [])]
    ext = ds.get("extension") or {}
    mandatory_flags = (ext.get("noteMandatory") or {}) if isinstance(ext, Mapping) else {}
    mandatory = [n for i, n in enumerate(notes) if mandatory_flags.get(str(i))]
    units: dict[str, dict] = {}
    dim_notes: dict[str, list[str]] = {}
    for d in ids:
        cat = dims[d].get("category") or {}
        for code, unit in (cat.get("unit") or {}).items():
            units[str(code)] = dict(unit)
        if dims[d].get("note"):
            dim_notes[d] = [str(n) for n in dims[d]["note"]]
    px = ext.get("px", {}) if isinstance(ext, Mapping) else {}
    return {
        "label": ds.get("label", ""),
        "source": ds.get("source", ""),
        "updated": ds.get("updated", ""),
        "table": px.get("tableid", "") if isinstance(px, Mapping) else "",
        "dimension_labels": {d: dims[d].get("label", d) for d in ids},
        "labels": {
            d: {str(k): str(v) for k, v in ((dims[d].get("category") or {}).get("label") or {}).items()} for d in ids
        },
        "units": units,
        "notes": notes,
        "mandatory_notes": mandatory,
        "dimension_notes": dim_notes,
        "roles": dict(ds.get("role") or {}),
    }


def jsonstat_to_frame(payload: dict) -> pd.DataFrame:
    """JSON-stat 1 or 2 -> long frame (see `jsonstat2_to_frame`)."""
    return jsonstat2_to_frame(payload)


def v1_json_to_frame(payload: dict) -> pd.DataFrame:
    """PxWeb v1 format `json` -> long frame: a column per dimension code, `ContentsCode`, float `value`.

    The content columns (type "c") become a dimension named `ContentsCode` whose codes are the content
    column codes. Values arrive as strings; `..`, `.`, `-` and other symbols become NaN.
    """
    if not isinstance(payload, Mapping) or "columns" not in payload or "data" not in payload:
        raise ResponseShapeError("not a PxWeb v1 json response: expected 'columns' and 'data'")
    cols = payload["columns"]
    dims = [c for c in cols if c.get("type") in ("d", "t")]
    contents = [c for c in cols if c.get("type") == "c"]
    if not contents:
        raise ResponseShapeError("PxWeb v1 json response has no content column (type 'c')")
    names = [c["code"] for c in dims]
    content_codes = [c["code"] for c in contents]
    keys: list[list[str]] = []
    cc: list[str] = []
    vals: list[float] = []
    for row in payload["data"]:
        key = [str(k) for k in row["key"]]
        rv = row.get("values") or []
        if len(key) != len(dims) or len(rv) != len(contents):
            raise ResponseShapeError(
                f"PxWeb v1 json row {key} has {len(key)} keys and {len(rv)} values; "
                f"the columns give {len(dims)} and {len(contents)}"
            )
        for code, v in zip(content_codes, rv, strict=True):
            keys.append(key)
            cc.append(code)
            vals.append(_num(v))
    frame = pd.DataFrame(keys, columns=names, dtype=str) if keys else pd.DataFrame({n: [] for n in names}, dtype=str)
    frame["ContentsCode"] = pd.Series(cc, dtype=str)
    frame["value"] = np.asarray(vals, dtype=float)
    meta = (payload.get("metadata") or [{}])[0]
    notes = [c["comment"].strip() for c in cols if c.get("comment")]
    notes += [str(c.get("comment", c)).strip() for c in (payload.get("comments") or [])]
    frame.attrs.update(
        {
            "label": meta.get("label", ""),
            "source": meta.get("source", ""),
            "updated": meta.get("updated", ""),
            "table": meta.get("infofile", ""),
            "dimension_labels": {**{c["code"]: c.get("text", c["code"]) for c in dims}, "ContentsCode": "ContentsCode"},
            "labels": {"ContentsCode": {c["code"]: c.get("text", c["code"]) for c in contents}},
            "units": {},
            "notes": notes,
            "mandatory_notes": [],
            "dimension_notes": {c["code"]: [c["comment"].strip()] for c in cols if c.get("comment")},
            "roles": {"time": [c["code"] for c in dims if c.get("type") == "t"], "metric": ["ContentsCode"]},
        }
    )
    return frame


def response_to_frame(payload: dict) -> pd.DataFrame:
    """Any PxWeb data response (json-stat2, json-stat, v1 json) -> long frame."""
    if isinstance(payload, Mapping) and "columns" in payload and "data" in payload:
        return v1_json_to_frame(payload)
    return jsonstat2_to_frame(payload)


# ---------------------------------------------------------------------------------------------- metadata


@dataclass
class Dimension:
    code: str
    label: str
    values: list[str]
    value_labels: dict[str, str]
    elimination: bool = False
    elimination_code: str | None = None
    time: bool = False

    def total_code(self) -> str | None:
        """The code of a 'total' value (e.g. TAB638 Alder `tot`, TAB5557 Kon `TotSa`), if the table has one."""
        for code in self.values:
            label = self.value_labels.get(code, "").strip().lower()
            if label.startswith("totalt") or label in {"total", "samtliga"} or code.lower() == "tot":
                return code
        return None


@dataclass
class TableMeta:
    table: str
    api: str  # "v2" or "v1"
    label: str
    dims: list[Dimension]
    updated: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)
    mandatory_notes: list[str] = field(default_factory=list)
    units: dict[str, dict] = field(default_factory=dict)

    def dim(self, code: str) -> Dimension:
        for d in self.dims:
            if d.code == code:
                return d
        raise SelectionError(
            f"table {self.table} has no dimension {code!r}; it has {', '.join(d.code for d in self.dims)}"
        )

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.dims]

    def content_code(self, label_pattern: str) -> str:
        """The ContentsCode whose label matches a regex (content codes differ between tables, labels don't)."""
        dim = self.dim("ContentsCode")
        rx = re.compile(label_pattern, re.IGNORECASE)
        hits = [c for c in dim.values if rx.search(dim.value_labels.get(c, ""))]
        if not hits:
            raise SelectionError(
                f"table {self.table} has no content matching {label_pattern!r}; contents: "
                + "; ".join(f"{c} = {dim.value_labels.get(c, '')}" for c in dim.values)
            )
        return hits[0]


def meta_from_jsonstat2(payload: dict, table: str) -> TableMeta:
    """v2 `/tables/{id}/metadata` (JSON-stat 2) -> TableMeta."""
    ds = _as_jsonstat2(payload)
    time_dims = set((ds.get("role") or {}).get("time") or [])
    dims = []
    for code in ds["id"]:
        d = ds["dimension"][code]
        ext = d.get("extension") or {}
        dims.append(
            Dimension(
                code=str(code),
                label=d.get("label", code),
                values=_category_codes(d),
                value_labels={str(k): str(v) for k, v in ((d.get("category") or {}).get("label") or {}).items()},
                elimination=bool(ext.get("elimination", False)),
                elimination_code=ext.get("eliminationValueCode"),
                time=code in time_dims,
            )
        )
    attrs = _jsonstat_attrs(ds, [str(i) for i in ds["id"]])
    return TableMeta(
        table=table,
        api="v2",
        label=ds.get("label", ""),
        dims=dims,
        updated=ds.get("updated", ""),
        source=ds.get("source", ""),
        notes=attrs["notes"],
        mandatory_notes=attrs["mandatory_notes"],
        units=attrs["units"],
    )


def meta_from_v1(payload: dict, table: str) -> TableMeta:
    """v1 table metadata (`{"title", "variables": [...]}`) -> TableMeta."""
    if not isinstance(payload, Mapping) or "variables" not in payload:
        raise ResponseShapeError(f"v1 metadata of {table} has no 'variables' (is {table} a folder, not a table?)")
    dims = []
    for v in payload["variables"]:
        values = [str(x) for x in v["values"]]
        texts = v.get("valueTexts") or values
        dims.append(
            Dimension(
                code=v["code"],
                label=v.get("text", v["code"]),
                values=values,
                value_labels=dict(zip(values, (str(t) for t in texts), strict=False)),
                elimination=bool(v.get("elimination", False)),
                time=bool(v.get("time", False)),
            )
        )
    return TableMeta(table=table, api="v1", label=payload.get("title", ""), dims=dims)


@dataclass
class ApiConfig:
    max_cells: int = DEFAULT_MAX_CELLS
    max_calls: int = DEFAULT_RATE[0]
    window: float = DEFAULT_RATE[1]
    licence: str = ""
    api: str = "v2"


def config_from_v2(payload: dict) -> ApiConfig:
    return ApiConfig(
        max_cells=int(payload.get("maxDataCells", DEFAULT_MAX_CELLS)),
        max_calls=int(payload.get("maxCallsPerTimeWindow", DEFAULT_RATE[0])),
        window=float(payload.get("timeWindow", DEFAULT_RATE[1])),
        licence=str(payload.get("license", "")),
        api="v2",
    )


def config_from_v1(payload: dict) -> ApiConfig:
    """v1 `?config`: obey the stricter of maxValues and maxCells."""
    limits = [int(payload[k]) for k in ("maxValues", "maxCells") if payload.get(k)]
    return ApiConfig(
        max_cells=min(limits) if limits else DEFAULT_MAX_CELLS,
        max_calls=int(payload.get("maxCalls", DEFAULT_RATE[0])),
        window=float(payload.get("timeWindow", DEFAULT_RATE[1])),
        api="v1",
    )


# ---------------------------------------------------------------------------------------------- selections

_EXPR = re.compile(r"^\s*(top|bottom|from|to)\s*\(\s*([^)]*)\s*\)\s*$", re.IGNORECASE)


def _expand_one(dim: Dimension, spec: str, table: str) -> list[str]:
    if spec == "*":
        return list(dim.values)
    m = _EXPR.match(spec)
    if m:
        op, arg = m.group(1).lower(), m.group(2).strip().strip("'\"")
        if op in ("top", "bottom"):
            try:
                n = int(arg)
            except ValueError as exc:
                raise SelectionError(f"{op}({arg}) on {dim.code} needs a whole number") from exc
            # PxWeb's top(n) means the latest n periods on a time dimension (metadata lists them ascending).
            latest_last = dim.time
            take_end = (op == "top") == latest_last
            return list(dim.values[-n:] if take_end else dim.values[:n]) if n > 0 else []
        if arg not in dim.values:
            raise SelectionError(
                f"{op}({arg}) on {dim.code} of {table}: {arg!r} is not a value; values run "
                f"{dim.values[0]!r} … {dim.values[-1]!r}"
            )
        i = dim.values.index(arg)
        return list(dim.values[i:] if op == "from" else dim.values[: i + 1])
    if spec not in dim.values:
        sample = ", ".join(dim.values[:6]) + (" …" if len(dim.values) > 6 else "")
        raise SelectionError(f"{spec!r} is not a value of {dim.code} in {table} (values: {sample})")
    return [spec]


def expand_selection(meta: TableMeta, selection: Selection, eliminate: Iterable[str] = ()) -> dict[str, list[str]]:
    """Selection -> explicit value codes per dimension, in metadata order; every dimension must be addressed.

    A dimension is either selected (codes, '*', 'top(n)', 'from(code)', 'to(code)', or a list of these) or
    listed in `eliminate` (only where the metadata allows elimination). Nothing is left to PxWeb's default
    selection, which silently drops dimensions.
    """
    eliminate = set(eliminate)
    known = set(meta.codes)
    unknown = (set(selection) | eliminate) - known
    if unknown:
        raise SelectionError(
            f"table {meta.table} has no dimension(s) {sorted(unknown)}; it has {', '.join(meta.codes)}"
        )
    out: dict[str, list[str]] = {}
    for dim in meta.dims:
        if dim.code in eliminate:
            if dim.code in selection:
                raise SelectionError(f"dimension {dim.code} is both selected and eliminated")
            if not dim.elimination:
                raise SelectionError(
                    f"dimension {dim.code} ({dim.label}) of {meta.table} cannot be eliminated; select its codes "
                    f"(a total code: {dim.total_code() or 'none'})"
                )
            continue
        if dim.code not in selection:
            hint = " or eliminate it (the table allows that)" if dim.elimination else ""
            raise SelectionError(
                f"the selection for {meta.table} says nothing about dimension {dim.code} ({dim.label}); PxWeb's "
                f"default selection would silently drop it. Give codes, '*', 'top(n)' or 'from(code)'{hint}."
            )
        spec = selection[dim.code]
        specs = [spec] if isinstance(spec, str) else list(spec)
        chosen: set[str] = set()
        for s in specs:
            chosen.update(_expand_one(dim, str(s), meta.table))
        codes = [c for c in dim.values if c in chosen]
        if not codes:
            raise SelectionError(f"the selection {spec!r} picks no value of {dim.code} in {meta.table}")
        out[dim.code] = codes
    return out


def count_cells(selection: Mapping[str, Sequence[str]]) -> int:
    return int(np.prod([len(v) for v in selection.values()])) if selection else 0


def split_selection(selection: Mapping[str, Sequence[str]], max_cells: int) -> list[dict[str, list[str]]]:
    """Split an explicit selection into parts of at most `max_cells` cells, cutting the largest dimension first."""
    sel = {k: list(v) for k, v in selection.items()}
    total = count_cells(sel)
    if total <= max_cells:
        return [sel]
    dim = max(sel, key=lambda d: len(sel[d]))
    n = len(sel[dim])
    rest = total // n
    per = max(1, max_cells // rest)
    parts: list[dict[str, list[str]]] = []
    for i in range(0, n, per):
        sub = dict(sel)
        sub[dim] = sel[dim][i : i + per]
        parts.extend(split_selection(sub, max_cells))
    return parts


def merge_frames(frames: Sequence[pd.DataFrame], meta: TableMeta | None = None) -> pd.DataFrame:
    """Frames of the parts of one split query -> one frame, rows in metadata order, attrs of the first part."""
    frames = [f for f in frames if f is not None]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    dims = [c for c in out.columns if c != "value"]
    out = out.drop_duplicates(dims, keep="last")
    if meta is not None:
        order = {d.code: {c: i for i, c in enumerate(d.values)} for d in meta.dims}
        keys = [d for d in dims if d in order]
        if keys:
            rank = pd.DataFrame({d: out[d].map(order[d]) for d in keys})
            out = out.iloc[np.lexsort([rank[d].to_numpy() for d in reversed(keys)])]
    out = out.reset_index(drop=True)
    attrs = dict(frames[0].attrs)
    if meta is not None:
        labels = dict(attrs.get("labels") or {})
        for d in meta.dims:
            labels[d.code] = {**d.value_labels, **labels.get(d.code, {})}
        attrs["labels"] = labels
        attrs.setdefault("dimension_labels", {})
        attrs["dimension_labels"] = {**{d.code: d.label for d in meta.dims}, **attrs["dimension_labels"]}
    out.attrs = attrs
    return out


# ---------------------------------------------------------------------------------------------- client


@dataclass(frozen=True)
class TableRef:
    """Where a table lives: its v2 id and/or its v1 path (subject path below `ssd/`)."""

    v2_id: str | None = None
    v1_path: str | None = None
    name: str = ""

    @property
    def ident(self) -> str:
        return self.v2_id or (self.v1_path or "").rsplit("/", 1)[-1] or self.name


@dataclass
class DataQuery:
    """One data request of a (possibly split) query, with a stable key for the raw store."""

    api: str
    table: str
    url: str
    params: dict
    body: dict
    selection: dict[str, list[str]]
    cells: int
    part: int = 1
    parts: int = 1


class PxWeb:
    """SCB PxWeb client: API 2.0 first, v1 as fallback."""

    def __init__(
        self,
        session: Session | None = None,
        *,
        v2_base: str = V2_BASE,
        v1_base: str = V1_BASE,
        lang: str = "sv",
        max_cells: int | None = None,
        use_v2: bool = True,
        v1_format: str = "json-stat2",
    ) -> None:
        self.session = session or Session(rate=DEFAULT_RATE)
        if self.session.limiter is None:
            self.session.set_rate_limit(*DEFAULT_RATE)
        self.v2_base = v2_base.rstrip("/")
        self.v1_base = v1_base.rstrip("/")
        self.lang = lang
        self.max_cells_override = max_cells
        self.use_v2 = use_v2
        self.v1_format = v1_format  # "json-stat2" (default), "json-stat" or "json"; all three are parsed
        self._config: dict[str, ApiConfig] = {}
        self.events: list[str] = []

    # -- plumbing
    def _get(self, url: str, table: str = "", **kw: Any) -> Fetched:
        try:
            return self.session.get(url, **kw)
        except HttpStatusError as err:
            raise problem_error(err, table, hint_url=url) from err

    def _apply_config(self, cfg: ApiConfig) -> ApiConfig:
        if self.max_cells_override:
            cfg.max_cells = min(cfg.max_cells, self.max_cells_override)
        self.session.set_rate_limit(cfg.max_calls, cfg.window)
        return cfg

    # -- API 2.0
    def config_v2(self) -> tuple[ApiConfig, Fetched | None]:
        if "v2" in self._config:
            return self._config["v2"], None
        f = self._get(f"{self.v2_base}/config")
        cfg = self._apply_config(config_from_v2(f.payload))
        self._config["v2"] = cfg
        return cfg, f

    def search(self, query: str, page_size: int = 100, max_pages: int = 5) -> list[dict]:
        """v2 table search (`/tables?query=`) -> table descriptions (id, label, paths, periods …)."""
        out: list[dict] = []
        for page in range(1, max_pages + 1):
            f = self._get(
                f"{self.v2_base}/tables",
                params={"query": query, "lang": self.lang, "pageSize": page_size, "pageNumber": page},
            )
            out.extend(f.payload.get("tables", []))
            info = f.payload.get("page") or {}
            if page >= int(info.get("totalPages", 1) or 1):
                break
        return out

    def table_info(self, table_id: str) -> dict:
        return self._get(f"{self.v2_base}/tables/{table_id}", table_id, params={"lang": self.lang}).payload

    def metadata_v2(self, table_id: str) -> tuple[TableMeta, Fetched]:
        url = f"{self.v2_base}/tables/{table_id}/metadata"
        f = self._get(url, table_id, params={"lang": self.lang, "outputFormat": "json-stat2"})
        return meta_from_jsonstat2(f.payload, table_id), f

    # -- API v1
    def v1_url(self, path: str) -> str:
        return f"{self.v1_base}/{self.lang}/ssd/{path.strip('/')}"

    def config_v1(self, path: str) -> tuple[ApiConfig, Fetched | None]:
        """`?config` on a table path; an installation that does not answer it gets SCB's documented limits."""
        if "v1" in self._config:
            return self._config["v1"], None
        f: Fetched | None = None
        try:
            f = self._get(self.v1_url(path) + "?config", path)
            cfg = self._apply_config(config_from_v1(f.payload))
        except (PxWebError, AttributeError, TypeError, ValueError) as exc:
            self.events.append(f"v1 ?config of {path} unavailable ({exc}); using SCB's documented limits")
            f, cfg = None, self._apply_config(ApiConfig(api="v1"))
        self._config["v1"] = cfg
        return cfg, f

    def query_v1(self, path: str, query: dict) -> Fetched:
        """POST a v1 query body as given (`{"query": [...], "response": {"format": ...}}`), e.g. a saved query."""
        try:
            return self.session.post(self.v1_url(path), json_body=query)
        except HttpStatusError as err:
            raise problem_error(err, path) from err

    def list_v1(self, path: str = "") -> list[dict]:
        """v1 folder listing -> [{id, type ('l' folder / 't' table), text, updated?}]."""
        url = self.v1_url(path) if path else f"{self.v1_base}/{self.lang}/ssd"
        return list(self._get(url, path).payload)

    def find_tables_v1(self, folder: str, pattern: str, depth: int = 2) -> list[tuple[str, str]]:
        """Tables under a v1 folder whose text matches a regex -> [(path, text)] (folders walked `depth` deep)."""
        rx = re.compile(pattern, re.IGNORECASE)
        found: list[tuple[str, str]] = []
        for item in self.list_v1(folder):
            path = f"{folder.strip('/')}/{item['id']}"
            if item.get("type") == "t" and rx.search(item.get("text", "")):
                found.append((path, item.get("text", "")))
            elif item.get("type") == "l" and depth > 0:
                found.extend(self.find_tables_v1(path, pattern, depth - 1))
        return found

    def metadata_v1(self, path: str) -> tuple[TableMeta, Fetched]:
        f = self._get(self.v1_url(path), path)
        return meta_from_v1(f.payload, path), f

    # -- unified
    def open(self, ref: TableRef) -> Table:
        """Config + metadata of a table, API 2.0 first; on any failure there, the v1 path when the ref has one."""
        fetched: list[Fetched] = []
        v2_error: FetchError | None = None
        if self.use_v2 and ref.v2_id:
            try:
                cfg, fc = self.config_v2()
                meta, fm = self.metadata_v2(ref.v2_id)
                fetched += [f for f in (fc, fm) if f is not None]
                return Table(self, ref, "v2", meta, cfg, fetched)
            except (FetchError, KeyError, TypeError, ValueError) as exc:
                v2_error = exc if isinstance(exc, FetchError) else PxWebError(f"unexpected v2 answer: {exc!r}")
                if not ref.v1_path:
                    raise v2_error from exc
                self.events.append(f"PxWeb v2 failed for {ref.v2_id} ({v2_error}); falling back to v1 {ref.v1_path}")
        if not ref.v1_path:
            raise PxWebError(f"table reference {ref} has neither a v2 id nor a v1 path")
        try:
            cfg, fc = self.config_v1(ref.v1_path)
            meta, fm = self.metadata_v1(ref.v1_path)
        except FetchError as exc:
            if v2_error is not None:
                raise PxWebError(f"both PxWeb APIs failed. v2: {v2_error} | v1: {exc}", exc.url) from exc
            raise
        fetched += [f for f in (fc, fm) if f is not None]
        return Table(self, ref, "v1", meta, cfg, fetched)


class Table:
    """An opened table: metadata + limits; plans, sends and checks (split) data queries."""

    def __init__(
        self, client: PxWeb, ref: TableRef, api: str, meta: TableMeta, config: ApiConfig, fetched: list[Fetched]
    ) -> None:
        self.client = client
        self.ref = ref
        self.api = api
        self.meta = meta
        self.config = config
        self.fetched = fetched  # config + metadata responses, for the raw store

    @property
    def ident(self) -> str:
        return self.ref.v2_id if self.api == "v2" and self.ref.v2_id else self.ref.ident

    def _request(self, sel: dict[str, list[str]]) -> tuple[str, dict, dict]:
        if self.api == "v2":
            url = f"{self.client.v2_base}/tables/{self.ref.v2_id}/data"
            params = {"lang": self.client.lang, "outputFormat": "json-stat2"}
            body = {"selection": [{"variableCode": d, "valueCodes": codes} for d, codes in sel.items()]}
        else:
            url = self.client.v1_url(self.ref.v1_path or "")
            params = {}
            body = {
                "query": [{"code": d, "selection": {"filter": "item", "values": codes}} for d, codes in sel.items()],
                "response": {"format": self.client.v1_format},
            }
        return url, params, body

    def plan(self, selection: Selection, eliminate: Iterable[str] = ()) -> list[DataQuery]:
        """Selection -> the data requests to send (split under the cell limit)."""
        sel = expand_selection(self.meta, selection, eliminate)
        parts = split_selection(sel, self.config.max_cells)
        out = []
        for i, part in enumerate(parts, 1):
            url, params, body = self._request(part)
            out.append(DataQuery(self.api, self.ident, url, params, body, part, count_cells(part), i, len(parts)))
        return out

    def query(self, dq: DataQuery) -> Fetched:
        """Send one planned request; the response is checked against what was asked before it is returned."""
        try:
            f = self.client.session.post(dq.url, params=dq.params or None, json_body=dq.body)
        except HttpStatusError as err:
            raise problem_error(err, self.ident, cells=dq.cells, max_cells=self.config.max_cells) from err
        check_response(f.payload, dq, f.url)
        return f

    def fetch(self, selection: Selection, eliminate: Iterable[str] = ()) -> pd.DataFrame:
        """Plan, send every part (paced), check and merge -> one long frame."""
        return merge_frames(
            [response_to_frame(self.query(q).payload) for q in self.plan(selection, eliminate)], self.meta
        )


def check_response(payload: Any, dq: DataQuery, url: str = "") -> pd.DataFrame:
    """A data response -> its frame, or ResponseShapeError when it lacks a selected dimension or value."""
    try:
        frame = response_to_frame(payload)
    except ResponseShapeError as exc:
        raise ResponseShapeError(f"response of {dq.table} ({url or dq.url}) is malformed: {exc}", url) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ResponseShapeError(f"response of {dq.table} ({url or dq.url}) is malformed: {exc!r}", url) from exc
    for dim, codes in dq.selection.items():
        if dim not in frame.columns:
            raise ResponseShapeError(
                f"response of {dq.table} lacks dimension {dim!r} that the query selected (it has "
                f"{', '.join(c for c in frame.columns if c != 'value')}). The table's layout may have changed: compare "
                "its metadata and update the step's selection.",
                url,
            )
        got = set(frame[dim].unique())
        lost = [c for c in codes if c not in got]
        if lost:
            raise ResponseShapeError(
                f"response of {dq.table} lacks values {lost[:5]} of {dim!r} that the query selected; rerun, and if it "
                "persists compare the table's metadata with the step's selection.",
                url,
            )
    return frame
