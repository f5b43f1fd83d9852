"""SCB tätorter (MI0810) and småorter (MI0811): population and land area per published year, and småort points.

Units of this step:

- `all` (or `county-08`, `since-2015` …): every MI0810 / MI0811 table found (v2 table search, else the v1
  folder listing, else the known v1 paths), population and land area for every year; the tables' old
  (`T####`, `S####`) codes are carried over to today's codes (`0861TB103`) by `crosswalk()`.
- `smaort-points`: SCB's open geodata (WFS, CC0) småort areas of the latest vintage -> one point each
  (polygon centroid, SWEREF 99 TM), so småorter can enter `villages` with SCB coordinates.

`transform_series(raw)` (the spec's `transform`) and `transform_points(raw)` are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.fetchers.scb_tables import fetch_tables
from etl.fetchers.spec import FetchContext, Fetcher, Options, parse_scope, scope_unit
from etl.raw import RawItem
from etl.sources import endpoints, pxweb
from etl.sources.http import FetchError, ResponseTooLarge, SourceDown
from etl.sources.pxweb import PxWeb, TableMeta, TableRef
from servicekartan import geo
from servicekartan.datasets import columns

POINTS_UNIT = "smaort-points"
WFS_URL = endpoints.DEFAULTS["scb_wfs"]  # a run uses endpoints.url("scb_wfs") (SERVICEKARTAN_SCB_WFS_URL)
SMAORT_LAYERS = ("stat:Smaorter_2023", "stat:Smaorter_2020")  # newest first; the first that answers is used

POPULATION_RX = re.compile(r"folkmängd|befolkning|invånare", re.IGNORECASE)
AREA_RX = re.compile(r"landareal|areal", re.IGNORECASE)
NEW_CODE = re.compile(r"^\d{4}[A-Z]{1,2}\d{3,4}$")  # 0861TB103, 0861TC104, småorter 0861S1001
OLD_CODE = re.compile(r"^[TS]\d{4}$")  # T0861, S1234


@dataclass(frozen=True)
class Group:
    kind: str  # tatort / smaort
    subject: str  # SCB subject code the tables sit under
    search: str  # v2 /tables?query=
    v1_folder: str
    label_rx: str
    known: tuple[TableRef, ...]


GROUPS: tuple[Group, ...] = (
    Group(
        "tatort",
        "MI0810",
        "tätorter",
        "MI/MI0810",
        r"(?=.*tätort)(?=.*areal)",  # the land area + population tables, not the age/sex breakdowns
        (TableRef(v1_path="MI/MI0810/MI0810A/LandarealTatortN", name="Tätorter: landareal, folkmängd"),),
    ),
    Group(
        "smaort",
        "MI0811",
        "småorter",
        "MI/MI0811",
        r"(?=.*småort)(?=.*areal)",
        (TableRef(v1_path="MI/MI0811/MI0811A/LandarealSmaort", name="Småorter: landareal, folkmängd"),),
    ),
)


def units(options: Options) -> list[str]:
    return [scope_unit(options.county, options.since), POINTS_UNIT]


def _in_subject(table: dict, subject: str) -> bool:
    for path in table.get("paths") or []:
        if any(str(node.get("id", "")).upper().startswith(subject) for node in path):
            return True
    return False


def discover(client: PxWeb, group: Group) -> list[TableRef]:
    """The group's tables: v2 search first, then the v1 folder listing, then the known v1 paths."""
    rx = re.compile(group.label_rx, re.IGNORECASE)
    try:
        hits = [
            t for t in client.search(group.search) if _in_subject(t, group.subject) and rx.search(t.get("label", ""))
        ]
        if hits:
            return [TableRef(v2_id=t["id"], name=t.get("label", "")) for t in hits]
    except FetchError as exc:
        client.events.append(f"v2 search for {group.search!r} failed: {exc}")
    try:
        found = client.find_tables_v1(group.v1_folder, group.label_rx)
        if found:
            return [TableRef(v1_path=p, name=text) for p, text in found]
    except FetchError as exc:
        client.events.append(f"v1 listing of {group.v1_folder} failed: {exc}")
    return list(group.known)


def selection_for(meta: TableMeta, county: str | None, since: int | None) -> tuple[dict, list[str]] | None:
    """Every place (one län's where codes allow), population + land area contents, every year (from `since`)."""
    selection: dict[str, list[str] | str] = {}
    eliminate: list[str] = []
    for dim in meta.dims:
        if dim.code == "ContentsCode":
            wanted = [
                c
                for c in dim.values
                if POPULATION_RX.search(dim.value_labels.get(c, "")) or AREA_RX.search(dim.value_labels.get(c, ""))
            ]
            wanted = [c for c in wanted if "per " not in dim.value_labels.get(c, "").lower()]  # not density
            selection["ContentsCode"] = wanted or "*"
        elif dim.time:
            years = [c for c in dim.values if since is None or int(c[:4]) >= since]
            if not years:
                return None
            selection[dim.code] = years
        elif dim.code == "Region" or dim.code.lower().startswith(("tatort", "smaort", "region")):
            codes = list(dim.values)
            if county and not any(OLD_CODE.match(c) for c in codes):  # old codes carry no län: keep all
                codes = [c for c in codes if NEW_CODE.match(c) and c[:2] == county]
            if not codes:
                return None
            selection[dim.code] = codes
        elif dim.total_code():
            selection[dim.code] = dim.total_code()  # type: ignore[assignment]
        elif dim.elimination:
            eliminate.append(dim.code)
        else:
            return None  # a breakdown this step does not model (no total, no elimination): skip the table
    return selection, eliminate


def fetch(ctx: FetchContext, unit: str) -> None:
    """Network only: the MI0810/MI0811 tables, or (unit `smaort-points`) the småort areas from SCB's WFS."""
    if unit == POINTS_UNIT:
        return fetch_points(ctx)
    county, since = parse_scope(unit)
    client = PxWeb(ctx.session)
    for group in GROUPS:
        refs = discover(client, group)
        fetch_tables(ctx, client, refs, lambda meta: selection_for(meta, county, since), {"kind_of_place": group.kind})


def wfs_params(layer: str) -> dict:
    return {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": layer,
        "outputFormat": "application/json",
        "srsName": "EPSG:3006",
    }


def fetch_points(ctx: FetchContext) -> None:
    """Network only: the newest småort layer SCB's WFS answers for, as GeoJSON in SWEREF 99 TM."""
    errors = []
    ctx.expect(1)
    wfs_url = endpoints.url("scb_wfs")
    for layer in SMAORT_LAYERS:
        params = wfs_params(layer)

        def run(params: dict = params, layer: str = layer):
            f = ctx.session.get(wfs_url, params=params)
            if not isinstance(f.payload, dict) or not isinstance(f.payload.get("features"), list):
                raise FetchError(f"SCB WFS answer for {layer} is not GeoJSON with features", f.url)
            return f

        try:
            ctx.request(f"wfs-{layer.split(':')[-1]}", "GET", wfs_url, run, params=params, info={"layer": layer})
            return
        except (SourceDown, ResponseTooLarge):
            raise  # the source is down or over its cap: trying the next layer would not help
        except FetchError as exc:
            errors.append(f"{layer}: {exc}")
    raise FetchError("SCB WFS gave no småort layer (" + " | ".join(errors) + ")", wfs_url)


# ---------------------------------------------------------------------------------------------- transforms


def _place_name(code: str, label: str) -> str:
    """'0861TB103 Fliseryd' / 'Fliseryd' -> 'Fliseryd'."""
    label = label.strip()
    return label[len(code) :].strip() if label.startswith(code) else label


def series_rows(frame: pd.DataFrame, kind: str, table: str) -> pd.DataFrame:
    """One table's long frame -> code, name, kind, year, population, area_ha."""
    time_dim = (frame.attrs.get("roles", {}).get("time") or ["Tid"])[0]
    place_dim = next((c for c in frame.columns if c not in (time_dim, "ContentsCode", "value")), None)
    if place_dim is None:
        return pd.DataFrame()
    labels = frame.attrs.get("labels", {})
    content_labels = labels.get("ContentsCode", {})
    role = {
        c: ("population" if POPULATION_RX.search(lbl) else "area_ha" if AREA_RX.search(lbl) else None)
        for c, lbl in content_labels.items()
        if "per " not in lbl.lower()
    }
    f = frame.assign(measure=frame["ContentsCode"].map(role)).dropna(subset=["measure"])
    wide = f.pivot_table(index=[place_dim, time_dim], columns="measure", values="value", aggfunc="first", dropna=False)
    wide = wide.reset_index()
    place_labels = labels.get(place_dim, {})
    out = pd.DataFrame(
        {
            "code": wide[place_dim].astype(str),
            "name": [_place_name(c, place_labels.get(c, "")) for c in wide[place_dim].astype(str)],
            "kind": kind,
            "year": wide[time_dim].astype(str).str[:4].astype("int64"),
            "population": wide["population"].astype(float) if "population" in wide else np.nan,
            "area_ha": wide["area_ha"].astype(float) if "area_ha" in wide else np.nan,
            "table": table,
        }
    )
    return out[out["code"].str.match(NEW_CODE.pattern) | out["code"].str.match(OLD_CODE.pattern)]


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


def crosswalk(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, str]:
    """Old codes (T####/S####) -> new codes, from the series themselves.

    A pair matches when the names agree and, in a year both tables publish, so does the population;
    without a common year a name must be unique on both sides. Ambiguous or unmatched codes stay out.
    """
    if old.empty or new.empty:
        return {}
    o = old.assign(n=old["name"].map(_norm))
    n = new.assign(n=new["name"].map(_norm))
    common = sorted(set(o["year"]) & set(n["year"]))
    mapping: dict[str, str] = {}
    if common:
        y = common[-1]
        oo = o[(o["year"] == y) & o["population"].notna()][["code", "n", "population"]]
        nn = n[(n["year"] == y) & n["population"].notna()][["code", "n", "population"]]
        m = oo.merge(nn, on=["n", "population"], suffixes=("_old", "_new"))
        m = m[~m["code_old"].duplicated(keep=False) & ~m["code_new"].duplicated(keep=False)]
        mapping.update(dict(zip(m["code_old"], m["code_new"], strict=True)))
    names_old = o.drop_duplicates("code")
    names_new = n.drop_duplicates("code")
    uo = names_old[~names_old["n"].duplicated(keep=False) & ~names_old["code"].isin(list(mapping))]
    un = names_new[~names_new["n"].duplicated(keep=False) & ~names_new["code"].isin(list(mapping.values()))]
    m = uo.merge(un, on="n", suffixes=("_old", "_new"))
    if common:
        # with a common year, a name-only match must not contradict the population there
        m = m[~m["code_old"].isin(o.loc[o["year"] == common[-1], "code"])]
    mapping.update(dict(zip(m["code_old"], m["code_new"], strict=True)))
    return mapping


def transform_series(raw: list[RawItem]) -> pd.DataFrame:
    """Saved MI0810/MI0811 responses -> village_id, name, kind, municipality_code, county_code, year, population, area_ha, source.

    `attrs["unmatched_old_codes"]` counts old codes no crosswalk reached.
    """
    parts = []
    for item in raw:
        if item.kind != "data" or "layer" in item.info:
            continue
        frame = pxweb.response_to_frame(item.payload)
        parts.append(series_rows(frame, item.info.get("kind_of_place", "tatort"), item.info.get("table", "")))
    cols = ["village_id", "name", "kind", "municipality_code", "county_code", "year", "population", "area_ha", "source"]
    if not parts:
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True)
    is_old = df["code"].str.match(OLD_CODE.pattern)
    mapping: dict[str, str] = {}
    for kind in df["kind"].unique():
        sel = df["kind"] == kind
        mapping.update(crosswalk(df[sel & is_old], df[sel & ~is_old]))
    old = df[is_old].copy()
    unmatched = len(set(old["code"]) - set(mapping))
    old["code"] = old["code"].map(mapping)
    df = pd.concat([df[~is_old], old.dropna(subset=["code"])], ignore_index=True)
    # the newest table's figure wins for a (place, year) published twice
    df = df.drop_duplicates(["code", "year"], keep="first")
    out = pd.DataFrame(
        {
            "village_id": df["code"],
            "name": df["name"],
            "kind": df["kind"],
            "municipality_code": df["code"].str[:4],
            "county_code": df["code"].str[:2],
            "year": df["year"].astype("int64"),
            "population": df["population"].astype(float),
            "area_ha": df["area_ha"].astype(float),
            "source": "SCB " + np.where(df["kind"] == "tatort", "MI0810", "MI0811") + " " + df["table"].astype(str),
        }
    )
    out = out.sort_values(["village_id", "year"], ignore_index=True)
    out.attrs["unmatched_old_codes"] = unmatched
    return out


def _centroid(geometry: dict) -> tuple[float, float] | None:
    """Area-weighted centroid of a (Multi)Polygon's outer rings, or the point itself."""
    if not geometry:
        return None
    if geometry["type"] == "Point":
        x, y = geometry["coordinates"][:2]
        return float(x), float(y)
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    a_sum = cx = cy = 0.0
    for poly in polys:
        ring = np.asarray(poly[0], float)[:, :2]
        x, y = ring[:, 0], ring[:, 1]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        a = cross.sum() / 2
        if a == 0:
            continue
        cx += ((x[:-1] + x[1:]) * cross).sum() / 6
        cy += ((y[:-1] + y[1:]) * cross).sum() / 6
        a_sum += a
    if a_sum == 0:
        ring = np.asarray(polys[0][0], float)
        return float(ring[:, 0].mean()), float(ring[:, 1].mean())
    return cx / a_sum, cy / a_sum


def _prop(props: dict, *names: str) -> str:
    lower = {k.lower(): v for k, v in props.items()}
    for n in names:
        if lower.get(n) not in (None, ""):
            return str(lower[n])
    return ""


def transform_points(raw: list[RawItem]) -> pd.DataFrame:
    """Saved WFS GeoJSON (EPSG:3006) -> village_id, name, x, y, lat, lon, area_ha, municipality_code, county_code."""
    rows = []
    for item in raw:
        if "layer" not in item.info:
            continue
        for feat in item.payload.get("features", []):
            props = feat.get("properties") or {}
            code = _prop(props, "smaortskod", "smaortkod", "kod", "code", "smaort_kod")
            if not NEW_CODE.match(code):
                continue
            c = _centroid(feat.get("geometry"))
            if c is None:
                continue
            area = _prop(props, "landareal_ha", "areal_ha", "area_ha", "landareal")
            rows.append(
                {
                    "village_id": code,
                    "name": _prop(props, "smaort", "namn", "name") or code,
                    "x": c[0],
                    "y": c[1],
                    "area_ha": float(area) if area else np.nan,
                    "municipality_code": code[:4],  # today's codes begin with the kommun code
                    "county_code": code[:2],
                    "layer": item.info["layer"],
                }
            )
    cols = ["village_id", "name", "x", "y", "lat", "lon", "area_ha", "municipality_code", "county_code", "layer"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows).drop_duplicates("village_id", keep="last")
    df["lat"], df["lon"] = geo.to_wgs84(df["x"].to_numpy(), df["y"].to_numpy())
    return df[cols].reset_index(drop=True)


def load_series() -> pd.DataFrame:
    """Tätort and småort series from data/raw/scb/tatorter (empty when nothing was fetched)."""
    return transform_series(SPEC.raw())


def load_points() -> pd.DataFrame:
    """Småort points from data/raw/scb/tatorter (empty when nothing was fetched)."""
    return transform_points(SPEC.raw())


def smaort_villages(points: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Småorter with SCB coordinates -> `villages` rows (kind smaort); name and land area from the series if there."""
    if points.empty:
        return pd.DataFrame(columns=list(columns("villages")))
    latest = series[series["kind"] == "smaort"].sort_values("year").drop_duplicates("village_id", keep="last")
    latest = latest.set_index("village_id")
    name = points["village_id"].map(latest["name"]).fillna(points["name"])
    area = points["village_id"].map(latest["area_ha"]).fillna(points["area_ha"])
    return pd.DataFrame(
        {
            "village_id": points["village_id"],
            "name": name,
            "kind": "smaort",
            "municipality_code": points["municipality_code"],
            "county_code": points["county_code"],
            "lat": points["lat"].astype(float),
            "lon": points["lon"].astype(float),
            "x": points["x"].astype(float),
            "y": points["y"].astype(float),
            "area_ha": area.astype(float),
        }
    )


def overlay_villages(villages: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Seed tätorter + fetched småorter that have SCB coordinates -> villages, and a note (empty if none)."""
    points = load_points()
    if points.empty:
        return villages, ""
    extra = smaort_villages(points, load_series())
    extra = extra[~extra["village_id"].isin(villages["village_id"])]
    extra = extra[geo.inside_sweden(extra["lat"], extra["lon"])]
    if extra.empty:
        return villages, ""
    df = pd.concat([villages, extra], ignore_index=True).sort_values("village_id", ignore_index=True)
    layers = ", ".join(sorted(points["layer"].unique()))
    return df, f"{len(extra):,} småorter from SCB open geodata ({layers}), centroid of each småort area"


SPEC = Fetcher(
    name="scb_tatorter",
    source="scb",
    dataset="tatorter",
    feeds="population (tätorter, småorter), villages (småorter)",
    label="SCB tätorter (MI0810) och småorter (MI0811)",
    licence=pxweb.LICENCE,
    attribution=pxweb.ATTRIBUTION,
    fallback="seed",
    units=units,
    fetch=fetch,
    transform=transform_series,
)
