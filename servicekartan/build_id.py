"""data/processed -> the data build id: a short content hash over every dataset's stored content hash.

Two installations with the same data have the same id, whatever their build times; a rebuild that
changes any dataset (a fetch, an `etl import-services`) changes it. Read from the Parquet footers only
(`content_sha256`, written by servicekartan.catalog), so it costs milliseconds. Carried in citations,
downloads and copied links (`build=`), so a reader can tell whether a figure came from the same data.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from servicekartan import catalog, paths

LENGTH = 12  # hex digits shown: enough to tell builds apart, short enough to quote


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.parquet")) if directory.is_dir() else []


def build_id(directory: Path | None = None) -> str:
    """The id of the data in `directory` (default data/processed); '' when nothing is built."""
    directory = directory or paths.processed_dir()
    h = hashlib.sha256(b"servicekartan-build\n")
    n = 0
    for path in _files(directory):
        try:
            digest = str(catalog.read_metadata(path.stem, path).get("content_sha256", ""))
        except catalog.DatasetError:
            digest = "unreadable"
        h.update(f"{path.stem}={digest}\n".encode())
        n += 1
    return h.hexdigest()[:LENGTH] if n else ""


@lru_cache(maxsize=8)
def _of_version(resolved: str) -> str:
    return build_id(Path(resolved))


def current() -> str:
    """The running build's id, cached per version folder (a build swaps data/processed to a new one)."""
    directory = paths.processed_dir()
    try:
        resolved = directory.resolve(strict=True)
    except OSError:
        return ""
    if not directory.is_symlink():  # a plain folder (an old layout or a test): no version to key on
        return build_id(resolved)
    return _of_version(str(resolved))


def same(a: str | None, b: str | None) -> bool:
    """Whether two ids name the same build (a shorter quoted prefix of the same id counts as the same)."""
    a, b = str(a or "").strip().lower(), str(b or "").strip().lower()
    return bool(a) and bool(b) and (a.startswith(b) or b.startswith(a))
