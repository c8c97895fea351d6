"""``pytest-devops`` command line. Each subcommand lives in its feature's module and is
imported only when it runs, so ``pytest-devops --help`` stays fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

#: name -> (module, one-line help). The module provides ``add_arguments(parser)`` and
#: ``run(args) -> int`` (0 pass, 1 gate failure, 2 error).
COMMANDS: dict[str, tuple[str, str]] = {
    "schema": ("pytest_devops.cli_schema", "print the JSON Schema of devops.yaml"),
    "init": ("pytest_devops.init", "scaffold devops.yaml, starter gate tests and a workflow"),
    "plan": ("pytest_devops.plan.cli", "summarise a terraform show -json plan (redacted)"),
    "diff": ("pytest_devops.plan.cli_diff", "the attribute-level diff of plans (redacted)"),
    "changed": ("pytest_devops.monorepo.cli", "the Terraform roots a change affects (matrix)"),
    "drift": ("pytest_devops.drift.cli", "open, update or close the drift issue of a root"),
    "reviewed": ("pytest_devops.review.cli", "refuse a plan that differs from the one reviewed"),
    "digest": ("pytest_devops.plan.cli_digest", "print a plan's digest (approvals bind to it)"),
    "records": ("pytest_devops.records.cli", "write or check plan and verification records"),
    "report": ("pytest_devops.github.cli_report", "render a gate report; exit with its outcome"),
    "github": ("pytest_devops.github.cli", "publish a report: summary, annotations, PR comment"),
    "cost": ("pytest_devops.cost.cli", "monthly cost of a plan per resource and component"),
    "scan": ("pytest_devops.security.cli_scan", "run Checkov (offline, fail-closed) on paths"),
    "baseline": ("pytest_devops.security.cli_baseline", "record current security findings"),
    "canary": ("pytest_devops.canary.cli", "prove each plan-stage gate fails on a mutant plan"),
    "replay": ("pytest_devops.evidence.cli_replay", "re-run an evidence bundle's gates offline"),
    "verify-bundle": ("pytest_devops.evidence.cli_verify", "check an evidence bundle's sums"),
    "terraform": ("pytest_devops.terraform.cli", "plan, apply (the recorded plan) or destroy an "
                  "environment"),
    "cloudformation": ("pytest_devops.cloudformation.cli",
                       "create, execute (the gated one) or discard a change set"),
}

EXIT_ERROR = 2


def add_env_actions(
    parser: argparse.ArgumentParser, helps: dict[str, str]
) -> dict[str, argparse.ArgumentParser]:
    """The ``ACTION --env NAME [--config PATH]`` subcommands of a deploy engine's command."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions = {}
    for action, text in helps.items():
        cmd = sub.add_parser(action, help=text, description=text)
        cmd.add_argument("--env", required=True, metavar="NAME", help="environment in the config")
        cmd.add_argument("--config", default="devops.yaml", metavar="PATH",
                         help="config file (default: devops.yaml)")
        actions[action] = cmd
    return actions


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-devops",
        description="Infrastructure gates as pytest tests: plan, security, cost, post-deploy.",
    )
    from pytest_devops import __version__

    parser.add_argument("--version", action="version", version=f"pytest-devops {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.set_defaults(_module=module)
        import_module(module).add_arguments(cmd)
    return parser


def _error(command: str, text: str) -> int:
    """Report an error on stderr, masked like every other output, and return exit 2."""
    import os
    import re

    from pytest_devops.redact import Redactor

    names = re.split(r"[,\s]+", os.environ.get("PYTEST_DEVOPS_REDACT_ENV", "").strip())
    redactor = Redactor()
    redactor.add_env(n for n in names if n)
    print(f"pytest-devops {command}: error: {redactor.redact(text)}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pytest_devops.errors import DevopsError

    try:
        return int(import_module(args._module).run(args))
    except DevopsError as exc:
        return _error(args.command, str(exc))
    except BrokenPipeError:
        return EXIT_ERROR
    except OSError as exc:  # a file that cannot be read or written: say which, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        return _error(args.command, f"{where}{exc.strerror or exc}")
    except Exception as exc:  # exit 1 means "findings": a crash must not look like that
        import os
        import traceback

        if os.environ.get("PYTEST_DEVOPS_DEBUG"):
            traceback.print_exc()
        return _error(
            args.command,
            f"internal error: {type(exc).__name__}: {exc}\n"
            "  hint: set PYTEST_DEVOPS_DEBUG=1 for the traceback, and report it",
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
