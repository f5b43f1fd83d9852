"""pytest plugin: fixtures that start the fake APIs. Register with `pytest_plugins = ["tests.fakeapi.plugin"]`.

- `fakeapi`: a started `FakeAPI` (function scope; stopped afterwards, every hang released). Set faults with
  `fakeapi.fault(source, kind, path=…, times=…, **params)`, read base URLs from `fakeapi.urls`.
- `fakeapi_etl`: the same, with today's etl clients pointed at it for in-process runs (`run_fetch`).
- `fakeapi_env(api)`: environment variables for a subprocess `python -m etl fetch` once the ETL reads its
  endpoints from the environment (issue 17 item 3; the names are a proposal, see ENV_VARS).
- Until then, a subprocess fetch against the fake: `python -m tests.fakeapi.etl_shim fetch …` with
  `FAKEAPI_URLS=<json of api.urls>` in its environment (`shim_env(api)` builds it).
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


def shim_env(api: FakeAPI) -> dict[str, str]:
    """Environment for `python -m tests.fakeapi.etl_shim …` (today's ETL, endpoints patched in the child)."""
    import json

    return {**fakeapi_env(api), "FAKEAPI_URLS": json.dumps(api.urls)}


def fakeapi_env(api: FakeAPI) -> dict[str, str]:
    """Environment for a subprocess fetch against the fake (proxies off for loopback)."""
    env = {ENV_VARS[k]: v for k, v in api.urls.items()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


_TARGETS = (  # (modules tried — every one that exists is patched, constant, class, its __init__ keyword, url key)
    (("etl.sources.pxweb.client", "etl.sources.pxweb"), "V2_BASE", "PxWeb", "v2_base", "scb_v2"),
    (("etl.sources.pxweb.client", "etl.sources.pxweb"), "V1_BASE", "PxWeb", "v1_base", "scb_v1"),
    (("etl.sources.kolada",), "BASE", "Kolada", "base", "kolada"),
    (("etl.sources.overpass",), "INTERPRETER", "Overpass", "url", "overpass"),
    (("etl.sources.overpass",), "STATUS", "Overpass", "status_url", "overpass_status"),
    (("etl.fetchers.scb_tatorter", "etl.steps.scb_tatorter"), "WFS_URL", None, None, "scb_wfs"),
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def point_etl_at(urls: dict[str, str], setattr_=setattr, setitem=None) -> dict[str, str]:
    """Point today's clients at `urls` (module constants AND the keyword defaults they were bound to).

    Transitional, until the ETL reads its endpoints from the environment (then use `fakeapi_env`).
    Tolerates the restructure (every module of a target that exists is patched; a constant that moved
    elsewhere is skipped — check the returned dict). Pair it with `guard_loopback` so a missed one fails
    instead of reaching the real service.
    """
    import importlib

    setitem = setitem or (lambda d, k, v: d.__setitem__(k, v))
    patched: dict[str, str] = {}
    for modules, const, cls, kw, key in _TARGETS:
        for module in modules:
            try:
                mod = importlib.import_module(module)
            except ImportError:
                continue
            if hasattr(mod, const):
                setattr_(mod, const, urls[key])
                patched[f"{module}.{const}"] = urls[key]
            klass = getattr(mod, cls, None) if cls else None
            defaults = getattr(getattr(klass, "__init__", None), "__kwdefaults__", None)
            if defaults and kw in defaults and defaults[kw] != urls[key]:
                setitem(defaults, kw, urls[key])
                patched[f"{module}.{cls}(__init__ {kw}=)"] = urls[key]
    return patched


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
    """`point_etl_at(api.urls)` and `guard_loopback()` through monkeypatch (undone after the test)."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    guard_loopback(monkeypatch.setattr)
    return point_etl_at(api.urls, monkeypatch.setattr, monkeypatch.setitem)


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
