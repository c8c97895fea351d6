"""``pytest-devops reviewed KEY=PLAN``: apply only what the pull request showed.

After a merge, the pipeline plans again. This compares that plan's digest with the one
the merged pull request's comment showed for ``KEY`` (or ``--digest``): equal exits 0;
different stops with "plan changed since review", the new plan's diff (also in the job
summary) and exit 1; no reviewed digest, or GitHub not answering, is an error (exit 2).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from pytest_devops.errors import ConfigError, DevopsError

__all__ = ["add_arguments", "run"]

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", metavar="KEY=PLAN",
                        help="the plan made after the merge (terraform show -json), and the "
                             "key its digest was shown under on the pull request")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--digest", metavar="sha256:...", help="the reviewed digest itself")
    where.add_argument("--pr", metavar="N", type=int,
                       help="the pull request (default: the one that merged --sha)")
    parser.add_argument("--sha", metavar="SHA", help="the merge commit (default $GITHUB_SHA)")
    parser.add_argument("--summary-file", metavar="PATH",
                        help="append the verdict here (default $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--github-output", action="store_true",
                        help="write the verified digest to $GITHUB_OUTPUT (digest=...)")
    from pytest_devops.github.api_args import add_api_arguments

    add_api_arguments(parser)


def _from_pull_request(args: argparse.Namespace, key: str) -> tuple[str, str]:
    """(digest, where it was found) from the merged pull request's comments."""
    from pytest_devops.github.api_args import api_target
    from pytest_devops.github.comment import client
    from pytest_devops.github.context import GithubEnv
    from pytest_devops.review.lookup import find_reviewed, merged_pull_request

    target = api_target(args, GithubEnv.from_environ())
    sha = args.sha or os.environ.get("GITHUB_SHA") or ""
    try:
        api = client(target)
        number = args.pr
        if number is None:
            if not re.match(r"^[0-9a-f]{7,64}$", sha):
                raise ConfigError("no merge commit: pass --sha SHA or set GITHUB_SHA", key="--sha")
            number = merged_pull_request(api, sha)
            if number is None:
                raise DevopsError(f"no pull request merged {sha[:12]}: nothing was reviewed "
                                  "(pushed without a pull request?); refusing to apply")
        digest = find_reviewed(api, number, key)
    except DevopsError:
        raise
    except Exception as exc:  # an API failure stops the apply: never a pass
        status = getattr(exc, "status_code", None) or getattr(exc, "code", None)
        what = f"HTTP {status}" if isinstance(status, int) else type(exc).__name__
        raise DevopsError(f"cannot read the reviewed plan from GitHub: {what} (check the "
                          "token and `permissions: pull-requests: read`)") from None
    if digest is None:
        raise DevopsError(f"pull request #{number} shows no plan digest for {key!r}: "
                          "nothing was reviewed for it; refusing to apply")
    return digest, f"pull request #{number}"


def run(args: argparse.Namespace) -> int:
    from pytest_devops.github.publish import redact_names
    from pytest_devops.plan.cli_diff import load_diff
    from pytest_devops.redact import Redactor

    key, sep, path = args.plan.partition("=")
    if not (sep and key and path):
        raise ConfigError("expected KEY=PLAN", key="KEY=PLAN")
    redactor = Redactor()
    redactor.add_env(redact_names(args, os.environ))
    redactor.add_env([args.token_env])
    diff = load_diff(f"{key}={path}", redactor)
    if args.digest is not None:
        if not _DIGEST.match(args.digest):
            raise ConfigError("expected sha256: and 64 hex digits", key="--digest")
        reviewed, where = args.digest, "--digest"
    else:
        reviewed, where = _from_pull_request(args, key)
    if reviewed == diff.digest:
        print(f"{key}: the plan is the one reviewed on {where}: {reviewed}")
        if args.github_output:
            from pytest_devops.github.outputs import append_text

            dest = os.environ.get("GITHUB_OUTPUT")
            if not dest:
                raise ConfigError("GITHUB_OUTPUT is not set", key="--github-output")
            append_text(dest, f"digest={reviewed}\n", "step outputs")
        return 0
    lines = [f"{key}: plan changed since review; refusing to apply",
             f"  reviewed: {reviewed} ({where})", f"  now:      {diff.digest}"]
    from pytest_devops.plan.diff_text import render_text

    sys.stdout.write(redactor.redact("\n".join(lines) + "\n\n" + render_text([diff])))
    dest = args.summary_file or os.environ.get("GITHUB_STEP_SUMMARY")
    if dest:
        from pytest_devops.github.diff import diff_markdown
        from pytest_devops.github.escape import code_span
        from pytest_devops.github.outputs import append_text

        text = (f"### ⛔ {code_span(key)}: plan changed since review\n\n"
                f"Reviewed {code_span(reviewed)} on {where}; the plan after the merge is "
                f"{code_span(diff.digest)}. Nothing was applied: review the new plan in a "
                "pull request.\n\n" + diff_markdown([diff], 900_000) + "\n")
        append_text(dest, redactor.redact(text), "the job summary")
    return 1
