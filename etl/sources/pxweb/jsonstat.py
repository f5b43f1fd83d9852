"""PxWeb data responses (JSON-stat 2, JSON-stat 1, v1 `json`) -> long DataFrames with labels and notes in attrs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from etl.sources.pxweb.errors import ResponseShapeError


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
