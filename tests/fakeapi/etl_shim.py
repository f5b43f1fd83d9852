"""`python -m tests.fakeapi.etl_shim fetch …`: `python -m etl` that can reach nothing but 127.0.0.1.

The ETL reads its endpoints from the environment (`SERVICEKARTAN_*_URL`, etl/sources/endpoints.py;
`plugin.fakeapi_env(api)` builds them). This shim adds a guard for subprocess fault tests: it refuses to run
unless every endpoint variable is set to a 127.0.0.1 URL, and makes every other host unresolvable, so a missed
endpoint fails instead of reaching a real service.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

from tests.fakeapi.plugin import ENV_VARS, guard_loopback


def main(argv: list[str]) -> int:
    missing = [v for v in ENV_VARS.values() if not os.environ.get(v)]
    if missing:
        print(f"etl_shim: set {', '.join(missing)} (plugin.fakeapi_env(api))", file=sys.stderr)
        return 2
    if any(urlsplit(os.environ[v]).hostname != "127.0.0.1" for v in ENV_VARS.values()):
        print("etl_shim: every endpoint must be on 127.0.0.1", file=sys.stderr)
        return 2
    guard_loopback()
    from etl.__main__ import main as etl_main

    return etl_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
