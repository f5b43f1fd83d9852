"""pytest plugin: fixtures that start the fake APIs. Register with `pytest_plugins = ["tests.fakeapi.plugin"]`.

- `fakeapi`: a started `FakeAPI` (function scope; stopped afterwards, every hang released). Set faults with
  `fakeapi.fault(source, kind, path=…, times=…, **params)`, read base URLs from `fakeapi.urls`.
- `fakeapi_etl`: the same, with today's etl clients pointed at it for in-process runs (`run_fetch`).
- `fakeapi_env(api)`: environment variables for a subprocess `python -m etl fetch` once the ETL reads its
  endpoints from the environment (issue 17 item 3; the names are a proposal, see ENV_VARS).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeapi.server import FakeAPI

# url key (FakeAPI.urls) -> proposed environment variable for the ETL's settable endpoints (issue 17 item 3)
ENV_VARS = {
    "scb_v2": "SERVICEKARTAN_SCB_V2_URL",
    "scb_v1": "SERVICEKARTAN_SCB_V1_URL",
    "scb_wfs": "SERVICEKARTAN_SCB_WFS_URL",
    "kolada": "SERVICEKARTAN_KOLADA_URL",
    "overpass": "SERVICEKARTAN_OVERPASS_URL",
    "overpass_status": "SERVICEKARTAN_OVERPASS_STATUS_URL",
}


def fakeapi_env(api: FakeAPI) -> dict[str, str]:
    """Environment for a subprocess fetch against the fake (proxies off for loopback)."""
    env = {ENV_VARS[k]: v for k, v in api.urls.items()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def patch_etl(api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point today's clients at the fake (module constants AND the keyword defaults they were bound to).

    Transitional: once the ETL reads endpoints from the environment, use `fakeapi_env` instead. Tolerates
    the restructure (a constant that moved is skipped; check the returned dict of what was patched).
    """
    import importlib

    urls = api.urls
    patched: dict[str, str] = {}
    targets = [
        ("etl.sources.pxweb", "V2_BASE", "PxWeb", "v2_base", "scb_v2"),
        ("etl.sources.pxweb", "V1_BASE", "PxWeb", "v1_base", "scb_v1"),
        ("etl.sources.kolada", "BASE", "Kolada", "base", "kolada"),
        ("etl.sources.overpass", "INTERPRETER", "Overpass", "url", "overpass"),
        ("etl.sources.overpass", "STATUS", "Overpass", "status_url", "overpass_status"),
        ("etl.steps.scb_tatorter", "WFS_URL", None, None, "scb_wfs"),
    ]
    for module, const, cls, kw, key in targets:
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(mod, const):
            monkeypatch.setattr(mod, const, urls[key])
            patched[f"{module}.{const}"] = urls[key]
        klass = getattr(mod, cls, None) if cls else None
        defaults = getattr(getattr(klass, "__init__", None), "__kwdefaults__", None)
        if defaults and kw in defaults:
            monkeypatch.setitem(defaults, kw, urls[key])
            patched[f"{module}.{cls}(__init__ {kw}=)"] = urls[key]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return patched


@pytest.fixture()
def fakeapi() -> Iterator[FakeAPI]:
    """A started fake of SCB, Kolada and Overpass on 127.0.0.1 (stopped after the test)."""
    with FakeAPI(max_lifetime=300.0) as api:
        yield api


@pytest.fixture()
def fakeapi_etl(fakeapi: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    """`fakeapi` with today's etl clients pointed at it (in-process only)."""
    patch_etl(fakeapi, monkeypatch)
    return fakeapi
