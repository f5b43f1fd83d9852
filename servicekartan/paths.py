"""Where data lives: repo-relative folders, overridable with SERVICEKARTAN_DATA_DIR (read lazily)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data folder; `SERVICEKARTAN_DATA_DIR` overrides it (read on every call)."""
    env = os.environ.get("SERVICEKARTAN_DATA_DIR")
    return Path(env) if env else REPO_ROOT / "data"


def seed_dir() -> Path:
    """The embedded real snapshot. `SERVICEKARTAN_SEED_DIR` overrides it (tests)."""
    env = os.environ.get("SERVICEKARTAN_SEED_DIR")
    return Path(env) if env else REPO_ROOT / "data" / "seed"


def raw_dir() -> Path:
    return data_dir() / "raw"


def processed_dir() -> Path:
    """The built datasets: a symlink to the current version in `processed_versions_dir()` (swapped whole by a build)."""
    return data_dir() / "processed"


def processed_versions_dir() -> Path:
    """Where builds write complete versions of data/processed (`.processed/<version>/`); see catalog.Transaction."""
    return data_dir() / ".processed"
