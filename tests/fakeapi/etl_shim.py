"""`python -m tests.fakeapi.etl_shim fetch …`: today's `python -m etl`, its endpoints pointed at a fake API.

Transitional (until the ETL reads its endpoints from the environment, issue 17 item 3): for fault tests that
need a separate process — kill -9 mid-unit, two concurrent fetches. The child reads `FAKEAPI_URLS` (JSON of
`FakeAPI.urls`, see `plugin.shim_env`); it refuses to run without it, refuses any URL not on 127.0.0.1, and cannot resolve any other host.
"""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import urlsplit

from tests.fakeapi.plugin import guard_loopback, point_etl_at


def main(argv: list[str]) -> int:
    raw = os.environ.get("FAKEAPI_URLS")
    if not raw:
        print("etl_shim: FAKEAPI_URLS is not set (JSON of FakeAPI.urls)", file=sys.stderr)
        return 2
    urls = json.loads(raw)
    if any(urlsplit(u).hostname != "127.0.0.1" for u in urls.values()):
        print("etl_shim: every URL must be on 127.0.0.1", file=sys.stderr)
        return 2
    guard_loopback()
    point_etl_at(urls)
    from etl.__main__ import main as etl_main

    return etl_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
