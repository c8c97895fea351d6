"""``pytest-devops schema``: print the JSON Schema of ``devops.yaml`` (for editors and CI)."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", metavar="CONFIG", help="validate every environment of CONFIG")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.config import environment_names, load_document, resolve, schema

    if args.check:
        from pathlib import Path

        path = Path(args.check)
        doc = load_document(path)
        for name in environment_names(doc):
            resolve(doc, name, path)
            print(f"{path}: environment {name}: ok")
        return 0
    print(json.dumps(schema(), indent=2))
    return 0
