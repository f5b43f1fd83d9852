"""OpenStreetMap (Overpass) per län -> data/raw/osm/services/<län>/ -> observed `services` rows (ODbL).

`fetch(ctx, unit)` sends one Overpass query for one län (network only); `transform(raw, …)` turns the
saved responses into `services` rows (pure); `load_raw()` reads data/raw for `etl build`; `overlay()`
puts observed rows in place of the modelled (and older observed) rows of the same type in the same län.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from etl import seed
from etl.fetchers.spec import FetchContext, Fetcher, Options
from etl.raw import RawItem
from etl.sources import overpass
from servicekartan import geo
from servicekartan.datasets import columns
from servicekartan.definitions import QUALITY_OBSERVED

SOURCE_PREFIX = "OpenStreetMap (Overpass API)"


def units(options: Options) -> list[str]:
    """One unit per län (`--county` picks one)."""
    if options.county:
        if options.county not in overpass.LAN_ISO:
            raise ValueError(f"unknown län code {options.county!r}; known: {', '.join(overpass.LAN_ISO)}")
        return [options.county]
    return list(overpass.LAN_ISO)


def fetch(ctx: FetchContext, unit: str) -> None:
    """Network only: the Overpass answer for one län, saved with its lock file."""
    client = overpass.Overpass(ctx.session)
    ql = overpass.build_query(unit)
    ctx.expect(1)
    ctx.request(
        f"overpass-lan-{unit}",
        "POST",
        client.url,
        lambda: client.services(unit),
        body={"data": ql},
        info={"lan": unit, "iso3166_2": overpass.LAN_ISO[unit]},
    )


def assign_kommun(
    lat: np.ndarray, lon: np.ndarray, x: np.ndarray, y: np.ndarray, kommuner_geojson: dict, villages: pd.DataFrame
) -> np.ndarray:
    """Kommun code of each point: the polygon it falls in, else (coastline generalisation) its nearest tätort's."""
    kommun = geo.locate(lat, lon, kommuner_geojson["features"], "code")
    outside = kommun == ""
    if outside.any() and len(villages):
        _, idx = cKDTree(villages[["x", "y"]].to_numpy()).query(np.c_[x[outside], y[outside]])
        kommun[outside] = villages["municipality_code"].to_numpy()[idx]
    return kommun.astype(str)


def transform(raw: list[RawItem], kommuner_geojson: dict, villages: pd.DataFrame) -> pd.DataFrame:
    """Saved Overpass answers -> `services` rows (observed, ODbL) plus a `lan` column (the län queried)."""
    parts = []
    for item in raw:
        if item.kind != "data":
            continue
        df = overpass.elements_to_frame(item.payload)
        df["lan"] = item.info.get("lan", "")
        df["retrieved"] = item.retrieved[:10]
        parts.append(df)
    cols = [*columns("services"), "lan"]
    if not parts or not sum(len(p) for p in parts):
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True)
    # newest answer wins when a län was fetched more than once (read_raw returns oldest first)
    df = df.drop_duplicates(["osm_type", "osm_id", "service_type"], keep="last").reset_index(drop=True)
    df = df[geo.inside_sweden(df["lat"], df["lon"])].reset_index(drop=True)
    lat, lon = df["lat"].to_numpy(float), df["lon"].to_numpy(float)
    x, y = geo.to_sweref(lat, lon)
    out = pd.DataFrame(
        {
            "service_id": "osm:" + df["osm_type"].str[0] + df["osm_id"].astype(str) + ":" + df["service_type"],
            "service_type": df["service_type"],
            "name": df["name"],
            "lat": lat,
            "lon": lon,
            "x": x,
            "y": y,
            "municipality_code": assign_kommun(lat, lon, x, y, kommuner_geojson, villages),
            "opened": df["start_year"].astype("Int64"),
            "closed": pd.array([None] * len(df), dtype="Int64"),
            "source": SOURCE_PREFIX + " " + df["retrieved"],
            "quality": QUALITY_OBSERVED,
            "lan": df["lan"],
        }
    )
    return out.sort_values("service_id", ignore_index=True)


def load_raw(villages: pd.DataFrame) -> pd.DataFrame:
    """Observed service rows from data/raw/osm/services (empty frame when nothing was fetched)."""
    items = SPEC.raw()
    if not items:
        return transform([], {"features": []}, pd.DataFrame())
    return transform(items, seed.read_json("scb_kommuner_wgs84.geojson"), villages)


def overlay(services: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Observed OSM rows replace the modelled rows (and older OSM extracts) of the same type in the same län.

    Only (län, type) pairs where OSM has at least one point are replaced: elsewhere the modelled layer and
    the seed's observed rows stay, so a type OSM barely maps (e.g. cash_deposit) never reads as "none".
    Other observed rows (e.g. recorded servicepunkter) are always kept.
    """
    if observed.empty:
        return services
    covered = set(zip(observed["lan"], observed["service_type"], strict=True))
    lan = services["municipality_code"].astype(str).str[:2]
    in_covered = np.array([(la, t) in covered for la, t in zip(lan, services["service_type"], strict=True)], dtype=bool)
    replaceable = (services["quality"] != QUALITY_OBSERVED).to_numpy() | services["service_id"].str.startswith(
        "osm:"
    ).to_numpy()
    drop = in_covered & replaceable
    obs = observed.drop(columns="lan")
    obs = obs[~obs["service_id"].isin(services.loc[~drop, "service_id"])]
    return pd.concat([services[~drop], obs], ignore_index=True).sort_values("service_id", ignore_index=True)


def retrieved_dates(observed: pd.DataFrame) -> str:
    dates = (
        sorted({s.removeprefix(SOURCE_PREFIX).strip() for s in observed["source"].unique()}) if len(observed) else []
    )
    return dates[0] if len(dates) == 1 else (f"{dates[0]} – {dates[-1]}" if dates else "")


SPEC = Fetcher(
    name="osm_services",
    source="osm",
    dataset="services",
    feeds="services",
    label="OpenStreetMap service points (Overpass API), per län",
    licence=overpass.LICENCE,
    attribution=overpass.ATTRIBUTION,
    fallback="modelled",
    units=units,
    fetch=fetch,
    transform=transform,
    # Overpass asks clients to back off for a while when busy (429/504): a slower backoff than the default.
    session={"backoff": 15.0, "max_backoff": 120.0, "timeout": (10.0, overpass.QUERY_TIMEOUT + 30.0)},
)
