"""Local fake of SCB PxWeb, Kolada v3 and Overpass for fault tests (issues 11 and 17). Loopback only.

    from tests.fakeapi import FakeAPI

    with FakeAPI() as api:                            # 127.0.0.1, ephemeral port, stops itself
        api.fault("kolada", "hang", max_s=5)          # Kolada never answers (for at most 5 s)
        api.fault("overpass", "status", status=504, times=2)   # 504 twice, then the recorded answer
        api.urls  # {"scb_v2", "scb_v1", "scb_wfs", "kolada", "overpass", "overpass_status"} -> base URLs
        ...
        assert api.count("overpass", "/api/interpreter") == 3

In pytest, the `fakeapi` fixture (tests/fakeapi/plugin.py) yields a started `FakeAPI`, and
`fakeapi_etl` additionally points today's etl clients at it. The fault kinds are listed in `FAULTS`.
"""

from tests.fakeapi.server import FAULTS, SOURCES, FakeAPI, Fault, Reply, Seen

__all__ = ["FAULTS", "SOURCES", "Fault", "FakeAPI", "Reply", "Seen"]
