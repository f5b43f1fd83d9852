"""Selection planning: `*`, `top(n)`, `from(code)`, `to(code)` and codes -> explicit codes, split under the cell limit; parts merged back."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from etl.sources.pxweb.errors import SelectionError
from etl.sources.pxweb.metadata import Dimension, TableMeta

Selection = Mapping[str, "str | Sequence[str]"]

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
