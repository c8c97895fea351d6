"""Plan diffs of many roots published as one job summary and one sticky PR comment (what
the monorepo workflow's last job does with the diffs its matrix jobs uploaded)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from pytest_devops.github.console import Console
from pytest_devops.github.context import GithubEnv, split_repo
from pytest_devops.plan.diff import PlanDiff
from pytest_devops.redact import Redactor

__all__ = ["publish_diffs"]

COMMENT_ROOM = 65_000
TOKEN_ENV = "GITHUB_TOKEN"  # noqa: S105 - the name of the variable, not a token


def _head(diffs: Sequence[PlanDiff]) -> str:
    outcomes = [d.outcome for d in diffs]
    worst = "error" if "error" in outcomes else "fail" if "fail" in outcomes else (
        "pass" if outcomes and None not in outcomes else None)
    icon = {"pass": "✅", "fail": "❌", "error": "⛔"}.get(worst or "", "")
    n = len(diffs)
    what = f"{n} root{'s' if n != 1 else ''}"
    tail = f" — gates **{worst}**" if worst else ""
    return f"### {icon} pytest-devops: {what} planned{tail}".replace("###  ", "### ")


def publish_diffs(
    diffs: Sequence[PlanDiff], *, summary: bool, comment: str | None, redactor: Redactor
) -> None:
    """Append the whole diff to the job summary; post the fitted one as the sticky comment
    keyed ``comment``. A comment that cannot be posted is a warning (as for reports)."""
    from pytest_devops.github.comment import (
        DEFAULT_API_URL,
        CommentTarget,
        marker,
        upsert_comment,
    )
    from pytest_devops.github.diff import diff_markdown
    from pytest_devops.github.markdown import SUMMARY_LIMIT
    from pytest_devops.github.outputs import append_text

    gh = GithubEnv.from_environ()
    console = Console(redactor, gh)
    head = _head(diffs)
    if summary:
        if not gh.step_summary:
            console.note("job summary skipped: GITHUB_STEP_SUMMARY is not set")
        else:
            text = f"{head}\n\n{diff_markdown(diffs, SUMMARY_LIMIT - 1000)}\n"
            append_text(gh.step_summary, redactor.redact(text), "the job summary")
            console.note(f"job summary written to {gh.step_summary}")
    if comment is None:
        return
    number, parts = gh.pull_request(), split_repo(gh.repository or "")
    if number is None or parts is None:
        console.note("pull-request comment skipped: no pull request or repository")
        return
    mark = marker(comment)
    body = f"{mark}\n{head}\n\n{diff_markdown(diffs, COMMENT_ROOM - 400, gh.run_url)}"
    if gh.run_url:
        body += f"\n\n<sub>[Workflow run]({gh.run_url})</sub>"
    target = CommentTarget(parts[0], parts[1], number, gh.api_url or DEFAULT_API_URL,
                           os.environ.get(TOKEN_ENV) or None)
    result = upsert_comment(target, mark, body, redactor=redactor)
    if result.warning:
        console.warn(result.warning, title="pytest-devops comment")
    else:
        console.note(f"pull-request comment {result.action}: {result.url or result.comment_id}")
