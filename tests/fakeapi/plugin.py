"""pytest plugin: fixtures that start the fake APIs. Register with `pytest_plugins = ["tests.fakeapi.plugin"]`.

- `fakeapi`: a started `FakeAPI` (function scope; stopped afterwards, every hang released). Set faults with
  `fakeapi.fault(source, kind, path=…, times=…, **params)`, read base URLs from `fakeapi.urls`.
- `fakeapi_etl`: the same, with the ETL pointed at it through its endpoint environment variables
  (`SERVICEKARTAN_*_URL`, etl/sources/endpoints.py) and every host but 127.0.0.1 unresolvable in this process.
- `fakeapi_env(api)`: those environment variables, for a subprocess `python -m etl fetch` against the fake.
- `python -m tests.fakeapi.etl_shim fetch …`: `python -m etl` that also refuses to resolve any host but
  127.0.0.1 (a missed endpoint fails instead of reaching a real service); `shim_env(api)` is its environment.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from etl.sources.endpoints import ENV_VARS as _ETL_ENV_VARS
from tests.fakeapi.server import FakeAPI

# url key (FakeAPI.urls) -> the ETL's environment variable for that endpoint (etl/sources/endpoints.py)
ENV_VARS = dict(_ETL_ENV_VARS)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def fakeapi_env(api: FakeAPI) -> dict[str, str]:
    """Environment for a fetch against the fake: every endpoint variable, proxies off for loopback."""
    env = {ENV_VARS[k]: v for k, v in api.urls.items()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def shim_env(api: FakeAPI) -> dict[str, str]:
    """Environment for `python -m tests.fakeapi.etl_shim …` (the same variables; kept for older callers)."""
    return fakeapi_env(api)


def guard_loopback(setattr_=setattr) -> None:
    """Make this process unable to resolve any host but 127.0.0.1/localhost (a missed endpoint fails fast,
    as 'connection failed', instead of reaching a real service)."""
    import socket

    real = socket.getaddrinfo
    if getattr(real, "_fakeapi_guard", False):
        return

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, f"fakeapi: network beyond 127.0.0.1 blocked ({name})")
        return real(host, *args, **kwargs)

    getaddrinfo._fakeapi_guard = True  # type: ignore[attr-defined]
    setattr_(socket, "getaddrinfo", getaddrinfo)


def patch_etl(api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the ETL at the fake through its environment variables and `guard_loopback()` (undone after the test)."""
    env = fakeapi_env(api)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    guard_loopback(monkeypatch.setattr)
    return env


@pytest.fixture()
def fakeapi() -> Iterator[FakeAPI]:
    """A started fake of SCB, Kolada and Overpass on 127.0.0.1 (stopped after the test)."""
    with FakeAPI(max_lifetime=300.0) as api:
        yield api


@pytest.fixture()
def fakeapi_etl(fakeapi: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> FakeAPI:
    """`fakeapi` with the ETL pointed at it (environment variables; this process resolves only 127.0.0.1)."""
    patch_etl(fakeapi, monkeypatch)
    return fakeapi
