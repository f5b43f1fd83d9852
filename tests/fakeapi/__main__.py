"""Run the fake standalone (loopback only): `python -m tests.fakeapi --fault kolada=hang:max_s=30 --lifetime 120`.

Prints one JSON line `{"urls": {...}, "env": {...}}` on stdout, then serves until the lifetime ends or it is
interrupted (SIGINT/SIGTERM). A fault is `source=kind[:key=value[,key=value…]]`, e.g.
`overpass=status:status=504,times=2` or `scb=problem:status=403,path=/api/v2/tables/*/data`.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

from tests.fakeapi.plugin import fakeapi_env
from tests.fakeapi.server import FAULTS, FakeAPI


def _value(text: str) -> object:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_fault(spec: str) -> tuple[str, str, dict]:
    source, _, rest = spec.partition("=")
    kind, _, params = rest.partition(":")
    kw = {k: _value(v) for k, _, v in (p.partition("=") for p in params.split(",") if p)}
    return source, kind, kw


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fakeapi", description=__doc__)
    p.add_argument(
        "--fault", action="append", default=[], help="source=kind[:k=v,…] (repeatable); kinds: " + ", ".join(FAULTS)
    )
    p.add_argument("--lifetime", type=float, default=300.0, help="stop after this many seconds (default 300)")
    p.add_argument("--max-requests", type=int, default=5000)
    args = p.parse_args(argv)
    api = FakeAPI(max_lifetime=args.lifetime, max_requests=args.max_requests).start()
    for spec in args.fault:
        source, kind, kw = parse_fault(spec)
        api.fault(source, kind, **kw)
    print(json.dumps({"urls": api.urls, "env": fakeapi_env(api)}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: api.stop())
    try:
        api.closed.wait()
    except KeyboardInterrupt:
        api.stop()
    print(json.dumps({"requests": api.paths()}), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
