"""``pytest-devops baseline``: record today's failing checks so that only new ones fail.

Skips still apply (a skipped check is not recorded); the existing baseline is ignored,
so the file is rewritten with exactly what fails now."""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_devops.errors import ConfigError
from pytest_devops.security.cli_common import add_source_arguments, resolve_source


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="baseline file to write (default: the environment's "
                        "security.baseline)")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.security import baseline
    from pytest_devops.security.scanner import scan

    src = resolve_source(args)
    target = Path(args.output).resolve() if args.output else src.baseline
    if target is None:
        raise ConfigError("no baseline file to write",
                          hint="pass -o FILE, or set security.baseline for the environment")
    report = scan(src.policy, src.root, redactor=src.redactor, cache_dir=src.cache_dir)
    baseline.write(target, report, src.redactor)
    count = len({r.identity() for r in (*report.failed, *report.soft_failed)})
    print(src.redactor.redact(f"wrote {count} finding(s) to {target}"))
    return 0
