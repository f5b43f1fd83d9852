"""Seed OSM health points + the modelled layer (or observed OSM points from data/raw) -> `services`."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from etl import imports, seed
from etl.fetchers import osm_services
from servicekartan import geo, places, quality
from servicekartan.catalog import Dataset, Provenance
from servicekartan.modelled import MODEL_THRESHOLDS, modelled_services
from servicekartan.servicepoints import servicepoint_services

NAME = "services"
INPUTS: tuple[str, ...] = ("villages", "population", "servicepoints")

HOT_SOURCE = "OpenStreetMap (HOT export 2020-09-04)"


def transform_health(raw: pd.DataFrame, municipalities_geojson: dict, villages: pd.DataFrame) -> pd.DataFrame:
    """HOT OSM health export -> pharmacy and primary-care (vårdcentral) rows, quality observed_partial.

    Which rows: servicekartan.quality's rule (pharmacies; clinic/doctors points named as primary care;
    never hospitals, dentists or specialist clinics). The layer is incomplete (coverage measured in
    `build`), so every row is `observed_partial`. The kommun is the polygon the point falls in; the generalised polygons are clipped to the
    coastline, so a point outside every polygon takes the kommun of its nearest tätort.
    """
    types = quality.classify(raw)
    df = raw[types.notna()].copy()
    df["service_type"] = types[types.notna()]
    lat = pd.to_numeric(df["lat"]).to_numpy()
    lon = pd.to_numeric(df["lng"]).to_numpy()
    x, y = geo.to_sweref(lat, lon)
    kommun = geo.locate(lat, lon, municipalities_geojson["features"], "code")
    outside = kommun == ""
    if outside.any():
        _, idx = cKDTree(villages[["x", "y"]].to_numpy()).query(np.c_[x[outside], y[outside]])
        kommun[outside] = villages["municipality_code"].to_numpy()[idx]
    out = pd.DataFrame(
        {
            "service_id": "osm:" + df["osm_id"].astype(str),
            "service_type": df["service_type"],
            # "Apoteket" alone says nothing: the name gets its place (nearest tätort) unless it names it already
            "name": [
                places.with_place(n, p) for n, p in zip(df["name"], places.nearest_place(x, y, villages), strict=True)
            ],
            "lat": lat,
            "lon": lon,
            "x": x,
            "y": y,
            "municipality_code": kommun.astype(str),
            "opened": pd.array([None] * len(df), dtype="Int64"),
            "closed": pd.array([None] * len(df), dtype="Int64"),
            "source": HOT_SOURCE,
            "quality": quality.QUALITY_PARTIAL,
        }
    )
    return out.drop_duplicates("service_id").reset_index(drop=True)


def build(inputs: Mapping[str, pd.DataFrame]) -> Dataset:
    villages, population = inputs["villages"], inputs["population"]
    health = transform_health(
        seed.read_csv("sweden_health_facilities_osm_2020.csv"), seed.read_json("scb_kommuner_wgs84.geojson"), villages
    )
    modelled = modelled_services(villages, population)
    # Real servicepunkter (e.g. Fliseryd's payment point from 2014) as observed points (step "servicepoints").
    points = servicepoint_services(inputs["servicepoints"])
    parts = [health, modelled] + ([points] if len(points) else [])
    df = pd.concat(parts, ignore_index=True).sort_values("service_id", ignore_index=True)
    observed = osm_services.load_raw(villages)  # fetched OSM points (data/raw/osm), empty if none
    df = osm_services.overlay(df, observed)
    df, imported = imports.apply_imported(df)  # registers imported with `etl import-services` (quality own_data)
    prov = Provenance(
        source="OpenStreetMap (pharmacy, health) + modelled estimate (" + ", ".join(MODEL_THRESHOLDS) + ")",
        licence="ODbL 1.0 (OpenStreetMap rows); CC0 (modelled rows derived from SCB tätorter)",
        attribution=seed.OSM_ATTR + "; " + seed.SCB_ATTR,
        origin="data/seed/sweden_health_facilities_osm_2020.csv; data/seed/tatorter_2020_scb.csv; data/seed/servicepoints.json",
        retrieved="2020-09-04 (OSM); 2026-11-01 (SCB)",
        method=(
            "OSM pharmacies and primary-care points (vårdcentral/hälsocentral by the rule shown on the method page: "
            "facility clinic/doctors and a primary-care name; no hospitals, dentists or specialist clinics), "
            "quality observed_partial with coverage measured against published national counts; modelled points "
            "per tätort by a population rule (quality modelled); real servicepunkter (observed). An OSM name that does not name its place gets the nearest tätort "
            "in parentheses ('Apoteket (Mönsterås)'). One snapshot: "
            f"{quality.SNAPSHOT_YEAR}."
        ),
        quality="mixed",
        extra=quality.layer_extra(df),
    )
    if len(observed):
        prov.source += f"; {osm_services.SOURCE_PREFIX} {osm_services.retrieved_dates(observed)} (ODbL)"
        prov.origin += "; data/raw/osm/services/"
        prov.retrieved += f"; {osm_services.retrieved_dates(observed)} (Overpass)"
        prov.method += "; observed Overpass points replace other rows of their type in each län they cover"
    if imported:
        prov.source += "; " + imports.describe(imported)
        prov.origin += "; data/raw/own/services/"
        prov.licence += "; own registers: " + imports.LICENCE
        prov.method += "; imported own registers (quality own_data) replace or add to the layer of their types"
        prov.extra["own_types"] = ",".join(sorted({s for m in imported for s in m["types"]}))
    return Dataset(NAME, df, prov)
