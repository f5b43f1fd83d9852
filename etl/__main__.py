"""Command line: `python -m etl build` (offline) and `python -m etl fetch` (online)."""

from __future__ import annotations

import argparse
import sys

from etl import fetch as fetch_cmd
from etl.build import BuildOrderError, build
from etl.validate import ValidationError
from servicekartan.catalog import DatasetError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build data/processed from data/seed (+ data/raw), offline")
    fetch_cmd.add_arguments(
        sub.add_parser("fetch", help="download SCB, Kolada and OpenStreetMap data into data/raw (online, resumable)")
    )
    args = parser.parse_args(argv)
    if args.command == "fetch":
        return fetch_cmd.main(args)
    if args.command == "build":
        try:
            build()
        except (ValidationError, DatasetError, BuildOrderError) as exc:
            print(f"\nbuild failed: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
