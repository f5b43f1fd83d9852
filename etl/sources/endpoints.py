"""Base URLs of the online sources, settable through environment variables (read at call time, never at import).

| key               | environment variable                  | default (the real service)                     |
|-------------------|---------------------------------------|------------------------------------------------|
| `scb_v2`          | `SERVICEKARTAN_SCB_V2_URL`            | https://statistikdatabasen.scb.se/api/v2       |
| `scb_v1`          | `SERVICEKARTAN_SCB_V1_URL`            | https://api.scb.se/OV0104/v1/doris             |
| `scb_wfs`         | `SERVICEKARTAN_SCB_WFS_URL`           | https://geodata.scb.se/geoserver/stat/wfs      |
| `kolada`          | `SERVICEKARTAN_KOLADA_URL`            | https://api.kolada.se/v3                       |
| `overpass`        | `SERVICEKARTAN_OVERPASS_URL`          | https://overpass-api.de/api/interpreter        |
| `overpass_status` | `SERVICEKARTAN_OVERPASS_STATUS_URL`   | https://overpass-api.de/api/status             |

An empty variable counts as unset. `SERVICEKARTAN_OVERPASS_STATUS_URL=none` turns the slot check off.
"""

from __future__ import annotations

import os

DEFAULTS: dict[str, str] = {
    "scb_v2": "https://statistikdatabasen.scb.se/api/v2",
    "scb_v1": "https://api.scb.se/OV0104/v1/doris",
    "scb_wfs": "https://geodata.scb.se/geoserver/stat/wfs",
    "kolada": "https://api.kolada.se/v3",
    "overpass": "https://overpass-api.de/api/interpreter",
    "overpass_status": "https://overpass-api.de/api/status",
}
ENV_VARS: dict[str, str] = {key: f"SERVICEKARTAN_{key.upper()}_URL" for key in DEFAULTS}


def url(key: str) -> str:
    """The base URL of `key` now: its environment variable when set (and not empty), else the real service."""
    value = os.environ.get(ENV_VARS[key], "").strip()
    if key == "overpass_status" and value.lower() == "none":
        return ""
    return value or DEFAULTS[key]


def current() -> dict[str, str]:
    """Every endpoint as it would be used now (for the fetch's start line and the docs)."""
    return {key: url(key) for key in DEFAULTS}
