"""One open issue per drifted root/environment, through ghapi (as the PR comment is).

The issue is found by a hidden marker (``<!-- pytest-devops:drift:app/staging -->``) at
the start of its body, among the open issues with the drift label written by the token's
own identity (a person who pastes the marker is never edited). Drift opens it or edits it
in place; no drift closes it with a comment saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pytest_devops.github.comment import (
    PER_PAGE,
    CommentTarget,
    client,
    field,
    marker,
    pages,
    token_login,
)

__all__ = ["IssueResult", "drift_marker", "find_issue", "sync_issue"]


def drift_marker(root: str, env: str) -> str:
    return marker(f"drift/{root}/{env}")


@dataclass(frozen=True)
class IssueResult:
    """``opened``, ``updated``, ``unchanged``, ``closed`` or ``none`` (no drift, no issue)."""

    action: str
    number: int | None = None
    url: str | None = None


def _open_issues(api: Any, label: str) -> Iterator[Any]:
    return pages(api, lambda page: api.issues.list_for_repo(
        state="open", labels=label, per_page=PER_PAGE, page=page
    ))


def find_issue(api: Any, mark: str, label: str) -> Any | None:
    """The open issue (not a pull request) written by us whose body starts with ``mark``."""
    login: str | None = None
    asked = False
    for issue in _open_issues(api, label):
        body = field(issue, "body") or ""
        if field(issue, "pull_request") or not (isinstance(body, str) and body.startswith(mark)):
            continue
        if not asked:
            login, asked = token_login(api), True
        user = field(issue, "user") or {}
        if (field(user, "login") == login) if login else (field(user, "type") == "Bot"):
            return issue
    return None


def sync_issue(
    target: CommentTarget, mark: str, title: str, body: str | None, *, label: str,
    closing_note: str,
) -> IssueResult:
    """Open or update the issue with ``body`` (drift), or close it (``body`` is None).

    Raises whatever the API client raises: the caller reports it as an error.
    """
    api = client(target)
    existing = find_issue(api, mark, label)
    if body is None:
        if existing is None:
            return IssueResult("none")
        number = int(field(existing, "number"))
        api.issues.create_comment(issue_number=number, body=closing_note)
        closed = api.issues.update(issue_number=number, state="closed",
                                   state_reason="completed")
        return IssueResult("closed", number, field(closed, "html_url"))
    text = body if body.startswith(mark) else f"{mark}\n{body}"
    if existing is not None:
        number = int(field(existing, "number"))
        if field(existing, "body") == text and field(existing, "title") == title:
            return IssueResult("unchanged", number, field(existing, "html_url"))
        updated = api.issues.update(issue_number=number, title=title, body=text)
        return IssueResult("updated", number, field(updated, "html_url"))
    created = api.issues.create(title=title, body=text, labels=[label])
    return IssueResult("opened", int(field(created, "number")), field(created, "html_url"))
