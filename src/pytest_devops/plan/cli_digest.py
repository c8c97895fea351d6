"""``pytest-devops digest PLAN``: the plan's digest, the value approvals bind to."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", metavar="PLAN", help="`terraform show -json` output ('-': stdin)")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.plan.cli import load

    sys.stdout.write(load(args.plan).digest() + "\n")
    return 0
