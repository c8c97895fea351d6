"""The monorepo workflow (monorepo.yml) executed with act: only the roots a change
affects are planned, one aggregated comment shows them, and after the merge a plan that
is not the one the pull request showed is refused with its diff."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from actrun import Act
from github_fake_api import GitHub
from samples import OWNER, REPO, commit, git, repository

DOCS = Path(__file__).resolve().parents[2] / "docs" / "actions.md"


def documented_caller() -> str:
    """The monorepo caller docs/actions.md shows, run as documented except: Terraform and
    Python from this machine, no AWS role (the roots use built-ins only)."""
    blocks = re.findall(r"(?ms)^```yaml\n(.*?)^```", DOCS.read_text())
    (shown,) = [b for b in blocks if "workflows/monorepo.yml@v1" in b]
    doc = yaml.safe_load(shown)
    job = doc["jobs"]["infra"]
    job["with"].update({"terraform-version": "", "python-version": "${{ vars.PYTHON_VERSION }}"})
    del job["secrets"]
    doc["on"] = doc.pop(True)  # YAML 1.1 reads the key `on` as true
    return yaml.safe_dump(doc, sort_keys=False)


CALLER = documented_caller()
ROOT_TF = """\
module "shared" {
  source = "../../modules/shared"
}

resource "terraform_data" "this" {
  input = { greeting = module.shared.greeting, size = SIZE }
}
"""
SHARED_TF = 'output "greeting" {\n  value = "GREETING"\n}\n'
DEVOPS = """\
version: 1
roots:
  - stacks/*
environments:
  staging:
    terraform:
      plan_file: ${PYTEST_DEVOPS_PLAN:-plan.json}
"""
GATES = """\
import pytest


@pytest.mark.devops_plan
def test_small(devops_plan):
    sizes = [rc.value("input", {}).get("size") for rc in devops_plan.changes(type="terraform_data")]
    assert all(s <= 3 for s in sizes), f"sizes {sizes} exceed 3"
"""
COMMENTS = (OWNER, REPO, 7)


def outcomes(run: Any) -> dict[str, str]:
    """Job results by name: act pads the names of jobs that run side by side and numbers
    the jobs of a matrix with several rows (``Plan stacks-app-1``)."""
    return {re.sub(r"-\d+$", "", name.strip()): result for name, result in run.outcomes().items()}


def monorepo(path: Path) -> tuple[Path, str]:
    """``stacks/app`` and ``stacks/net`` call ``modules/shared``; returns (repo, main sha)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "remote", "add", "origin", f"https://github.com/{OWNER}/{REPO}")
    sha = commit(path, {
        "stacks/app/main.tf": ROOT_TF.replace("SIZE", "1"),
        "stacks/net/main.tf": ROOT_TF.replace("SIZE", "1"),
        "modules/shared/main.tf": SHARED_TF.replace("GREETING", "hello"),
        "devops.yaml": DEVOPS,
        "tests/test_gates.py": GATES,
        ".github/workflows/infra.yml": CALLER,
    }, "initial")
    git(path, "checkout", "-qb", "feature")
    return path, sha


def pr_event(number: int, base: str, head: str) -> dict[str, object]:
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {"number": number, "head": {"ref": "feature", "sha": head},
                         "base": {"ref": "main", "sha": base}},
        "repository": repository(),
    }


def test_only_affected_roots_run_and_one_comment_shows_them(
    tmp_path: Path, act: Act, github: GitHub
) -> None:
    repo, base = monorepo(tmp_path / "repo")
    head = commit(repo, {"stacks/app/main.tf": ROOT_TF.replace("SIZE", "2")})
    run = act.run(repo, "pull_request", pr_event(7, base, head), "infra.yml")
    assert outcomes(run) == {
        "Changed roots": "success", "Plan stacks-app": "success", "Plan summary": "success",
    }, run.raw[-3000:]
    (comment,) = github.comments[COMMENTS]
    body = comment["body"]
    assert body.startswith("<!-- pytest-devops:monorepo/staging -->\n### ✅ pytest-devops: "
                           "1 root planned — gates **pass**")
    assert "<b>stacks-app/staging</b>: 1 to create (gates: pass)" in body
    assert '      input.greeting: null -> "hello"\n      input.size: null -> 2\n' in body
    assert "stacks-net" not in body
    assert "<!-- pytest-devops:reviewed stacks-app/staging sha256:" in body

    head = commit(repo, {"modules/shared/main.tf": SHARED_TF.replace("GREETING", "hi")})
    run = act.run(repo, "pull_request", pr_event(7, base, head), "infra.yml")
    assert outcomes(run) == {
        "Changed roots": "success", "Plan stacks-app": "success", "Plan stacks-net": "success",
        "Plan summary": "success",
    }, run.raw[-3000:]
    (comment,) = github.comments[COMMENTS]  # the same comment, edited in place
    assert "<b>stacks-app/staging</b>: 1 to create (gates: pass)" in comment["body"]
    assert "<b>stacks-net/staging</b>: 1 to create (gates: pass)" in comment["body"]
    assert "### ✅ pytest-devops: 2 roots planned" in comment["body"]


def test_a_plan_changed_since_review_is_refused_with_its_diff(
    tmp_path: Path, act: Act, github: GitHub
) -> None:
    repo, base = monorepo(tmp_path / "repo")
    head = commit(repo, {"stacks/app/main.tf": ROOT_TF.replace("SIZE", "2")})
    run = act.run(repo, "pull_request", pr_event(7, base, head), "infra.yml")
    assert outcomes(run)["Plan summary"] == "success", run.raw[-3000:]
    # before the merge, another change lands on main: the shared module now says "hi"
    git(repo, "checkout", "-q", "main")
    before = commit(repo, {"modules/shared/main.tf": SHARED_TF.replace("GREETING", "hi")})
    git(repo, "-c", "user.email=ci@example.com", "-c", "user.name=ci",
        "merge", "-q", "--no-ff", "-m", "Merge pull request #7", "feature")
    merge = git(repo, "rev-parse", "HEAD")
    github.commit_pulls[merge] = [{"number": 7, "merge_commit_sha": merge,
                                   "head": {"sha": head}}]
    push = {"ref": "refs/heads/main", "before": before, "after": merge,
            "repository": repository()}
    run = act.run(repo, "push", push, "infra.yml")
    assert outcomes(run) == {
        "Changed roots": "success", "Plan stacks-app": "success",
        "Apply stacks-app": "failure", "Plan summary": "success",
    }, run.raw[-3000:]
    log = run.log("Apply stacks-app")
    assert "stacks-app/staging: plan changed since review; refusing to apply" in log
    assert "(pull request #7)" in log
    assert '      input.greeting: null -> "hi"' in log
    assert "Apply the reviewed plan" not in log.split("plan changed since review")[1]


def test_apply_label_applies_the_reviewed_plan_before_the_merge(
    tmp_path: Path, act: Act, github: GitHub
) -> None:
    repo, base = monorepo(tmp_path / "repo")
    head = commit(repo, {"stacks/net/main.tf": ROOT_TF.replace("SIZE", "3")})
    run = act.run(repo, "pull_request", pr_event(7, base, head), "infra.yml")
    assert outcomes(run)["Plan summary"] == "success", run.raw[-3000:]
    labeled = {**pr_event(7, base, head), "action": "labeled", "label": {"name": "apply"}}
    run = act.run(repo, "pull_request", labeled, "infra.yml")
    assert outcomes(run) == {
        "Changed roots": "success", "Plan stacks-net": "success",
        "Apply stacks-net": "success", "Plan summary": "success",
    }, run.raw[-3000:]
    log = run.log("Apply stacks-net")
    assert "stacks-net/staging: the plan is the one reviewed on pull request #7: sha256:" in log
    # the terraform-apply action applies through `pytest-devops terraform apply`
    assert re.search(r"applied sha256:[0-9a-f]{64} to environment staging", log), log
