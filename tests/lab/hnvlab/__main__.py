"""Command line of the harness: `/usr/bin/python3 -m hnvlab cleanup [--all] [--prefix REGEX]`.

Run from tests/lab (or with it on PYTHONPATH) as root.
"""

from __future__ import annotations

import argparse
import os
import sys

from .cleanup import cleanup_stale
from .netns import PREFIX_RE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hnvlab", description="hnv lab harness tools")
    commands = parser.add_subparsers(dest="command", required=True)
    clean = commands.add_parser("cleanup", help="remove network namespaces left behind by crashed lab runs")
    clean.add_argument("--prefix", default=PREFIX_RE.pattern, help="regex for the run prefix (default: every run)")
    clean.add_argument("--all", action="store_true", help="also remove namespaces of runs that are still alive")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("hnvlab: must run as root", file=sys.stderr)
        return 2
    removed = cleanup_stale(args.prefix, include_live=args.all)
    for name in removed:
        print(f"removed {name}")
    print(f"{len(removed)} namespace(s) removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
