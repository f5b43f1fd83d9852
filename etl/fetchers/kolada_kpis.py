"""Kolada KPIs N07530, N07900, N07918-N07920 and N01951 for every kommun, region and year -> `indicators` rows.

`fetch(ctx, unit)` (network only) saves the KPI description and every data page of one KPI (years in
chunks of 25, all kommuner — or one län's kommuner and region — following `next_url`);
`transform(raw)` (pure) gives the long frame with gender T/K/M kept; `to_indicators()` keeps the total
(gender T) as `indicators` rows with source "Kolada <kpi id>".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd

from etl import seed
from etl.fetchers.spec import FetchContext, Fetcher, Options, parse_scope, scope_unit
from etl.raw import RawItem
from etl.sources import kolada
from servicekartan import areas
from servicekartan.definitions import QUALITY_OBSERVED

# Kolada KPI -> (indicator_id, unit)
KPIS: dict[str, tuple[str, str]] = {
    "N07530": ("official_within_2km_grocery", "%"),  # Tillväxtverket (road distance); not our own estimate
    "N07900": ("broadband_100", "%"),
    "N07918": ("broadband_1000", "%"),
    "N07919": ("broadband_1000_dense", "%"),
    "N07920": ("broadband_1000_sparse", "%"),
    "N01951": ("population_total", "persons"),
}
FIRST_YEAR = 1970


def units(options: Options) -> list[str]:
    """One unit per KPI (suffixed by the filter, e.g. N07900-county-08-since-2015)."""
    scope = scope_unit(options.county, options.since, base="")
    return [f"{k}-{scope}" if scope else k for k in KPIS]


def municipality_ids(county: str) -> list[str]:
    """Kolada ids of one län: its region (00 + län code) and its kommuner."""
    kom = seed.read_csv("municipalities.csv")
    codes = sorted(
        c.zfill(4)
        for c, lan in zip(kom["municipality_code"], kom["county_code"], strict=True)
        if lan.zfill(2) == county
    )
    if not codes:
        raise ValueError(f"no kommuner known for län {county!r}")
    return ["00" + county, *codes]


def fetch(ctx: FetchContext, unit: str) -> None:
    """Network only: KPI description + every data page of one KPI."""
    kpi = unit.split("-", 1)[0]
    county, since = parse_scope(unit)
    client = kolada.Kolada(ctx.session)
    this_year = datetime.fromtimestamp(ctx.store.clock.wall(), UTC).year
    years = list(range(since or FIRST_YEAR, this_year + 1))
    munis = municipality_ids(county) if county else None
    meta_url = f"{client.base}/kpi/{kpi}"
    ctx.expect(1)
    ctx.request(
        f"kpi-{kpi}",
        "GET",
        meta_url,
        lambda: client.get_page(meta_url),
        kind="metadata",
        info={"kpi": kpi},
        reusable=False,
    )
    for first in client.data_urls(kpi, years, munis):
        url: str | None = first
        params: dict | None = {"per_page": client.per_page}
        guard = kolada.PageGuard(kolada.first_page_url(first, params), client.base)
        page = 1
        while url:
            ctx.expect(1)
            payload = ctx.request(
                f"data-{kpi}-p{page}",
                "GET",
                url,
                lambda url=url, params=params: client.get_page(url, params),
                params=params,
                info={"kpi": kpi, "page": page},
            )
            url, params, page = guard.next(url, payload), None, page + 1


def transform(raw: list[RawItem]) -> pd.DataFrame:
    """Saved data pages -> kpi, municipality, period, gender (T/K/M), value, status, count, retrieved."""
    pages = [item for item in raw if item.kind == "data"]
    frames = []
    for item in pages:
        df = kolada.values_to_frame([item.payload])
        df["retrieved"] = item.retrieved[:10]
        frames.append(df)
    if not frames:
        return kolada.values_to_frame([]).assign(retrieved=pd.Series(dtype=str))
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates(["kpi", "municipality", "period", "gender"], keep="last").reset_index(drop=True)


def area_of(kolada_id: str) -> tuple[str, str] | None:
    """Kolada municipality id -> (area_code, level): 0000 -> 00 country, 00NN -> län NN, NNNN -> kommun."""
    if not re.fullmatch(r"\d{4}", kolada_id):
        return None
    if areas.normalise(kolada_id) == areas.COUNTRY_CODE:
        return areas.COUNTRY_CODE, "country"
    if kolada_id.startswith("00"):
        return kolada_id[2:], "county"
    return kolada_id, "municipality"


def to_indicators(values: pd.DataFrame) -> pd.DataFrame:
    """Long Kolada frame -> `indicators` rows (gender T), ids from common.md, source "Kolada <kpi>"."""
    cols = ["area_code", "year", "indicator_id", "level", "value", "unit", "source", "quality"]
    v = values[(values["gender"] == "T") & values["kpi"].isin(list(KPIS))]
    if v.empty:
        return pd.DataFrame(columns=cols)
    found = v["municipality"].map(area_of)
    v = v[found.notna()]
    found = found[found.notna()]
    out = pd.DataFrame(
        {
            "area_code": [a[0] for a in found],
            "year": v["period"].astype("int64").to_numpy(),
            "indicator_id": v["kpi"].map(lambda k: KPIS[k][0]).to_numpy(),
            "level": [a[1] for a in found],
            "value": v["value"].astype(float).to_numpy(),
            "unit": v["kpi"].map(lambda k: KPIS[k][1]).to_numpy(),
            "source": ("Kolada " + v["kpi"]).to_numpy(),
            "quality": QUALITY_OBSERVED,
        }
    )
    return out.sort_values(["indicator_id", "area_code", "year"], ignore_index=True)


def load_raw() -> pd.DataFrame:
    """The long Kolada frame from data/raw/kolada/kpis (empty when nothing was fetched)."""
    return transform(SPEC.raw())


def load_indicators() -> pd.DataFrame:
    """`indicators` rows from data/raw/kolada (empty when nothing was fetched)."""
    return to_indicators(load_raw())


SPEC = Fetcher(
    name="kolada_kpis",
    source="kolada",
    dataset="kpis",
    feeds="indicators",
    label="Kolada KPIs (N07530, N07900, N07918–N07920, N01951)",
    licence=kolada.LICENCE,
    attribution=kolada.ATTRIBUTION,
    fallback="seed",
    units=units,
    fetch=fetch,
    transform=transform,
)
