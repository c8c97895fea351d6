"""``pytest-devops report REPORT``: render a gate report; the exit code is its outcome."""

from __future__ import annotations

import argparse

from pytest_devops.github.cli import add_report_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_report_arguments(parser)
    parser.add_argument(
        "--format", choices=("table", "markdown", "json"), default="table", help="default table"
    )
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 once rendered, whatever the outcome (default: 0 pass, 1 fail, 2 error)",
    )


def run(args: argparse.Namespace) -> int:
    from pytest_devops.github.publish import render

    return render(args)
