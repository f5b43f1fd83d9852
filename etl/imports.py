"""`python -m etl import-services FILE --source ... [--replace | --add] [--types ...]`: a service register -> data/raw/own/
(with its provenance) -> a rebuild under the data lock, swapped whole; and the imported layers -> the `services` build.

The file is validated by servicekartan.own_data (the upload page's code). Nothing is written when the
file cannot be read or no row is accepted. Otherwise, under the data lock (etl.lock), the file and its
manifest (`_unit.json`: source, date, mode, types, sha256, accepted/rejected counts, imported_at) are
committed as one unit folder `data/raw/own/services/<id>/` and `etl build` runs; when the build fails the
unit is removed again, so data/ is as before (the build itself swaps data/processed whole or not at all).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import pandas as pd

from etl import raw
from etl.lock import EXIT_LOCKED, DataLocked, data_lock
from servicekartan import own_data, paths
from servicekartan.catalog import DatasetError, atomic_write_bytes
from servicekartan.definitions import SERVICE_TYPE_IDS

SOURCE, DATASET = "own", "services"
LICENCE = "as stated by the data's owner (own register)"


def root() -> Path:
    return paths.raw_dir() / SOURCE / DATASET


def units() -> list[tuple[Path, dict]]:
    """The committed imports (unit folder, manifest), oldest first; a damaged unit raises naming its folder."""
    base = root()
    if not base.is_dir():
        return []
    out = []
    for unit in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = raw._manifest(unit, SOURCE)  # noqa: SLF001 - the raw store's one reader of _unit.json
        body = unit / str(manifest.get("file", ""))
        try:
            ok = hashlib.sha256(body.read_bytes()).hexdigest() == manifest.get("sha256")
        except OSError:
            ok = False
        if not ok:
            raise DatasetError(f"imported file in {unit} is missing or does not match its sha256; import it again")
        out.append((unit, manifest))
    out.sort(key=lambda u: str(u[1].get("imported_at", "")))
    return out


def apply_imported(services: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """The service layer with every imported register applied in import order (replace/add per type)."""
    applied = []
    for unit, m in units():
        result = own_data.validate((unit / m["file"]).read_bytes(), m["file"], source=m["source"], date=m["date"])
        if result.fatal is not None:
            raise DatasetError(f"imported file in {unit} no longer validates: {result.fatal.message('en')}")
        pts = result.points[result.points["service_type"].isin(m["types"])]
        services = own_data.merge(services, pts, dict.fromkeys(m["types"], m["mode"]))
        applied.append({**m, "points": len(pts)})
    return services, applied


def describe(applied: list[dict]) -> str:
    """'own register (Region Kalmar län, 2026-11-30): grocery replace, 5 points' per import, for provenance."""
    return "; ".join(
        f"{own_data.source_text(m['source'], m['date'])} ({', '.join(m['types'])}: {m['mode']}, {m['points']} points)"
        for m in applied
    )


def _commit_unit(content: bytes, filename: str, manifest: dict) -> Path | None:
    """Write the unit into staging, then rename it into data/raw/own/services/; None when the same import (same
    file, source, date, mode and types: the same unit id) is already there (nothing to write)."""
    uid = manifest["unit"]
    final = root() / uid
    if (final / raw.UNIT_MANIFEST).exists():
        return None
    stage = raw.staging_dir() / SOURCE / DATASET / uid
    shutil.rmtree(stage, ignore_errors=True)
    atomic_write_bytes(stage / filename, content)
    atomic_write_bytes(stage / raw.UNIT_MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    final.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(final, ignore_errors=True)  # a unit folder without its manifest: an interrupted copy
    os.replace(stage, final)
    raw._prune_empty(stage.parent, raw.staging_dir())  # noqa: SLF001
    return final


def _rollback(final: Path | None) -> None:
    if final is None:
        return
    shutil.rmtree(final, ignore_errors=True)
    base = root()
    while base != paths.data_dir() and base.is_dir() and not any(base.iterdir()):
        base.rmdir()
        base = base.parent


def import_services(
    file: Path,
    source: str,
    *,
    mode: str = own_data.ADD,
    types: list[str] | None = None,
    date: str = "",
    out: TextIO = sys.stderr,
    wait: float | None = None,
) -> int:
    """Validate, store and rebuild; returns the exit code (0 ok, 1 nothing imported, 3 data folder locked)."""
    from etl.build import build  # the build imports the builders, which import this module

    lang = "en"
    try:
        content = file.read_bytes()
    except OSError as exc:
        print(f"import-services: cannot read {file}: {exc.strerror or exc}", file=out)
        return 1
    result = own_data.validate(content, file.name, source=source, date=date)
    if result.fatal is not None:
        print(f"import-services: {file.name}: nothing imported: {result.fatal.message(lang)}", file=out)
        return 1
    for p in result.rejected:
        print(f"{file.name}: {p.where(lang)}: {p.message(lang)}", file=out)
    wanted = list(types or SERVICE_TYPE_IDS)
    points = result.points[result.points["service_type"].isin(wanted)]
    if points.empty:
        print(f"import-services: {file.name}: no accepted row of the chosen types; nothing imported", file=out)
        return 1
    used = sorted(points["service_type"].unique(), key=SERVICE_TYPE_IDS.index)
    sha = hashlib.sha256(content).hexdigest()
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    key = hashlib.sha256(json.dumps([sha, source, date, mode, used]).encode()).hexdigest()[:16]
    suffix = Path(file.name).suffix.lower()
    manifest = {
        "unit": key,
        "file": f"register{suffix}",
        "original_name": file.name,
        "sha256": sha,
        "bytes": len(content),
        "source": source,
        "date": date or now[:10],
        "mode": mode,
        "types": used,
        "accepted": int(len(points)),
        "rejected": len(result.rejected),
        "imported_at": now,
        "licence": LICENCE,
        "files": [f"register{suffix}"],
    }
    try:
        with data_lock("import-services", wait=wait, out=out):
            final = _commit_unit(content, manifest["file"], manifest)
            try:
                build(out=out, wait=wait)
            except BaseException:
                _rollback(final)
                raise
    except DataLocked as exc:
        print(f"\nimport-services: {exc}", file=out)
        return EXIT_LOCKED
    except (DatasetError, OSError, ValueError) as exc:
        print(f"\nimport-services failed (data/ is unchanged): {exc}", file=out)
        return 1
    counts = ", ".join(f"{s} {int((points['service_type'] == s).sum())}" for s in used)
    print(
        f"import-services: {len(points)} points imported ({counts}; {mode}); {len(result.rejected)} rows rejected",
        file=out,
    )
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="CSV (UTF-8, ; or ,), Excel .xlsx or GeoJSON of points")
    p.add_argument("--source", required=True, help="who compiled the register (shown under every figure)")
    p.add_argument("--date", default="", help="date of the data (default: today)")
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--replace",
        action="store_const",
        dest="mode",
        const=own_data.REPLACE,
        help="replace the built-in points of each imported type",
    )
    g.add_argument(
        "--add", action="store_const", dest="mode", const=own_data.ADD, help="add to the built-in points (default)"
    )
    p.add_argument("--types", default="", help="comma-separated service types to import (default: all in the file)")


def main(args: argparse.Namespace) -> int:
    types = [s.strip() for s in args.types.split(",") if s.strip()] or None
    unknown = [s for s in types or [] if s not in SERVICE_TYPE_IDS]
    if unknown:
        print(
            f"import-services: unknown --types {', '.join(unknown)} (one of {', '.join(SERVICE_TYPE_IDS)})",
            file=sys.stderr,
        )
        return 2
    return import_services(
        args.file, args.source, mode=args.mode or own_data.ADD, types=types, date=args.date, wait=args.wait
    )
