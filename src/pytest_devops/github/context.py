"""What the GitHub Actions runner tells a step through environment variables."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_URL = re.compile(r"^https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9._~/-]*)?$")


@dataclass(frozen=True)
class GithubEnv:
    actions: bool = False
    step_summary: str | None = None
    output: str | None = None
    repository: str | None = None
    api_url: str | None = None
    event_path: str | None = None
    run_url: str | None = None
    workspace: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> GithubEnv:
        env = os.environ if environ is None else environ
        repo = env.get("GITHUB_REPOSITORY") or None
        server = env.get("GITHUB_SERVER_URL") or ""
        run_id = env.get("GITHUB_RUN_ID") or ""
        run_url = None
        if repo and _REPO.match(repo) and _URL.match(server) and run_id.isdigit():
            run_url = f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}"
        return cls(
            actions=env.get("GITHUB_ACTIONS") == "true",
            step_summary=env.get("GITHUB_STEP_SUMMARY") or None,
            output=env.get("GITHUB_OUTPUT") or None,
            repository=repo,
            api_url=env.get("GITHUB_API_URL") or None,
            event_path=env.get("GITHUB_EVENT_PATH") or None,
            run_url=run_url,
            workspace=env.get("GITHUB_WORKSPACE") or None,
        )

    def pull_request(self) -> int | None:
        """The pull request number of the triggering event, when it has one."""
        if not self.event_path:
            return None
        try:
            with open(self.event_path, encoding="utf-8") as fh:
                event = json.load(fh)
        except (OSError, ValueError):
            return None
        return pull_request_number(event)


def pull_request_number(event: object) -> int | None:
    """``pull_request``/``pull_request_target`` events, and comments on a pull request."""
    if not isinstance(event, dict):
        return None
    pr = event.get("pull_request")
    if isinstance(pr, dict) and _is_number(pr.get("number")):
        return int(pr["number"])
    issue = event.get("issue")
    if isinstance(issue, dict) and "pull_request" in issue and _is_number(issue.get("number")):
        return int(issue["number"])
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def split_repo(value: str) -> tuple[str, str] | None:
    if not _REPO.match(value):
        return None
    owner, _, name = value.partition("/")
    return owner, name
