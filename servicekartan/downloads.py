"""Filtered datasets -> CSV, Excel, Parquet and zip packages with README, licences and a citation."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from servicekartan import areas
from servicekartan.datasets import COLUMNS
from servicekartan.definitions import COUNTRY_CODE
from servicekartan.views import area_mask, latest_population

# Datasets offered for download, in menu order.
DOWNLOADABLE: tuple[str, ...] = ("villages", "village_access", "indicators", "services", "population", "regions")

# Column -> (description, unit) for the README of every download, read from the dataset descriptions.
COLUMN_DOCS: dict[str, tuple[str, str]] = {c: (col.description, col.unit) for c, col in COLUMNS.items()}

DEFINITIONS = """\
- Tätort: a continuous built-up area with at least 200 inhabitants (SCB).
- Småort: a built-up area with 50–199 inhabitants (SCB).
- Distances: straight line between SCB's tätort point and the service point in SWEREF 99 TM.
- A service counts in year Y when opened <= Y < closed (empty = open-ended).
- quality = modelled marks estimates; they are not observations. Missing values are empty, never 0.
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


def apply_filters(frames: dict[str, pd.DataFrame], f: Filters) -> pd.DataFrame:
    """The chosen dataset filtered by area, years, service types and village size."""
    df = frames[f.dataset]
    villages = frames["villages"]
    if f.dataset == "villages":
        df = df.assign(population=df["village_id"].map(_village_population(frames)))
    # area
    if f.area != COUNTRY_CODE:
        if "municipality_code" in df.columns:
            df = df[area_mask(df, f.area)]
        elif "village_id" in df.columns:
            ids = villages.loc[area_mask(villages, f.area), "village_id"]
            df = df[df["village_id"].isin(ids)]
        elif f.dataset == "regions":
            df = df[areas.in_area(df["code"], f.area) | (df["code"] == COUNTRY_CODE)]
        elif "area_code" in df.columns:
            ids = set(villages.loc[area_mask(villages, f.area), "village_id"])
            df = df[areas.in_area(df["area_code"], f.area) | df["area_code"].isin(ids)]
    # years
    if f.years and "year" in df.columns:
        df = df[(df["year"] >= f.years[0]) & (df["year"] <= f.years[1])]
    # service types
    if f.service_types:
        if "service_type" in df.columns:
            df = df[df["service_type"].isin(f.service_types)]
        elif "indicator_id" in df.columns:
            df = df[df["indicator_id"].str.endswith(tuple("_" + s for s in f.service_types))]
    # village size
    if f.min_pop is not None or f.max_pop is not None:
        pop = _village_population(frames)
        key = "village_id" if "village_id" in df.columns else ("area_code" if f.dataset == "population" else None)
        if key:
            p = df[key].map(pop)
            lo = f.min_pop if f.min_pop is not None else -1
            hi = f.max_pop if f.max_pop is not None else float("inf")
            df = df[(p >= lo) & (p <= hi)]
    return df.reset_index(drop=True)


def citation(meta: dict, f: Filters, link: str, retrieved_on: str) -> str:
    return (
        f"Servicekartan ({retrieved_on[:4]}). Dataset '{f.dataset}', filter {json.dumps(f.query(), ensure_ascii=False)}. "
        f"Data: {meta.get('attribution', '')} — {meta.get('source', '')} ({meta.get('licence', '')}), "
        f"retrieved {meta.get('retrieved', '')}, built {meta.get('built_at', '')[:10]}. Downloaded {retrieved_on}. {link}"
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
        f"- Retrieved: {meta.get('retrieved', '')}; built: {meta.get('built_at', '')}",
        f"- Method: {meta.get('method', '')}",
        f"- Quality: {meta.get('quality', '')}",
        "",
        "## Columns",
        "| column | description | unit |",
        "|---|---|---|",
    ]
    for c in df.columns:
        desc, unit = COLUMN_DOCS.get(c, ("", ""))
        lines.append(f"| {c} | {desc} | {unit} |")
    lines += ["", "## Definitions", DEFINITIONS, "## Citation", cite, ""]
    return "\n".join(lines)


LICENCES = """\
Data licences
- SCB (Statistics Sweden): CC0 1.0 — "Källa: SCB".
- OpenStreetMap: Open Database License (ODbL) 1.0 — "© OpenStreetMap contributors".
  Derived databases must be shared under the ODbL: https://opendatacommons.org/licenses/odbl/
- Kolada (RKA): CC BY 4.0 — "Källa: Kolada".
- PTS broadband figures: public facts, cite "Källa: PTS".
- Modelled rows (quality = modelled) are Servicekartan's estimates from SCB data (CC0).
"""


COUNT_COLUMNS = ("population", "year", "opened", "closed", "pop_beyond", "tatort_count")


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Counts written as whole numbers (716, not 716.0); missing stays empty, never 0."""
    out = df.copy()
    for c in out.columns:
        if c in COUNT_COLUMNS and str(out[c].dtype).startswith(("float", "Float")):
            v = out[c]
            if ((v.dropna() % 1) == 0).all():
                out[c] = v.astype("Int64")
    return out


def to_csv(df: pd.DataFrame) -> bytes:
    return tidy(df).to_csv(index=False).encode("utf-8")


def to_parquet(df: pd.DataFrame, meta: dict) -> bytes:
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"servicekartan": json.dumps(meta).encode()}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def to_excel(df: pd.DataFrame, meta: dict, cite: str) -> bytes:
    buf = io.BytesIO()
    about = pd.DataFrame(
        [(k, str(v)) for k, v in meta.items() if k not in ("extra",)] + [("citation", cite)], columns=["field", "value"]
    )
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        tidy(df).to_excel(xw, sheet_name="data", index=False)
        about.to_excel(xw, sheet_name="about", index=False)
    return buf.getvalue()


def to_zip(df: pd.DataFrame, meta: dict, f: Filters, cite: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{f.dataset}.csv", to_csv(df))
        z.writestr(f"{f.dataset}.parquet", to_parquet(df, meta))
        z.writestr("README.md", readme(df, meta, f, cite))
        z.writestr("LICENSES.txt", LICENCES)
        z.writestr("CITATION.txt", cite + "\n")
    return buf.getvalue()
