"""``pytest-devops cost PLAN.json``: the monthly cost of a plan, per resource and component."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", metavar="PLAN",
                        help="plan JSON (terraform show -json tfplan; '-': stdin)")
    parser.add_argument("--usage", type=Path, metavar="FILE",
                        help="usage file (Infracost format, version 0.1)")
    parser.add_argument("--region", metavar="R",
                        help="AWS region for providers whose region the plan does not say")
    parser.add_argument("--price-file", type=Path, metavar="FILE",
                        help="prices of your own, over the shipped catalog")
    parser.add_argument("--price-source", choices=("catalog", "aws"), default="catalog",
                        help="aws: ask the AWS Price List API first (needs credentials)")
    parser.add_argument("--format", choices=("table", "markdown", "json"), default="table")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.cost.render import markdown, table
    from pytest_devops.cost.settings import CostSettings, estimate_with
    from pytest_devops.plan.cli import load
    from pytest_devops.plan.summary import warnings
    from pytest_devops.redact import Redactor

    plan = load(args.plan)
    redactor = Redactor(plan.sensitive_values())
    settings = CostSettings(
        region=args.region,
        usage_file=args.usage,
        price_file=args.price_file,
        price_source=args.price_source,
    )
    est = estimate_with(plan, settings)
    if args.format == "json":
        text = redactor.dumps(est.to_dict(), indent=2)
    elif args.format == "markdown":
        text = redactor.redact(markdown(est))
    else:
        text = redactor.redact(table(est))
    sys.stdout.write(text + "\n")
    for line in warnings(plan):  # the estimate covers only what the plan shows
        sys.stderr.write(redactor.redact(line) + "\n")
    return 0
