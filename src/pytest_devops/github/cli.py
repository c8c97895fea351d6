"""``pytest-devops github ACTION REPORT``: publish a gate report to GitHub.

Actions: ``publish`` (every part whose destination is known), ``summary``, ``annotate``,
``comment``, ``outputs``. An action that published exits 0 whatever the gates said;
``--fail-on-outcome`` makes the exit code the gate outcome (0 pass, 1 fail, 2 error).
A GitHub API failure is a warning and never changes the exit code.
"""

from __future__ import annotations

import argparse

ACTIONS = ("publish", "summary", "annotate", "comment", "outputs")
COMMENT_MODES = ("always", "on-failure", "update", "never")


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """The report to read and the variables whose values to mask (shared with ``report``)."""
    parser.add_argument("report", metavar="REPORT", help="JSON gate report (--devops-report)")
    parser.add_argument(
        "--redact-env",
        metavar="NAME",
        action="append",
        default=[],
        help="mask the value of this environment variable (repeatable; "
        "also PYTEST_DEVOPS_REDACT_ENV=NAME,NAME)",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    add_report_arguments(parser)
    parser.add_argument(
        "--fail-on-outcome",
        action="store_true",
        help="after publishing, exit with the gate outcome: 0 pass, 1 fail, 2 error",
    )


def _summary(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--summary-file",
        metavar="PATH",
        help="append the markdown here (default $GITHUB_STEP_SUMMARY; '-' for stdout)",
    )


def _annotate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-annotations",
        metavar="N",
        type=int,
        help="print at most N annotations (default github.max_annotations, else 50)",
    )
    parser.add_argument(
        "--root",
        metavar="DIR",
        help="make absolute file paths relative to DIR (default $GITHUB_WORKSPACE, else .)",
    )


def _comment(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", metavar="OWNER/NAME", help="default $GITHUB_REPOSITORY")
    parser.add_argument(
        "--pr", metavar="N", type=int, help="pull request (default: from $GITHUB_EVENT_PATH)"
    )
    parser.add_argument(
        "--api-url", metavar="URL", help="REST API base (default $GITHUB_API_URL, else github.com)"
    )
    parser.add_argument(
        "--token-env",
        metavar="NAME",
        default="GITHUB_TOKEN",
        help="environment variable holding the token (default GITHUB_TOKEN)",
    )
    parser.add_argument(
        "--comment-mode",
        choices=COMMENT_MODES,
        help="always | on-failure | update | never (default github.comment, else always)",
    )
    parser.add_argument(
        "--marker", metavar="KEY", help="sticky comment key (default ENV or ENV/STAGE)"
    )


def _outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-file", metavar="PATH", help="step outputs file (default $GITHUB_OUTPUT)"
    )


_PARTS = {
    "summary": ([_summary], "append the job summary (markdown) to $GITHUB_STEP_SUMMARY"),
    "annotate": ([_annotate], "print ::error/::warning annotations for findings"),
    "comment": ([_comment], "create or update the sticky pull-request comment"),
    "outputs": ([_outputs], "write step outputs to $GITHUB_OUTPUT"),
    "publish": (
        [_summary, _annotate, _comment, _outputs],
        "summary, annotations, outputs and comment: each whose destination is known",
    ),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name in ACTIONS:
        adders, help_text = _PARTS[name]
        action = sub.add_parser(name, help=help_text, description=help_text)
        _common(action)
        for add in adders:
            add(action)


def run(args: argparse.Namespace) -> int:
    from pytest_devops.github.publish import publish

    return publish(args)
