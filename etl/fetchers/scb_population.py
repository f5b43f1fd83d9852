"""SCB population per kommun, län and riket, 1968 -> latest (TAB638, then TAB5557) -> `population` rows.

`fetch(ctx, unit)` (network only) opens each table through PxWeb API 2.0 (v1 as fallback), selects the
population content by its label (the code differs: BE0101N1 in TAB638, 000007ME in TAB5557), takes the
table's total code where it has one (TAB638 `Alder=tot`, TAB5557 `Civilstand=SC`, `Alder=TotSA`,
`Kon=TotSa`) and otherwise eliminates the dimension explicitly, and saves every response.
`transform(raw)` (pure) turns the saved JSON-stat2 into rows at level municipality / county / country.
"""

from __future__ import annotations

import pandas as pd

from etl.fetchers import scb_tatorter
from etl.fetchers.scb_tables import fetch_tables
from etl.fetchers.spec import FetchContext, Fetcher, Options, parse_scope, scope_unit
from etl.raw import RawItem
from etl.sources import pxweb
from etl.sources.pxweb import PxWeb, SelectionError, TableMeta, TableRef
from servicekartan import areas

TABLES: tuple[TableRef, ...] = (
    TableRef(v2_id="TAB638", v1_path="BE/BE0101/BE0101A/BefolkningNy", name="Folkmängd 1968–2024"),
    TableRef(v2_id="TAB5557", v1_path="BE/BE0101/BE0101A/BefolkningCKM", name="Folkmängd 2025– (Cell Key Method)"),
)
POPULATION_CONTENT = r"^folkmängd(?!s)"


def units(options: Options) -> list[str]:
    return [scope_unit(options.county, options.since)]


def region_codes(values: list[str], county: str | None) -> list[str]:
    """Riket, län and kommun codes of a Region dimension (optionally only one län and its kommuner)."""
    codes = [c for c in values if areas.is_area_code(c)]
    if county:
        codes = [c for c in codes if areas.county_of(c) == county]
    return codes


def selection_for(meta: TableMeta, county: str | None, since: int | None) -> tuple[dict, list[str]] | None:
    """The explicit selection for one table, or None when it holds no year asked for."""
    selection: dict[str, list[str] | str] = {}
    eliminate: list[str] = []
    for dim in meta.dims:
        if dim.code == "Region":
            selection["Region"] = region_codes(dim.values, county)
        elif dim.code == "ContentsCode":
            selection["ContentsCode"] = meta.content_code(POPULATION_CONTENT)
        elif dim.time:
            years = [c for c in dim.values if since is None or int(c[:4]) >= since]
            if not years:
                return None
            selection[dim.code] = years
        elif dim.total_code():
            selection[dim.code] = dim.total_code()  # type: ignore[assignment]
        elif dim.elimination:
            eliminate.append(dim.code)
        else:
            raise SelectionError(f"{meta.table}: dimension {dim.code} has neither a total code nor elimination")
    if not selection.get("Region"):
        raise SelectionError(f"{meta.table}: no region codes for county {county!r}")
    return selection, eliminate


def fetch(ctx: FetchContext, unit: str) -> None:
    """Network only: config, metadata and (split, paced) data of every table, saved with lock files."""
    county, since = parse_scope(unit)
    fetch_tables(ctx, PxWeb(ctx.session), TABLES, lambda meta: selection_for(meta, county, since))


def level_of(code: str) -> str | None:
    """country / county / municipality for an SCB region code (`areas.level_of`); None for anything else."""
    return areas.level_of(code) if areas.is_area_code(code) else None


def transform(raw: list[RawItem]) -> pd.DataFrame:
    """Saved data responses -> `population` rows (area_code, year, level, population, source)."""
    parts = []
    for item in raw:
        if item.kind != "data":
            continue
        frame = pxweb.response_to_frame(item.payload)
        table = item.info.get("table") or frame.attrs.get("table") or "SCB"
        time_dim = (frame.attrs.get("roles", {}).get("time") or ["Tid"])[0]
        df = pd.DataFrame(
            {
                "area_code": frame["Region"].astype(str),
                "year": frame[time_dim].str[:4].astype("int64"),
                "population": frame["value"].astype(float),
                "source": f"SCB {table}",
            }
        )
        parts.append(df)
    cols = ["area_code", "year", "level", "population", "source"]
    if not parts:
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True)
    df["level"] = df["area_code"].map(level_of)
    df = df[df["level"].notna()]
    # later retrievals win; tables do not overlap in years (TAB5557 starts where TAB638 ends)
    df = df.drop_duplicates(["area_code", "year"], keep="last")
    return df[cols].sort_values(["area_code", "year"], ignore_index=True)


def load_raw() -> pd.DataFrame:
    """Population rows from data/raw/scb/population (empty when nothing was fetched)."""
    return transform(SPEC.raw())


def overlay(seed_rows: pd.DataFrame, villages: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Seed population rows + fetched SCB series (kommun/län/riket; tätort/småort years) -> rows, and a note.

    Fetched village rows are kept only for places in `villages` (validation joins on it); a fetched figure
    replaces the seed's for the same place and year.
    """
    regions = load_raw()
    series = scb_tatorter.load_series()
    village_rows = pd.DataFrame(columns=seed_rows.columns)
    if len(series):
        known = set(villages["village_id"])
        s = series[series["village_id"].isin(known) & series["population"].notna()]
        village_rows = pd.DataFrame(
            {
                "area_code": s["village_id"],
                "year": s["year"].astype("int64"),
                "level": "village",
                "population": s["population"].astype(float),
                "source": s["source"],
            }
        )
    fetched = [f for f in (regions, village_rows) if len(f)]
    if not fetched:
        return seed_rows, ""
    df = pd.concat([*fetched, seed_rows], ignore_index=True).drop_duplicates(["area_code", "year"], keep="first")
    df = df.sort_values(["area_code", "year"], ignore_index=True)
    note = f"SCB PxWeb: {len(regions):,} kommun/län/riket rows, {len(village_rows):,} tätort/småort rows"
    return df, note


SPEC = Fetcher(
    name="scb_population",
    source="scb",
    dataset="population",
    feeds="population (kommun, län, riket)",
    label="SCB folkmängd per region 1968– (TAB638, TAB5557)",
    licence=pxweb.LICENCE,
    attribution=pxweb.ATTRIBUTION,
    fallback="seed",
    units=units,
    fetch=fetch,
    transform=transform,
)
