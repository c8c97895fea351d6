"""The digest a pull request's comment showed for a root: read back from the hidden line
``<!-- pytest-devops:reviewed KEY sha256:... -->`` the comment renderers write, in
comments written by our own identity only."""

from __future__ import annotations

import re
from typing import Any

from pytest_devops.github.comment import field, issue_comments, token_login

__all__ = ["digest_line", "find_reviewed", "merged_pull_request"]

_KEY = re.compile(r"[^A-Za-z0-9_./-]")
_LINE = re.compile(r"<!-- pytest-devops:reviewed (\S+) (sha256:[0-9a-f]{64}) -->")


def _safe(key: str) -> str:
    return _KEY.sub("_", key)[:100] or "default"


def digest_line(key: str, digest: str) -> str:
    """The hidden line naming the digest shown for ``key`` (a root, an environment)."""
    return f"<!-- pytest-devops:reviewed {_safe(key)} {digest} -->"


def merged_pull_request(api: Any, sha: str) -> int | None:
    """The pull request whose merge made ``sha`` (or that has it as its head)."""
    pulls = api.repos.list_pull_requests_associated_with_commit(commit_sha=sha) or []
    for pr in pulls:
        if field(pr, "merge_commit_sha") == sha:
            return int(field(pr, "number"))
    for pr in pulls:
        if field(field(pr, "head") or {}, "sha") == sha:
            return int(field(pr, "number"))
    return int(field(pulls[0], "number")) if pulls else None


def find_reviewed(api: Any, number: int, key: str) -> str | None:
    """The last digest our comments on pull request ``number`` showed for ``key``."""
    wanted = _safe(key)
    login: str | None = None
    asked = False
    found: str | None = None
    for comment in issue_comments(api, number):
        body = field(comment, "body") or ""
        if not isinstance(body, str) or "pytest-devops:reviewed" not in body:
            continue
        if not asked:
            login, asked = token_login(api), True
        user = field(comment, "user") or {}
        if not ((field(user, "login") == login) if login else (field(user, "type") == "Bot")):
            continue
        for name, digest in _LINE.findall(body):
            if name == wanted:
                found = digest
    return found
