"""The one way to read and write a dataset: Parquet with an explicit schema and provenance metadata."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from servicekartan import datasets, paths

REBUILD_COMMAND = "python -m etl build"
META_KEY = b"servicekartan"

# Read from the one description per dataset (servicekartan.datasets).
SCHEMAS: dict[str, pa.Schema] = datasets.SCHEMAS
KEYS: dict[str, tuple[str, ...]] = datasets.KEYS


class DatasetError(RuntimeError):
    """A dataset cannot be used; the message names the file and how to fix it. Catch the subclasses to tell why."""


class DatasetMissing(DatasetError):
    """The dataset's file does not exist (not built yet): building it is the fix."""


class DatasetCorrupt(DatasetError):
    """The file exists but is unreadable, lacks its provenance metadata or lacks schema columns."""


@dataclass
class Provenance:
    """Where a dataset comes from; travels in the Parquet metadata into the UI and every download."""

    source: str
    licence: str
    attribution: str
    origin: str  # URL or seed file(s)
    retrieved: str  # date the source was retrieved (ISO date)
    method: str = ""
    quality: str = "observed"  # observed / modelled / mixed
    built_at: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Provenance:
        known = {k: d.get(k, "") for k in cls.__dataclass_fields__ if k != "extra"}
        return cls(**known, extra=dict(d.get("extra") or {}))


@dataclass
class Dataset:
    name: str
    frame: pd.DataFrame
    provenance: Provenance


def dataset_path(name: str) -> Path:
    return paths.processed_dir() / f"{name}.parquet"


def to_table(name: str, df: pd.DataFrame) -> pa.Table:
    """Conform a frame to the dataset's schema (extra columns kept after the schema's own)."""
    schema = SCHEMAS.get(name)
    if schema is None:
        return pa.Table.from_pandas(df, preserve_index=False)
    missing = [f.name for f in schema if f.name not in df.columns]
    if missing:
        raise DatasetError(f"dataset '{name}' lacks columns {missing}")
    extra = [c for c in df.columns if c not in schema.names]
    ordered = df[list(schema.names) + extra].reset_index(drop=True)
    fields = list(schema) + [pa.Table.from_pandas(ordered[extra], preserve_index=False).schema.field(c) for c in extra]
    return pa.Table.from_pandas(ordered, schema=pa.schema(fields), preserve_index=False)


def _content_hash(table: pa.Table, prov: Provenance) -> str:
    """Hash of the data and provenance without the build time: equal hash = nothing changed."""
    h = hashlib.sha256()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    h.update(sink.getvalue().to_pybytes())
    d = prov.to_dict()
    d.pop("built_at", None)
    h.update(json.dumps(d, sort_keys=True).encode())
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically: temp file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(ds: Dataset, directory: Path | None = None) -> bool:
    """Write a dataset atomically; returns False (and leaves the file untouched) if nothing changed."""
    table = to_table(ds.name, ds.frame)
    prov = ds.provenance
    digest = _content_hash(table, prov)
    path = (directory or paths.processed_dir()) / f"{ds.name}.parquet"
    if path.exists():
        try:
            old = read_metadata(ds.name, path)
            if old.get("content_sha256") == digest:
                return False
        except DatasetError:
            pass
    if not prov.built_at:
        prov.built_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    meta = {"dataset": ds.name, "content_sha256": digest, **prov.to_dict()}
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), META_KEY: json.dumps(meta, ensure_ascii=False).encode()}
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    atomic_write_bytes(path, sink.getvalue().to_pybytes())
    return True


def _fail(name: str, path: Path, why: str, cls: type[DatasetError] = DatasetCorrupt) -> DatasetError:
    return cls(f"Dataset '{name}' at {path} {why}. Rebuild it with: {REBUILD_COMMAND}")


def read_metadata(name: str, path: Path | None = None) -> dict:
    """The provenance dict stored in a dataset's Parquet metadata."""
    path = path or dataset_path(name)
    if not path.exists():
        raise _fail(name, path, "is missing", DatasetMissing)
    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise _fail(name, path, f"is unreadable ({type(exc).__name__})") from exc
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise _fail(name, path, "has no provenance metadata")
    return json.loads(raw)


def read(name: str, path: Path | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a dataset; a missing, corrupt or schema-less file raises DatasetError naming the fix."""
    path = path or dataset_path(name)
    if not path.exists():
        raise _fail(name, path, "is missing", DatasetMissing)
    try:
        table = pq.read_table(path, columns=columns)
    except Exception as exc:
        raise _fail(name, path, f"is unreadable ({type(exc).__name__}: {exc})") from exc
    schema = SCHEMAS.get(name)
    if schema is not None and columns is None:
        missing = [f.name for f in schema if f.name not in table.column_names]
        if missing:
            raise _fail(name, path, f"lacks columns {missing}")
    return table.to_pandas()


def provenance(name: str, path: Path | None = None) -> Provenance:
    return Provenance.from_dict(read_metadata(name, path))


def exists(name: str) -> bool:
    return dataset_path(name).exists()
