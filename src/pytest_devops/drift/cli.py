"""``pytest-devops drift [ROOT=]PLAN --env ENV``: open, update or close the drift issue.

The plan is the scheduled ``terraform plan -detailed-exitcode`` of one root (its JSON,
or the diff ``pytest-devops diff --format json`` wrote). Changes are drift: the issue is
opened or updated with the redacted diff and exit 1; none closes the issue and exit 0.
A failed plan (``--exitcode 1``) or an API failure is an error (exit 2) and leaves the
issue as it is: an error never reads as "drift is gone".
"""

from __future__ import annotations

import argparse
import os
import sys

from pytest_devops.errors import ConfigError, DevopsError

__all__ = ["add_arguments", "run"]

#: What the body of the issue may hold: under GitHub's 65,536 characters.
BODY_LIMIT = 60_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("plan", metavar="[ROOT=]PLAN",
                        help="the scheduled plan's JSON, or its diff (--format json)")
    parser.add_argument("--env", metavar="NAME", required=True, help="the environment planned")
    parser.add_argument("--exitcode", metavar="N", type=int,
                        help="terraform plan -detailed-exitcode's status (0 none, 2 changes, "
                             "1 failed)")
    parser.add_argument("--report", metavar="REPORT",
                        help="the plan gates' report (--devops-report), shown in the issue")
    parser.add_argument("--label", default="drift", help="label of drift issues (default drift)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the issue body instead of calling GitHub")
    from pytest_devops.github.api_args import add_api_arguments

    add_api_arguments(parser)


def _gates(path: str, redactor: object) -> str:
    from pytest_devops.github.markdown import ICONS
    from pytest_devops.redact import Redactor
    from pytest_devops.report.model import load_report

    report = load_report(path, redactor if isinstance(redactor, Redactor) else None)
    t = report.totals
    return (f"Plan gates: {ICONS[report.outcome]} **{report.outcome}** ({t['pass']} passed, "
            f"{t['fail']} failed, {t['error']} errors)")


def body_of(diff: object, env: str, gates: str | None, run_url: str | None) -> str:
    from pytest_devops.github.diff import diff_markdown
    from pytest_devops.github.escape import code_span
    from pytest_devops.plan.diff import PlanDiff
    from pytest_devops.plan.diff_text import headline

    assert isinstance(diff, PlanDiff)
    where = f" by [this run]({run_url})" if run_url else ""
    head = [
        f"### Drift in {code_span(diff.root)} ({code_span(env)})", "",
        f"The scheduled plan{where} found that applying the configuration would change "
        f"real infrastructure: {headline(diff)}. Someone changed it outside Terraform, or "
        "the configuration changed without an apply.", "",
        "This issue is updated by every scheduled run and closed by the first run that "
        "finds no drift.",
    ]
    if gates:
        head += ["", gates]
    text = "\n".join(head)
    room = BODY_LIMIT - len(text.encode()) - 200
    return text + "\n\n" + diff_markdown([diff], room, run_url)


def run(args: argparse.Namespace) -> int:
    from pytest_devops.drift.issues import drift_marker, sync_issue
    from pytest_devops.github.api_args import api_target
    from pytest_devops.github.comment import describe_error
    from pytest_devops.github.context import GithubEnv
    from pytest_devops.github.escape import code_span
    from pytest_devops.github.publish import redact_names
    from pytest_devops.plan.cli_diff import load_diff
    from pytest_devops.redact import Redactor

    if args.exitcode not in (None, 0, 2):
        raise DevopsError(f"the plan failed (terraform exit status {args.exitcode}): drift "
                          "is unknown; the drift issue is left as it is")
    redactor = Redactor()
    redactor.add_env(redact_names(args, os.environ))
    redactor.add_env([args.token_env])
    diff = load_diff(args.plan, redactor)
    if not diff.root:
        raise ConfigError("name the root: ROOT=PLAN", key="PLAN")
    drifted = diff.has_changes if args.exitcode is None else args.exitcode == 2
    if args.exitcode is not None and drifted != diff.has_changes:
        raise DevopsError(f"terraform said {'changes' if drifted else 'no changes'} "
                          f"(exit {args.exitcode}) but the plan JSON says otherwise: is it "
                          "the same plan?")
    gh = GithubEnv.from_environ()
    gates = _gates(args.report, redactor) if args.report else None
    mark = drift_marker(diff.root, args.env)
    body = (f"{mark}\n" + redactor.redact(body_of(diff, args.env, gates, gh.run_url))
            if drifted else None)
    title = f"Drift: {diff.root} ({args.env})"
    if args.dry_run:
        sys.stdout.write((body or f"no drift in {diff.root} ({args.env})") + "\n")
        return 1 if drifted else 0
    target = api_target(args, gh)
    if not target.token:
        raise ConfigError(f"no GitHub token in ${args.token_env}", key="--token-env",
                          hint="give the job `permissions: issues: write` and GITHUB_TOKEN")
    where = f" ([run]({gh.run_url}))" if gh.run_url else ""
    note = f"No drift in {code_span(diff.root)} ({code_span(args.env)}) any more{where}."
    try:
        result = sync_issue(target, mark, title, body,
                            label=args.label, closing_note=note)
    except ImportError:
        raise DevopsError("ghapi is not installed: pip install 'pytest-devops[github]'") from None
    except Exception as exc:  # an API failure is this command's error, never a pass
        text = describe_error(exc, target, redactor).replace(
            "the pull-request comment", "the drift issue").replace(f"#{target.number}", "")
        raise DevopsError(text) from None
    what = {"opened": "opened", "updated": "updated", "unchanged": "unchanged",
            "closed": "closed", "none": "none open"}[result.action]
    ref = f" #{result.number}" if result.number else ""
    print(f"{diff.root} ({args.env}): {'drift' if drifted else 'no drift'}; issue{ref} {what}"
          + (f": {result.url}" if result.url else ""))
    return 1 if drifted else 0
