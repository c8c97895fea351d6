"""``pytest-devops canary --env NAME``: prove each plan-stage gate can fail.

Exit 0 when every gate that passes the real plan fails on at least one mutant, 1 when a
gate survives every mutant (it cannot fail: vacuous), 2 when the canary could not decide.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, metavar="NAME",
                        help="environment of devops.yaml whose plan and gates to test")
    parser.add_argument("--config", type=Path, default=Path("devops.yaml"), metavar="PATH",
                        help="config file (default: devops.yaml); pytest runs in its directory")
    parser.add_argument("--mutant", action="append", default=[], metavar="NAME",
                        help="run only these mutants (repeatable; default: all that apply)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--timeout", type=float, default=1800.0, metavar="SECONDS",
                        help="time allowed for each pytest run")
    parser.add_argument("pytest_args", nargs="*", metavar="PYTEST_ARG",
                        help="after --: arguments for every pytest run (test paths, -p ...)")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.canary.run import Project, canary
    from pytest_devops.errors import ConfigError
    from pytest_devops.redact import Redactor

    config = args.config.expanduser().resolve()
    if not config.is_file():
        raise ConfigError("config file not found", file=str(args.config),
                          hint="pass --config PATH to the project's devops.yaml")
    redactor = Redactor()
    project = Project(env=args.env, config=config, cwd=config.parent,
                      args=tuple(args.pytest_args), timeout=args.timeout)
    result = canary(project, redactor, args.mutant)
    if args.format == "json":
        sys.stdout.write(redactor.dumps(result.to_dict(), indent=2) + "\n")
    else:
        for line in result.lines():
            sys.stdout.write(redactor.redact(line) + "\n")
    return {"pass": 0, "fail": 1}.get(result.outcome, 2)
