"""``pytest-devops diff [ROOT=]PLAN...``: the attribute-level diff of one or more plans.

Each input is a ``terraform show -json`` plan or a diff written by ``--format json``
(what a matrix job uploads); ``ROOT=`` names its root. Text, markdown (within
``--limit`` bytes, summarised beyond) or JSON; every value redacted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pytest_devops.errors import ConfigError
from pytest_devops.plan.diff import PlanDiff
from pytest_devops.redact import Redactor

__all__ = ["add_arguments", "load_diff", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "plans", metavar="[ROOT=]PLAN", nargs="+",
        help="`terraform show -json` output or a diff from --format json ('-': stdin)",
    )
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--limit", metavar="BYTES", type=int, default=65_000,
                        help="markdown: at most this many bytes, summarised beyond "
                             "(default 65000, under a PR comment's limit)")
    parser.add_argument("--link", metavar="URL",
                        help="markdown: where the whole diff is (default: this workflow run)")
    parser.add_argument("--outcome", choices=("pass", "fail", "error"),
                        help="json: the plan gates' outcome, shown beside the root")
    parser.add_argument("--summary", action="store_true",
                        help="also append the whole diff to $GITHUB_STEP_SUMMARY")
    parser.add_argument("--comment", metavar="KEY",
                        help="also post it as the sticky pull-request comment KEY "
                             "(summarised under GitHub's limit, linking the job summary)")
    parser.add_argument("--redact-env", metavar="NAME", action="append", default=[],
                        help="mask the value of this environment variable (repeatable)")


def _split(arg: str) -> tuple[str, str]:
    name, sep, path = arg.partition("=")
    if sep and name and path and not Path(arg).exists():
        return name, path
    return "", arg


def load_diff(arg: str, redactor: Redactor) -> PlanDiff:
    """A diff from a plan or a diff file; the plan's sensitive values join ``redactor``."""
    import json

    from pytest_devops.plan.cli import load
    from pytest_devops.plan.diff import SCHEMA, from_dict, plan_diff

    root, path = _split(arg)
    if path != "-":
        head = Path(path).read_bytes()[:4096]
        if SCHEMA.encode() in head:
            try:
                diff = from_dict(json.loads(Path(path).read_text("utf-8")), path)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ConfigError(str(exc), hint="write it with `pytest-devops diff "
                                  "--format json PLAN`") from None
            return diff if not root else _named(diff, root)
    plan = load(path)
    redactor.add_all(plan.sensitive_values())
    return plan_diff(plan, root, redactor)


def _named(diff: PlanDiff, root: str) -> PlanDiff:
    from dataclasses import replace

    return replace(diff, root=root)


def _run_link() -> str | None:
    from pytest_devops.github.context import GithubEnv

    return GithubEnv.from_environ().run_url


def run(args: argparse.Namespace) -> int:
    from pytest_devops.github.publish import redact_names

    redactor = Redactor()
    redactor.add_env(redact_names(args, os.environ))
    redactor.add_env(["GITHUB_TOKEN"])
    diffs = [load_diff(arg, redactor) for arg in args.plans]
    if args.outcome:
        from dataclasses import replace

        diffs = [replace(d, outcome=args.outcome) for d in diffs]
    if args.summary or args.comment:
        from pytest_devops.github.diff_publish import publish_diffs

        publish_diffs(diffs, summary=args.summary, comment=args.comment, redactor=redactor)
    if args.format == "json":
        docs = [d.to_dict() for d in diffs]
        text = redactor.dumps(docs[0] if len(docs) == 1 else docs, indent=2) + "\n"
    elif args.format == "markdown":
        from pytest_devops.github.diff import diff_markdown

        if args.limit < 1000:
            raise ConfigError("expected at least 1000 bytes", key="--limit")
        text = redactor.redact(diff_markdown(diffs, args.limit, args.link or _run_link())) + "\n"
    else:
        from pytest_devops.plan.diff_text import render_text

        text = redactor.redact(render_text(diffs))
    sys.stdout.write(text)
    return 0
