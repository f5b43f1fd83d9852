"""Shared fixtures: a built copy of the embedded data in a temp folder, fixtures path, clean caches."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from servicekartan import catalog

pytest_plugins = ["tests.fakeapi.plugin"]  # the local fake of SCB, Kolada and Overpass (fixtures fakeapi, fakeapi_etl)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/processed built once from data/seed into a temp data dir; SERVICEKARTAN_DATA_DIR points there."""
    data = tmp_path_factory.mktemp("data")
    old = os.environ.get("SERVICEKARTAN_DATA_DIR")
    os.environ["SERVICEKARTAN_DATA_DIR"] = str(data)
    from etl.build import build

    build(out=io.StringIO())
    yield data
    if old is None:
        os.environ.pop("SERVICEKARTAN_DATA_DIR", None)
    else:
        os.environ["SERVICEKARTAN_DATA_DIR"] = old


@pytest.fixture()
def data_env(built_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SERVICEKARTAN_DATA_DIR", str(built_data))
    return built_data


@pytest.fixture()
def frames(data_env: Path) -> dict:
    return {name: catalog.read(name) for name in ("regions", "villages", "population", "services", "indicators")}


@pytest.fixture()
def fixtures_dir() -> Path:
    from tests._fetch_support import FIXTURES

    if not FIXTURES.exists():
        pytest.fail(f"recorded fixtures not found at {FIXTURES} (../shared/fixtures or tests/fixtures/recorded)")
    return FIXTURES
