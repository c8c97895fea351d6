"""The pull-request workflow (pr-checks.yml) executed with act: the gates' outcome decides
the job, the sticky comment is created once and edited in place, SARIF is uploaded, and a
refused upload is a warning."""

from __future__ import annotations

from pathlib import Path

from actrun import Act, ActRun
from github_fake_api import CODE_SCANNING_FORBIDDEN, GitHub
from samples import DEVOPS_YAML, MAIN_TF, OWNER, REPO, commit, pull_request_event, terraform_repo

JOB = "Plan-stage gates"
COMMENTS = f"/repos/{OWNER}/{REPO}/issues/7/comments"
OIDC = "GET /_oidc/token?api-version=2.0&audience=sts.amazonaws.com"
SCANNED = DEVOPS_YAML.replace(
    "    rules:\n",
    "    security:\n      paths: [.github/workflows]\n      frameworks: [github_actions]\n"
    "    rules:\n",
)


def pr(act: Act, repo: Path, sha: str) -> ActRun:
    return act.run(repo, "pull_request", pull_request_event(7, sha), "pr.yml")


def api(github: GitHub) -> list[str]:
    """The requests, without the artifact upload the plan makes (act's own server)."""
    return [line for line in github.lines() if not line.startswith("GET /_blobs/")]


def test_a_passing_pull_request(tmp_path: Path, act: Act, github: GitHub) -> None:
    repo = terraform_repo(tmp_path / "repo")
    run = pr(act, repo, "f" * 40)
    assert run.outcomes() == {JOB: "success"}, run.raw[-3000:]
    log = run.log(JOB)
    assert "gates for staging (plan): pass" in log
    assert "Assuming role with OIDC" in log
    assert api(github) == [OIDC, f"GET {COMMENTS}?page=1&per_page=100", f"POST {COMMENTS}"]
    (comment,) = github.comments[(OWNER, REPO, 7)]
    assert comment["user"]["login"] == "github-actions[bot]"
    assert "`staging`" in comment["body"]
    assert "**pass**" in comment["body"]


def test_a_failing_pull_request_then_fixed_edits_one_comment(
    tmp_path: Path, act: Act, github: GitHub
) -> None:
    repo = terraform_repo(tmp_path / "repo", size=5)
    failed = pr(act, repo, "e" * 40)
    assert failed.outcomes() == {JOB: "failure"}, failed.raw[-3000:]
    assert "gates for staging (plan): fail" in failed.log(JOB)
    assert "sizes [5] exceed 3" in failed.log(JOB)
    (first,) = github.comments[(OWNER, REPO, 7)]
    assert "**fail**" in first["body"]
    assert [r for r in api(github) if r.startswith(("POST", "PATCH"))] == [f"POST {COMMENTS}"]

    commit(repo, {"infra/main.tf": MAIN_TF.replace("SIZE", "2")}, "smaller")
    fixed = pr(act, repo, "d" * 40)
    assert fixed.outcomes() == {JOB: "success"}, fixed.raw[-3000:]
    (comment,) = github.comments[(OWNER, REPO, 7)]
    assert comment["id"] == first["id"]
    assert "**pass**" in comment["body"]
    assert [r for r in api(github) if r.startswith(("POST", "PATCH"))] == [
        f"POST {COMMENTS}",
        f"PATCH /repos/{OWNER}/{REPO}/issues/comments/{first['id']}",
    ]


def test_sarif_is_uploaded_to_code_scanning(
    tmp_path: Path, act: Act, github: GitHub, checkov: str
) -> None:
    act.env["PYTEST_DEVOPS_CHECKOV"] = checkov
    repo = terraform_repo(tmp_path / "repo", extra={"devops.yaml": SCANNED})
    run = pr(act, repo, "c" * 40)
    assert run.outcomes() == {JOB: "success"}, run.raw[-3000:]
    uploads = [r for r in api(github) if "/code-scanning/" in r]
    assert uploads == [
        f"PUT /repos/{OWNER}/{REPO}/code-scanning/analysis/status",
        f"PUT /repos/{OWNER}/{REPO}/code-scanning/analysis",
        f"GET /repos/{OWNER}/{REPO}/code-scanning/sarifs/sarif-1",
        f"PUT /repos/{OWNER}/{REPO}/code-scanning/analysis/status",
    ], api(github)
    (sarif,) = github.sarifs
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "checkov"
    assert "code scanning refused" not in run.log(JOB)


def test_a_refused_sarif_upload_is_a_warning_not_the_outcome(
    tmp_path: Path, act: Act, github: GitHub, checkov: str
) -> None:
    act.env["PYTEST_DEVOPS_CHECKOV"] = checkov
    github.fail.update(CODE_SCANNING_FORBIDDEN)
    repo = terraform_repo(tmp_path / "repo", extra={"devops.yaml": SCANNED})
    run = pr(act, repo, "b" * 40)
    assert run.outcomes() == {JOB: "success"}, run.raw[-3000:]
    refused = [r for r in api(github) if r.startswith("PUT") and "/code-scanning/" in r]
    assert refused, api(github)
    assert github.sarifs == []
    assert "code scanning refused the SARIF upload" in run.log(JOB)
    assert "gates for staging (plan): pass" in run.log(JOB)
    (comment,) = github.comments[(OWNER, REPO, 7)]
    assert "**pass**" in comment["body"]
