"""Filtered datasets -> CSV, Excel, Parquet and zip packages with README, licences and a citation."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from servicekartan import areas
from servicekartan.datasets import COLUMNS, DATASETS, column_doc
from servicekartan.definitions import COUNTRY_CODE
from servicekartan.i18n import t
from servicekartan.views import area_mask, latest_population

# Datasets offered for download, in menu order.
DOWNLOADABLE: tuple[str, ...] = (
    "villages",
    "village_access",
    "indicators",
    "kolada_values",
    "area_population",
    "grid_indicators",
    "grid_population",
    "grid_access",
    "services",
    "population",
    "regions",
)
# Square-level grid datasets (up to 1.9 million rows): the page hands apply_filters only the area's rows.
SQUARE_DATASETS: tuple[str, ...] = ("grid_population", "grid_access")
# Excel workbooks are written cell by cell (and hold at most 1,048,576 rows): larger selections are CSV/Parquet.
EXCEL_MAX_ROWS = 100_000

# Column -> (description, unit) for the README of every download, read from the dataset descriptions.
COLUMN_DOCS: dict[str, tuple[str, str]] = {c: (col.description, col.unit) for c, col in COLUMNS.items()}

DEFINITIONS = """\
- Tätort: a continuous built-up area with at least 200 inhabitants (SCB).
- Småort: a built-up area with 50–199 inhabitants (SCB).
- Distances: straight line between SCB's tätort point and the service point in SWEREF 99 TM.
- A service counts in year Y when opened <= Y < closed (empty = open-ended).
- quality = modelled marks estimates; they are not observations. Missing values are empty, never 0.
- 1 km squares (grid_population, grid_access): SCB's grid 2024 (SWEREF 99 TM) and Eurostat's Census 2021 /
  GEOSTAT grids (EPSG:3035); a cell id names its grid. A square belongs to the kommun of its centre.
- In/outside a tätort (in_tatort, basis in_tatort/outside_tatort) is a model (SCB's tätort boundaries are not
  in the data), validated per kommun against Kolada's tätortsgrad (N00954).
- grid_indicators: people of a basis (all, in_tatort, outside_tatort, age_65plus = Census 2021 only) within
  (<=) or beyond (>) a threshold; sums of squares, i.e. grid estimates, not official totals.
- area_population: quality official (SCB, Kolada), grid_estimate (2021, sum of squares) or missing (empty,
  never interpolated).
- Distances to a modelled service layer (quality = modelled: one point per tätort above a size) are upper
  bounds, so shares within a distance are lower bounds.
"""


SPREADSHEET_NOTE = """\
- The CSV is UTF-8 with a byte-order mark, so Excel shows å, ä and ö.
- Codes keep their leading zero in the file ("0861" is Mönsterås, "08" Kalmar län), but Excel drops it when
  it opens any CSV directly (0861 becomes 861). Import instead (Data > From Text/CSV, column type Text for
  the *_code and *_id columns), or use the Excel download, where code columns are typed as text.
- Text that begins with =, +, -, @, a tab or a carriage return is written with a leading apostrophe (')
  so that no spreadsheet runs it as a formula (OWASP, CSV injection); numbers are unchanged. In the Excel
  file such text is a text cell (never a formula) and shows as written.
"""


@dataclass
class Filters:
    """What the user chose; also the query string of the stable link that reproduces the download."""

    dataset: str = "villages"
    area: str = COUNTRY_CODE
    years: tuple[int, int] | None = None
    service_types: tuple[str, ...] = ()
    min_pop: int | None = None
    max_pop: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def query(self) -> dict[str, str]:
        q = {"ds": self.dataset, "area": self.area}
        if self.years:
            q["years"] = f"{self.years[0]}-{self.years[1]}"
        if self.service_types:
            q["types"] = ",".join(self.service_types)
        if self.min_pop is not None:
            q["minpop"] = str(self.min_pop)
        if self.max_pop is not None:
            q["maxpop"] = str(self.max_pop)
        return q


def _village_population(frames: dict[str, pd.DataFrame]) -> pd.Series:
    return latest_population(frames["population"])


@dataclass
class Selection:
    """The rows a filter selects, as positions into a frame: counted and previewed at once, built into a
    frame only when a file is made (a national `grid_access` selection is a million rows)."""

    frame: pd.DataFrame
    positions: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    def head(self, n: int) -> pd.DataFrame:
        return self.frame.take(self.positions[:n]).reset_index(drop=True)

    def rows(self) -> pd.DataFrame:
        if len(self.positions) == len(self.frame):
            return self.frame.reset_index(drop=True)
        return self.frame.take(self.positions).reset_index(drop=True)

    def qualities(self) -> list[str]:
        """The quality levels among the selected rows (each gets its badge on the page)."""
        if "quality" not in self.frame.columns or not len(self.positions):
            return []
        return sorted(set(self.frame["quality"].to_numpy(object)[self.positions]) - {None})

    def any_modelled(self) -> bool:
        if "quality" not in self.frame.columns:
            return False
        return bool((self.frame["quality"] == "modelled").to_numpy(bool)[self.positions].any())


def apply_filters(frames: dict[str, pd.DataFrame], f: Filters) -> pd.DataFrame:
    """The chosen dataset filtered by area, years, service types and village size."""
    return select(frames, f).rows()


def select(frames: dict[str, pd.DataFrame], f: Filters) -> Selection:
    """The rows of the chosen dataset that the filters keep (area, years, service types, village size).

    One boolean array over the rows, no intermediate frames: a boolean Series mask per step over the
    1.9 million rows of `grid_access` cost most of a second, the array a few milliseconds."""
    df = frames[f.dataset]
    villages = frames["villages"]
    if f.dataset == "villages":
        df = df.assign(population=df["village_id"].map(_village_population(frames)))
    keep = np.ones(len(df), bool)
    # area
    if f.area != COUNTRY_CODE:
        if "municipality_code" in df.columns:
            keep &= area_mask(df, f.area).to_numpy(bool)
        elif "village_id" in df.columns:
            ids = villages.loc[area_mask(villages, f.area), "village_id"]
            keep &= df["village_id"].isin(ids).to_numpy(bool)
        elif f.dataset == "regions":
            keep &= (areas.in_area(df["code"], f.area) | (df["code"] == COUNTRY_CODE)).to_numpy(bool)
        elif "area_code" in df.columns:
            ids = set(villages.loc[area_mask(villages, f.area), "village_id"])
            codes = df["area_code"].astype(str)
            keep &= (areas.in_area(codes, f.area) | codes.isin(ids)).to_numpy(bool)
    # years
    if f.years and "year" in df.columns:
        y = df["year"].to_numpy()
        keep &= (y >= f.years[0]) & (y <= f.years[1])
    # service types
    if f.service_types:
        if "service_type" in df.columns:
            keep &= df["service_type"].isin(f.service_types).to_numpy(bool)
        elif "indicator_id" in df.columns:
            keep &= df["indicator_id"].str.endswith(tuple("_" + s for s in f.service_types)).to_numpy(bool)
    # village size
    if f.min_pop is not None or f.max_pop is not None:
        pop = _village_population(frames)
        key = "village_id" if "village_id" in df.columns else ("area_code" if f.dataset == "population" else None)
        if key:
            p = df[key].map(pop)
            lo = f.min_pop if f.min_pop is not None else -1
            hi = f.max_pop if f.max_pop is not None else float("inf")
            keep &= ((p >= lo) & (p <= hi)).to_numpy(bool)
    return Selection(df, np.flatnonzero(keep))


def citation(meta: dict, f: Filters, link: str, retrieved_on: str, lang: str = "en") -> str:
    """How to cite a download, in the page's language (catalog: cite.text)."""
    return t(
        "cite.text",
        lang,
        year=retrieved_on[:4],
        dataset=f.dataset,
        filter=json.dumps(f.query(), ensure_ascii=False),
        attribution=meta.get("attribution", ""),
        source=meta.get("source", ""),
        licence=meta.get("licence", ""),
        retrieved=meta.get("retrieved", ""),
        built=str(meta.get("built_at", ""))[:10],
        build=meta.get("build_id", "–"),
        own=t("cite.own", lang, own=meta["own_data"]) if meta.get("own_data") else "",
        downloaded=retrieved_on,
        link=link,
    )


def readme(df: pd.DataFrame, meta: dict, f: Filters, cite: str) -> str:
    lines = [
        f"# Servicekartan — {f.dataset}",
        "",
        f"Rows: {len(df)}. Filter: {json.dumps(f.query(), ensure_ascii=False)}",
        "",
        "## Source and provenance",
        f"- Source: {meta.get('source', '')}",
        f"- Licence: {meta.get('licence', '')}",
        f"- Attribution: {meta.get('attribution', '')}",
        f"- Origin: {meta.get('origin', '')}",
        f"- Retrieved: {meta.get('retrieved', '')}; built: {meta.get('built_at', '')}; data build: {meta.get('build_id', '–')}",
        f"- Method: {meta.get('method', '')}",
        f"- Quality: {meta.get('quality', '')}",
        "",
        "## Columns",
        "| column | description | unit |",
        "|---|---|---|",
    ]
    for c in df.columns:
        desc, unit = column_doc(c, f.dataset) if f.dataset in DATASETS else COLUMN_DOCS.get(c, ("", ""))
        lines.append(f"| {c} | {desc} | {unit} |")
    lines += ["", "## Definitions", DEFINITIONS, "## Opening the files in a spreadsheet", SPREADSHEET_NOTE]
    lines += ["## Citation", cite, ""]
    return "\n".join(lines)


LICENCES = """\
Data licences
- SCB (Statistics Sweden): CC0 1.0 — "Källa: SCB".
- OpenStreetMap: Open Database License (ODbL) 1.0 — "© OpenStreetMap contributors".
  Derived databases must be shared under the ODbL: https://opendatacommons.org/licenses/odbl/
- Eurostat (Census 2021 and GEOSTAT 1 km population grids): Eurostat's reuse policy, free reuse with
  attribution — "Källa: Eurostat".
- Kolada (RKA): CC BY 4.0 — "Källa: Kolada".
- PTS broadband figures: public facts, cite "Källa: PTS".
- Modelled rows (quality = modelled) are Servicekartan's estimates from SCB data (CC0).
- Access figures (village_access, grid_access, grid_indicators, indicators) derived from OpenStreetMap rows
  (quality = observed, service types pharmacy and health) are a derived database under the ODbL:
  "© OpenStreetMap contributors"; those from the modelled layer are Servicekartan's estimate (CC0).
"""


COUNT_COLUMNS = (
    "population",
    "year",
    "opened",
    "closed",
    "pop_beyond",
    "pop_within",
    "tatort_count",
    "population_0_14",
    "population_15_64",
    "population_65plus",
)


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Counts written as whole numbers (716, not 716.0); missing stays empty, never 0."""
    out = df.copy()
    for c in out.columns:
        if c in COUNT_COLUMNS and str(out[c].dtype).startswith(("float", "Float")):
            v = out[c]
            if ((v.dropna() % 1) == 0).all():
                out[c] = v.astype("Int64")
    return out


# OWASP CSV injection: a text cell beginning with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escape_text(x: object) -> object:
    """A text cell beginning with a formula character gets a leading apostrophe; anything else unchanged."""
    return "'" + x if isinstance(x, str) and x.startswith(FORMULA_STARTS) else x


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell made inert for spreadsheets (OWASP): `=SUM(1)` -> `'=SUM(1)`. Numbers are never touched
    (a negative number stays a number); only object/string columns are looked at, whatever the text came from
    (uploaded target names, OpenStreetMap names, register entries)."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        out[c] = col.astype(object).map(_escape_text, na_action="ignore")
    out.columns = [_escape_text(str(c)) for c in out.columns]
    return out


def is_code_column(name: str) -> bool:
    """Identifier columns (area/kommun/län/village codes such as "0861", ids): text, never numbers."""
    n = str(name)
    return n in ("code", "id", "cell_id") or n.endswith(("_code", "_id", "_ids"))


def csv_bytes(df: pd.DataFrame, **to_csv_kwargs: object) -> bytes:
    """The one way a CSV leaves the app: formula-safe text cells, UTF-8 with a BOM (Excel then reads åäö).

    Lines end in CRLF (RFC 4180), so a text holding a carriage return is quoted and stays one field."""
    to_csv_kwargs.setdefault("lineterminator", "\r\n")
    return ("\ufeff" + neutralise(df).to_csv(index=False, **to_csv_kwargs)).encode("utf-8")


def to_csv(df: pd.DataFrame) -> bytes:
    return csv_bytes(tidy(df))


def to_parquet(df: pd.DataFrame, meta: dict) -> bytes:
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"servicekartan": json.dumps(meta).encode()}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def _text_cells(ws, code_cols: set[int]) -> None:
    """No cell is ever a formula; code columns are text ("0861" stays 0861 with its zero).

    A text beginning with a formula character is kept as it is, written as a string cell with Excel's own
    quote prefix (shown as typed, stays text when edited): the workbook's equivalent of the CSV's apostrophe."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)):
                cell.data_type = "s"  # openpyxl takes a string starting with "=" for a formula
                cell.quotePrefix = True
            if cell.column in code_cols and cell.row > 1 and cell.value is not None:
                cell.value = str(cell.value)
                cell.data_type = "s"
                cell.number_format = "@"


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Sheets -> an .xlsx: text cells formula-safe, code columns typed as text, numbers unchanged."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, frame in sheets.items():
            frame.to_excel(xw, sheet_name=name, index=False)
            codes = {i + 1 for i, c in enumerate(frame.columns) if is_code_column(c)}
            _text_cells(xw.sheets[name], codes)
    return buf.getvalue()


def to_excel(df: pd.DataFrame, meta: dict, cite: str) -> bytes:
    about = pd.DataFrame(
        [(k, str(v)) for k, v in meta.items() if k not in ("extra",)] + [("citation", cite)], columns=["field", "value"]
    )
    return excel_bytes({"data": tidy(df), "about": about})


def to_zip(df: pd.DataFrame, meta: dict, f: Filters, cite: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{f.dataset}.csv", to_csv(df))
        z.writestr(f"{f.dataset}.parquet", to_parquet(df, meta))
        z.writestr("README.md", readme(df, meta, f, cite))
        z.writestr("LICENSES.txt", LICENCES)
        z.writestr("CITATION.txt", cite + "\n")
    return buf.getvalue()
