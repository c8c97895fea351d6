"""``pytest-devops replay BUNDLE``: re-run the bundle's plan-stage gates offline.

Exit 0/1/2 as the replayed outcome (pass/fail/error) when it reproduces the recorded
one gate by gate; 2 when it does not, or the bundle is refused."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bundle", type=Path, metavar="BUNDLE", help="an evidence bundle")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.evidence.replay import replay

    result = replay(args.bundle)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(result.lines()) + "\n")
    if not result.reproduced:
        return 2
    return {"pass": 0, "fail": 1}.get(result.replayed, 2)
