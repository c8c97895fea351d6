"""The pull-request workflow (pr-checks.yml) executed with act."""

from __future__ import annotations

from pathlib import Path

from actrun import Act
from github_fake_api import GitHub
from samples import OWNER, REPO, pull_request_event, terraform_repo

COMMENTS = f"/repos/{OWNER}/{REPO}/issues/7/comments"


def test_a_passing_pull_request(tmp_path: Path, act: Act, github: GitHub) -> None:
    repo = terraform_repo(tmp_path / "repo")
    run = act.run(repo, "pull_request", pull_request_event(7, "f" * 40), "pr.yml")
    assert run.outcomes() == {"Plan-stage gates": "success"}, run.raw[-3000:]
    log = run.log("Plan-stage gates")
    assert "gates for staging (plan): pass" in log
    assert "Assuming role with OIDC" in log
    lines = github.lines()
    assert lines.count("GET /_oidc/token?api-version=2.0&audience=sts.amazonaws.com") == 1
    assert f"POST {COMMENTS}" in lines, lines
    (comment,) = github.comments[(OWNER, REPO, 7)]
    assert comment["user"]["login"] == "github-actions[bot]"
    assert "staging" in comment["body"]
    assert "pass" in comment["body"]
