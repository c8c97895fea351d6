"""``pytest-devops scan``: Checkov on paths (or an environment's policy), offline and
failing closed. Exit 0: no failing check; 1: failing checks; 2: the scan could not run."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from pytest_devops.security.cli_common import add_source_arguments, resolve_source

if TYPE_CHECKING:
    from pytest_devops.security.model import ScanReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--format", choices=("table", "json", "sarif"), default="table",
                        help="output format (default: table)")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.security import baseline, sarif
    from pytest_devops.security.scanner import scan

    src = resolve_source(args)
    known = baseline.load(src.baseline) if src.baseline else set()
    report = scan(src.policy, src.root, redactor=src.redactor, cache_dir=src.cache_dir,
                  baseline=known)
    if args.format == "json":
        text = src.redactor.dumps(report.to_dict(), indent=2)
    elif args.format == "sarif":
        text = src.redactor.dumps(sarif.build(report, src.root), indent=2)
    else:
        text = src.redactor.redact(table(report))
    sys.stdout.write(text + "\n")
    return 1 if report.failed else 0


def table(report: ScanReport) -> str:
    lines = [
        f"checkov {report.checkov_version}: {report.resource_count} resources, "
        f"{len(report.passed)} passed, {len(report.failed)} failed, "
        f"{len(report.skipped)} skipped, {len(report.baselined)} baselined, "
        f"{len(report.soft_failed)} soft-failed" + (" (cached)" if report.cached else "")
    ]
    if report.coverage:
        from pytest_devops.security.coverage import describe

        lines.append(f"paths: {describe(report.coverage)}")
    rows = [("FAILED", r) for rs in report.by_check("failed").values() for r in rs]
    rows += [("WARN", r) for r in report.soft_failed] + [("BASELINE", r) for r in report.baselined]
    for status, r in rows:
        lines.append(f"{status:<8} {r.check_id:<14} {r.resource}  {r.location}")
        lines.append(f"{'':<8} {r.check_name} — {r.help_url}")
    return "\n".join(lines)
