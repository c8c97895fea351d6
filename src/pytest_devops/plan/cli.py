"""``pytest-devops plan PLAN [--format table|markdown|json]``: a redacted plan summary."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_devops.plan.model import Plan

__all__ = ["add_arguments", "load", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", metavar="PLAN", help="`terraform show -json` output ('-': stdin)")
    parser.add_argument("--format", choices=("table", "markdown", "json"), default="table",
                        help="output format (default: table)")


def load(path: str) -> Plan:
    from pytest_devops.plan.capture import decode, extract_json
    from pytest_devops.plan.load import load_plan, parse_plan

    if path == "-":
        source = "<stdin>"
        return parse_plan(extract_json(decode(sys.stdin.buffer.read(), source), source), source)
    return load_plan(path)


def run(args: argparse.Namespace) -> int:
    from pytest_devops.plan.summary import render
    from pytest_devops.redact import Redactor

    plan = load(args.plan)
    redactor = Redactor(plan.sensitive_values())
    out = render(plan, args.format)
    text = redactor.dumps(out, indent=2) + "\n" if isinstance(out, dict) else redactor.redact(out)
    sys.stdout.write(text)
    return 0
