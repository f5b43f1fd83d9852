"""Command line: `python -m etl build` (offline), `python -m etl fetch` (online), `python -m etl import-services FILE`.

Exit codes: 0 ok, 1 failed (one line per problem, data/processed unchanged), 2 bad options (fetch),
3 the data folder is in use by another fetch/build (named) and --wait ran out.
"""

from __future__ import annotations

import argparse
import sys

from etl import fetch as fetch_cmd
from etl import imports as imports_cmd
from etl.build import BuildOrderError, build
from etl.lock import EXIT_LOCKED, DataLocked
from etl.validate import SeedError, ValidationError
from servicekartan.catalog import DatasetError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build_p = sub.add_parser("build", help="build data/processed from data/seed (+ data/raw), offline; all or nothing")
    build_p.add_argument(
        "datasets", nargs="*", metavar="DATASET", help="build only these (and what they need); default: all"
    )
    fetch_cmd.add_wait_argument(build_p)
    fetch_cmd.add_arguments(
        sub.add_parser("fetch", help="download SCB, Kolada and OpenStreetMap data into data/raw (online, resumable)")
    )
    imp = sub.add_parser(
        "import-services", help="import a service register (own data) into data/raw/own and rebuild; all or nothing"
    )
    imports_cmd.add_arguments(imp)
    fetch_cmd.add_wait_argument(imp)
    args = parser.parse_args(argv)
    if args.command == "fetch":
        return fetch_cmd.main(args)
    if args.command == "import-services":
        return imports_cmd.main(args)
    if args.command == "build":
        try:
            build(args.datasets or None, out=sys.stderr, wait=args.wait)
        except DataLocked as exc:
            print(f"\nbuild: {exc}", file=sys.stderr)
            return EXIT_LOCKED
        except SeedError as exc:
            n = len(exc.problems)
            print(
                f"\nbuild failed: {n} problem{'s' * (n != 1)} in the input (data/processed is unchanged):",
                file=sys.stderr,
            )
            print(str(exc), file=sys.stderr)
            return 1
        except (ValidationError, DatasetError, BuildOrderError, OSError) as exc:
            print(f"\nbuild failed: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
