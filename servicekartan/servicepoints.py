"""Servicepunkt register (data/seed/servicepoints.json) -> register frame, planned additions, service rows, access effect.

The register frame has the columns of the `servicepoints` dataset (`REGISTER_COLUMNS`). List-valued
fields are strings joined with ";" (`LIST_SEP`): `offered`, `service_types`, `partners`; `financing`
is "financier=kr;financier=kr". Use `split_list` / `parse_financing` to read them back.

A servicepunkt adds one point per covered service type to the `services` dataset
(`servicepoint_services`): real entries (status open or closed, with an opening year) only, with
quality "observed"; planned entries never enter the data — their effect is shown by `access_effect`,
which opens the planned services in the access engine's scenario function.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from servicekartan import datasets, i18n, paths
from servicekartan.costs import CostInputs, business_case
from servicekartan.definitions import (
    QUALITY_MODELLED,
    QUALITY_OBSERVED,
    SERVICE_TYPE_IDS,
    THRESHOLDS_KM,
    THRESHOLDS_MIN,
)

LIST_SEP = ";"
STATUSES = ("open", "planned", "closed")
SEED_FILE = "servicepoints.json"

# What a servicepunkt offers (the origin material's list for Fliseryd); free text is allowed too.
# Labels in the catalog: offered.<id>.
OFFERED_SERVICES: tuple[str, ...] = (
    "meeting_place",
    "cafe",
    "loan_computers",
    "municipal_e_services",
    "tourist_information",
    "e_commerce_home_delivery",
    "e_health",
)

REGISTER_COLUMNS: tuple[str, ...] = datasets.columns("servicepoints")
_TEXT = (
    "servicepoint_id",
    "village_id",
    "name",
    "municipality_code",
    "status",
    "agreement_date",
    "opened_note",
    "host",
    "offered",
    "service_types",
    "service_types_note",
    "partners",
    "financing",
    "annual_cost_payer",
    "source",
    "note",
    "quality",
)
_FLOAT = (
    "investment",
    "grants_total",
    "running_cost",
    "staff_fte",
    "staff_cost",
    "annual_cost",
    "lat",
    "lon",
    "x",
    "y",
)
_YEAR = ("opened", "closed")


# ------------------------------------------------------------------------------------------ encoding


def join_list(items: Iterable[str]) -> str:
    """["a", "b"] -> "a;b" (items stripped, empty ones dropped)."""
    return LIST_SEP.join(s.strip() for s in items if s and s.strip())


def split_list(text: object) -> list[str]:
    """ "a;b" -> ["a", "b"]; a missing value -> []."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return []
    return [s.strip() for s in str(text).split(LIST_SEP) if s.strip()]


def format_financing(financing: Mapping[str, float]) -> str:
    """{"A": 1000, "B": 2.5} -> "A=1000;B=2.5"."""
    return LIST_SEP.join(f"{k.strip()}={float(v):g}" for k, v in financing.items())


def parse_financing(text: object) -> dict[str, float]:
    """ "A=1000;B=2.5" -> {"A": 1000.0, "B": 2.5}."""
    out: dict[str, float] = {}
    for item in split_list(text):
        name, _, kr = item.rpartition("=")
        out[name.strip()] = float(kr)
    return out


def offered_labels(text: object, lang: str = "sv") -> list[str]:
    """Offered-service ids -> labels in a language (free-text items pass through)."""
    return [i18n.t(f"offered.{s}", lang) if s in OFFERED_SERVICES else s for s in split_list(text)]


# ------------------------------------------------------------------------------------------ register


def _frame(records: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(records, columns=list(REGISTER_COLUMNS))
    for c in _TEXT:
        df[c] = df[c].astype(object).where(df[c].notna(), "").astype(str)
    for c in _FLOAT:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in _YEAR:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    return df.reset_index(drop=True)


def _record(raw: Mapping[str, object]) -> dict:
    """A JSON register entry -> a register row (lists joined, totals derived)."""
    financing = {str(k): float(v) for k, v in dict(raw.get("financing") or {}).items()}  # type: ignore[arg-type]
    rec = {c: raw.get(c) for c in REGISTER_COLUMNS}
    rec["offered"] = join_list(raw.get("offered") or [])  # type: ignore[arg-type]
    rec["service_types"] = join_list(raw.get("service_types") or [])  # type: ignore[arg-type]
    rec["partners"] = join_list(raw.get("partners") or [])  # type: ignore[arg-type]
    rec["financing"] = format_financing(financing)
    rec["grants_total"] = sum(financing.values()) if financing else np.nan
    rec["municipality_code"] = raw.get("municipality_code") or str(raw.get("village_id", ""))[:4]
    rec["quality"] = raw.get("quality") or (QUALITY_OBSERVED if raw.get("status") != "planned" else "planned")
    return rec


def locate(register: pd.DataFrame, villages: pd.DataFrame | None) -> pd.DataFrame:
    """Fill lat/lon/x/y and municipality_code from each entry's village (SCB's tätort point)."""
    if villages is None or register.empty:
        return register
    v = villages.set_index("village_id")
    out = register.copy()
    known = out["village_id"].isin(v.index)
    for c in ("lat", "lon", "x", "y"):
        fill = out.loc[known, "village_id"].map(v[c]).astype(float)
        out.loc[known, c] = out.loc[known, c].fillna(fill)
    out.loc[known, "municipality_code"] = out.loc[known, "village_id"].map(v["municipality_code"])
    return out


def load_register(path: str | Path | None = None, villages: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read the register JSON (default data/seed/servicepoints.json) into a register frame.

    With `villages`, each entry is placed at its village's point. Raises ValueError (naming the entry)
    when the file is malformed: the shipped register is data the repository owns.
    """
    p = Path(path) if path is not None else paths.seed_dir() / SEED_FILE
    with open(p, encoding="utf-8") as f:
        doc = json.load(f)
    entries = doc["servicepoints"] if isinstance(doc, dict) else doc
    records = []
    for i, raw in enumerate(entries, 1):
        problems = _check_entry(raw)
        if problems:
            raise ValueError(f"{p}: entry {i} ({raw.get('servicepoint_id', '?')}): " + "; ".join(problems))
        records.append(_record(raw))
    return locate(_frame(records), villages)


def _check_entry(raw: Mapping[str, object]) -> list[str]:
    out = []
    for c in ("servicepoint_id", "village_id", "name", "status"):
        if not raw.get(c):
            out.append(f"'{c}' is missing")
    if raw.get("status") not in STATUSES:
        out.append(f"status {raw.get('status')!r} is not one of {STATUSES}")
    bad = [t for t in raw.get("service_types") or [] if t not in SERVICE_TYPE_IDS]  # type: ignore[union-attr]
    if bad:
        out.append(f"unknown service types {bad}")
    if raw.get("status") in ("open", "closed") and raw.get("opened") is None:
        out.append("an open or closed servicepunkt needs an 'opened' year")
    return out


# ------------------------------------------------------------------------------------------ planned


def _msg(code: str, lang: str, v: object = "") -> str:
    """An input problem in a language (catalog: servicepoint_msg.<code>); `v` is the offending value."""
    return i18n.t(f"servicepoint_msg.{code}", lang, v=v)


def _ok_item(s: str) -> bool:
    return bool(s.strip()) and ";" not in s and "=" not in s and len(s) <= 120


def add_planned(
    register: pd.DataFrame,
    village_id: str,
    name: str,
    service_types: Sequence[str] = (),
    *,
    offered: Sequence[str] = (),
    partners: Sequence[str] = (),
    opened: int | None = None,
    costs: CostInputs | None = None,
    note: str = "",
    villages: pd.DataFrame | None = None,
    lang: str = "sv",
) -> tuple[pd.DataFrame, list[str]]:
    """Add a planned servicepunkt; returns (new register, []) or (the unchanged register, messages).

    `opened` is the planned opening year; `costs` (a `CostInputs` from the calculator) fills the
    investment, financing (its grants), running cost, staff and annual cost with grants. With
    `villages`, the village must exist and the entry is placed at its point. Never raises on bad input.
    """
    errs: list[str] = []
    vid = (village_id or "").strip()
    if not vid:
        errs.append(_msg("village_missing", lang))
    elif villages is not None and vid not in set(villages["village_id"]):
        errs.append(_msg("village_unknown", lang, vid))
    nm = (name or "").strip()
    if not nm:
        errs.append(_msg("name_missing", lang))
    elif not _ok_item(nm):
        errs.append(_msg("name_bad", lang))
    types = list(dict.fromkeys(t.strip() for t in service_types if t and t.strip()))
    errs += [_msg("type_unknown", lang, t) for t in types if t not in SERVICE_TYPE_IDS]
    errs += [_msg("item_bad", lang, s) for s in [*offered, *partners] if not _ok_item(str(s))]
    if costs is not None:
        errs += [_msg("item_bad", lang, k) for k in costs.grants if not _ok_item(k)]
    if opened is not None:
        try:
            y = int(opened)
            if not 1990 <= y <= 2100:
                errs.append(_msg("year_bad", lang, opened))
        except (TypeError, ValueError):
            errs.append(_msg("year_bad", lang, opened))
    if nm and vid and ((register["village_id"] == vid) & (register["name"].str.lower() == nm.lower())).any():
        errs.append(_msg("duplicate", lang, nm))
    if errs:
        return register, errs
    sp_id, k = f"sp:{vid}", 1
    while sp_id in set(register["servicepoint_id"]):
        k += 1
        sp_id = f"sp:{vid}-{k}"
    rec: dict[str, object] = {
        "servicepoint_id": sp_id,
        "village_id": vid,
        "name": nm,
        "status": "planned",
        "opened": opened,
        "offered": list(offered),
        "service_types": types,
        "partners": list(partners),
        "source": "Planned in Servicekartan",
        "note": note,
        "quality": "planned",
    }
    if costs is not None:
        res = business_case(costs)
        rec |= {
            "investment": res.investment,
            "financing": dict(costs.grants),
            "running_cost": res.running,
            "staff_fte": costs.fte,
            "staff_cost": res.staff,
            "annual_cost": res.annual_with_grants,
        }
    row = locate(_frame([_record(rec)]), villages)
    out = pd.concat([register, row], ignore_index=True) if len(register) else row
    return _frame(out.to_dict("records")), []


# ------------------------------------------------------------------------------------------ services


SERVICE_COLUMNS: tuple[str, ...] = datasets.columns("services")


def servicepoint_services(register: pd.DataFrame) -> pd.DataFrame:
    """Register -> rows in the `services` schema: one per (real servicepunkt, covered service type).

    Real = status open or closed with an opening year and a location; planned entries are left out.
    service_id = "<servicepoint_id>:<service_type>", e.g. "sp:0861TB103:payment"; quality "observed".
    """
    real = register[
        register["status"].isin(["open", "closed"])
        & register["opened"].notna()
        & register["x"].notna()
        & register["y"].notna()
    ]
    rows = []
    for _, r in real.iterrows():
        for t in split_list(r["service_types"]):
            rows.append(
                {
                    "service_id": f"{r['servicepoint_id']}:{t}",
                    "service_type": t,
                    "name": r["name"],
                    "lat": r["lat"],
                    "lon": r["lon"],
                    "x": r["x"],
                    "y": r["y"],
                    "municipality_code": r["municipality_code"],
                    "opened": r["opened"],
                    "closed": r["closed"],
                    "source": f"Servicekartan servicepunkt register: {r['source']}",
                    "quality": QUALITY_OBSERVED,
                }
            )
    df = pd.DataFrame(rows, columns=list(SERVICE_COLUMNS))
    for c in ("lat", "lon", "x", "y"):
        df[c] = df[c].astype("float64")
    for c in ("opened", "closed"):
        df[c] = pd.to_numeric(df[c]).astype("Int64")
    return df


# ------------------------------------------------------------------------------------------ access


@dataclass(frozen=True)
class AccessEffect:
    """What opening a servicepunkt's service types in a village changes in access in one year.

    `summary`: one row per (service type, threshold, unit) with the villages and people brought within
    the threshold (from beyond it or from having no service at all). `villages`: every village whose
    nearest service of a type changes (old/new distance, from the scenario). `areas`: population
    beyond each threshold before/after per kommun, län and Sverige (from the scenario). People are the
    population of the counted village kinds (tätorter by default), as in the access indicators.
    """

    village_id: str
    year: int
    service_types: tuple[str, ...]
    summary: pd.DataFrame
    villages: pd.DataFrame
    areas: pd.DataFrame
    quality: str


def access_effect(
    model_or_frames: object,
    village_id: str,
    service_types: Sequence[str],
    year: int,
    *,
    thresholds_km: Sequence[float] = THRESHOLDS_KM,
    thresholds_min: Sequence[float] = THRESHOLDS_MIN,
    name: str | None = None,
) -> AccessEffect:
    """Open one service of each type at `village_id` in `year` and count who is brought within reach.

    `model_or_frames` is an `servicekartan.access.AccessModel` (reuse the app's cached one) or a
    mapping with "villages", "services" and "population" frames. Calls `AccessModel.scenario(year,
    open_points=[{service_type, village_id, service_id, name}, …])`. Raises ValueError for an unknown
    village or service type (the page checks both before calling).
    """
    from servicekartan.access import AccessModel  # imported here: only this function needs the engine

    types = tuple(dict.fromkeys(service_types))
    if hasattr(model_or_frames, "scenario"):
        model = model_or_frames
    elif isinstance(model_or_frames, Mapping):
        model = AccessModel(model_or_frames["villages"], model_or_frames["services"], model_or_frames["population"])
    else:
        raise TypeError("model_or_frames must be an AccessModel or a mapping of villages/services/population frames")
    points = [
        {"service_type": t, "village_id": village_id, "service_id": f"planned:{village_id}:{t}", "name": name}
        for t in types
    ]
    res = model.scenario(int(year), open_points=points, thresholds_km=thresholds_km, thresholds_min=thresholds_min)
    v = res.villages
    rows = []
    for t in types:
        vt = v[v["service_type"] == t] if len(v) else v
        for unit, thresholds, old_col, new_col in (
            ("km", thresholds_km, "old_distance_km", "new_distance_km"),
            ("min", thresholds_min, "old_minutes", "new_minutes"),
        ):
            for thr in thresholds:
                if len(vt):
                    old = pd.to_numeric(vt[old_col], errors="coerce").to_numpy(float)
                    new = pd.to_numeric(vt[new_col], errors="coerce").to_numpy(float)
                    old_beyond = np.where(np.isnan(old), True, old > thr)
                    new_within = ~np.isnan(new) & (new <= thr)
                    sel = old_beyond & new_within
                    n_v = int(sel.sum())
                    people = float(
                        pd.to_numeric(vt["population"], errors="coerce").fillna(0).to_numpy(float)[sel].sum()
                    )
                else:
                    n_v, people = 0, 0.0
                rows.append(
                    {
                        "service_type": t,
                        "threshold": float(thr),
                        "unit": unit,
                        "villages_brought_within": n_v,
                        "people_brought_within": people,
                    }
                )
    summary = pd.DataFrame(
        rows, columns=["service_type", "threshold", "unit", "villages_brought_within", "people_brought_within"]
    )
    quality = QUALITY_OBSERVED
    if len(v) and "quality" in v.columns and (v["quality"] == QUALITY_MODELLED).any():
        quality = QUALITY_MODELLED
    return AccessEffect(str(village_id), int(year), types, summary, v, res.areas, quality)
