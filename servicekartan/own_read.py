"""An uploaded file's bytes (CSV UTF-8 with/without BOM, `;` `,` or tab; Excel .xlsx; GeoJSON) -> header + numbered rows.

Reading only: no meaning is given to a column here (servicekartan.own_data validates). A file that cannot
be read at all raises `ReadError` with a code and the numbers of the problem (line, byte, size, limit),
which own_data turns into a sentence in the user's language.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import PurePath

MAX_BYTES = 5_000_000  # an upload or import larger than this is refused whole (stated in the user's number format)
MAX_ROWS = 50_000  # service points per file (Sweden has about 6,000 grocery, fuel, ATM and parcel points together)

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GEOJSON_SUFFIXES = (".geojson", ".json")
SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + GEOJSON_SUFFIXES


class ReadError(ValueError):
    """The file cannot be read at all: nothing is used. `code` names the catalog message, `params` its values."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}")
        self.code, self.params = code, params


@dataclass
class Table:
    """A file's header and rows, each with the number a user finds it by (line, spreadsheet row, feature)."""

    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    unit: str = "line"  # "line" (CSV), "row" (Excel), "feature" (GeoJSON): how own_data names a row's place
    kind: str = "csv"


def decode(content: bytes) -> str:
    """UTF-8 text (a leading BOM dropped); anything else raises ReadError naming the line and byte."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        column = exc.start - (content.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ReadError(
            "encoding", line=line, column=column, byte=f"0x{content[exc.start]:02X}", offset=exc.start + 1
        ) from None


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if abs(value) >= 1000 else repr(value)
    return str(value).strip()


def _check_rows(n: int, max_rows: int) -> None:
    if n > max_rows:
        raise ReadError("too_many_rows", rows=n, limit=max_rows)


def read_csv(text: str, max_rows: int = MAX_ROWS) -> Table:
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if not first:
        raise ReadError("empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    columns: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    start = 1
    for values in reader:
        line = start
        start = reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if columns is None:
            columns = [v.strip() for v in values]
            continue
        rows.append((line, {c: (values[i].strip() if i < len(values) else "") for i, c in enumerate(columns)}))
        _check_rows(len(rows), max_rows)
    return Table(columns or [], rows, "line", "csv")


def read_excel(content: bytes, max_rows: int = MAX_ROWS) -> Table:
    import openpyxl  # only for Excel uploads

    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any damage in the workbook: one message, never a traceback
        raise ReadError("excel", why=type(exc).__name__) from None
    try:
        ws = wb.worksheets[0]
        columns: list[str] | None = None
        rows: list[tuple[int, dict[str, str]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), 1):
            cells = [_cell(v) for v in values]
            if not any(cells):
                continue
            if columns is None:
                columns = cells
                continue
            rows.append((number, {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns) if c}))
            _check_rows(len(rows), max_rows)
    finally:
        wb.close()
    if columns is None:
        raise ReadError("empty")
    return Table([c for c in columns if c], rows, "row", "excel")


def read_geojson(text: str, max_rows: int = MAX_ROWS) -> Table:
    """A FeatureCollection of Points: properties become columns; coordinates become lon/lat (or x/y in metres)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError("json", line=exc.lineno, column=exc.colno) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise ReadError("geojson_collection")
    _check_rows(len(features), max_rows)
    crs = json.dumps(doc.get("crs") or "")
    metres = "3006" in crs
    columns: dict[str, None] = {}
    rows: list[tuple[int, dict[str, str]]] = []
    for number, feat in enumerate(features, 1):
        props = (feat or {}).get("properties") or {} if isinstance(feat, dict) else {}
        row = {str(k): _cell(v) for k, v in props.items() if not isinstance(v, dict | list)}
        geom = (feat or {}).get("geometry") if isinstance(feat, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) and geom.get("type") == "Point" else None
        if isinstance(coords, list) and len(coords) >= 2:
            a, b = _cell(coords[0]), _cell(coords[1])
            if metres:
                row["x"], row["y"] = a, b
            else:
                row["lon"], row["lat"] = a, b
        else:
            row["_geometry"] = str((geom or {}).get("type", "")) if isinstance(geom, dict) else "none"
        columns.update(dict.fromkeys(row))
        rows.append((number, row))
    return Table(list(columns), rows, "feature", "geojson")


def read(content: bytes, filename: str, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """Any accepted file -> Table; ReadError when it is too large, of another kind, not UTF-8 or not readable."""
    if len(content) > max_bytes:
        raise ReadError("too_large", size=len(content), limit=max_bytes)
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ReadError("format", suffix=suffix or "–")
    if not content.strip():
        raise ReadError("empty")
    if suffix in EXCEL_SUFFIXES:
        return read_excel(content, max_rows)
    text = decode(content)
    if suffix in GEOJSON_SUFFIXES:
        return read_geojson(text, max_rows)
    return read_csv(text, max_rows)
