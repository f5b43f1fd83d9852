"""PxWeb table metadata and API limits: v2 JSON-stat 2 / v1 variables -> `TableMeta`; /config -> `ApiConfig`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from etl.sources.pxweb.errors import ResponseShapeError, SelectionError
from etl.sources.pxweb.jsonstat import _as_jsonstat2, _category_codes, _jsonstat_attrs

DEFAULT_MAX_CELLS = 150_000  # SCB's documented limit, used until /config says otherwise
DEFAULT_RATE = (30, 10.0)  # calls per seconds, SCB's documented limit


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
