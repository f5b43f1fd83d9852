"""Local fake of SCB PxWeb, Kolada v3 and Overpass for fault tests (issues 11 and 17). Loopback only.

    from tests.fakeapi import FakeAPI

    with FakeAPI() as api:                            # 127.0.0.1, ephemeral port, stops itself
        api.fault("kolada", "hang", max_s=5)          # Kolada never answers (for at most 5 s)
        api.fault("overpass", "status", status=504, times=2)   # 504 twice, then the recorded answer
        api.urls  # {"scb_v2", "scb_v1", "scb_wfs", "kolada", "overpass", "overpass_status"} -> base URLs
        ...
        assert api.count("overpass", "/api/interpreter") == 3

In pytest, the `fakeapi` fixture (tests/fakeapi/plugin.py) yields a started `FakeAPI`, and
`fakeapi_etl` additionally points today's etl clients at it. The fault kinds are listed in `FAULTS`;
the cases of issue 17 item 4 as rules in `tests.fakeapi.cases.CASES`. A fetch in a subprocess (kill -9,
two at once): `python -m tests.fakeapi.etl_shim fetch …` with `plugin.shim_env(api)` in its environment.
The fake standalone: `python -m tests.fakeapi --fault kolada=hang:max_s=30`.
Which bodies are recorded and which are built: tests/fixtures/handmade/README.md.
"""

from tests.fakeapi.server import FAULTS, SOURCES, FakeAPI, Fault, Reply, Seen

__all__ = ["FAULTS", "SOURCES", "Fault", "FakeAPI", "Reply", "Seen"]
