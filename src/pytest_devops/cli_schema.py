"""``pytest-devops schema``: print the JSON Schema of ``devops.yaml`` (for editors and CI)."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", metavar="CONFIG", help="validate every environment of CONFIG")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.config import schema

    if args.check:
        return check(args.check)
    print(json.dumps(schema(), indent=2))
    return 0


def check(config: str) -> int:
    """Resolve every environment of ``config`` and parse its sections with the parsers a
    run uses (:mod:`pytest_devops.features`), so what a run would refuse is refused here;
    report each environment that does not pass (exit 2)."""
    from pathlib import Path

    from pytest_devops.config import environment_names, load_document, resolve, validate_top
    from pytest_devops.errors import ConfigError
    from pytest_devops.features import present_parsers

    path = Path(config)
    doc = load_document(path)
    validate_top(doc, path)
    failed = 0
    for name in environment_names(doc):
        try:
            env = resolve(doc, name, path)
            for parse in present_parsers(env):
                parse(env)
        except ConfigError as exc:
            failed += 1
            print(f"pytest-devops schema: error: {exc}", file=sys.stderr)
        else:
            print(f"{path}: environment {name}: ok")
    return 2 if failed else 0
