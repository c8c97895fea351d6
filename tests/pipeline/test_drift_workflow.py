"""The drift workflow (drift.yml) executed with act: the drift issue of a root is opened,
updated and closed as the real infrastructure (a local Terraform state) moves away from
the configuration and back."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from actrun import Act
from github_fake_api import GitHub
from samples import MAIN_TF, OWNER, REPO, repository, terraform_repo

CALLER = """\
name: drift
on: [schedule, workflow_dispatch]
permissions: {}
jobs:
  drift:
    permissions:
      contents: read
      id-token: write
      issues: write
    uses: pytest-devops/pytest-devops/.github/workflows/drift.yml@v1
    with:
      environments: staging
      terraform-version: ""
      python-version: ${{ vars.PYTHON_VERSION }}
"""
JOB = "Drift infra (staging)"


def backend(state: Path) -> str:
    return f'terraform {{\n  backend "local" {{\n    path = "{state}"\n  }}\n}}\n'


def apply(work: Path, size: int) -> None:
    """What someone did outside the pipeline: the real size is now ``size``."""
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    for args in (["init", "-input=false"], ["apply", "-auto-approve", f"-var=size={size}"]):
        subprocess.run(["terraform", *args], cwd=work, env=env, check=True,
                       capture_output=True, timeout=300)


def test_drift_opens_updates_and_closes_one_issue(
    tmp_path: Path, act: Act, github: GitHub
) -> None:
    state = tmp_path / "state" / "infra.tfstate"
    repo = terraform_repo(tmp_path / "repo", extra={
        "infra/backend.tf": backend(state),
        ".github/workflows/drift.yml": CALLER,
    })
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "main.tf").write_text(MAIN_TF.replace("SIZE", "1"))
    (outside / "backend.tf").write_text(backend(state))
    event = {"repository": repository(), "schedule": "17 4 * * *"}
    issues = github.issues.setdefault((OWNER, REPO), [])

    apply(outside, 3)  # real size 3, configuration 1: drift
    run = act.run(repo, "schedule", event, "drift.yml")
    assert run.result(JOB) == "failure", run.raw[-3000:]  # drift fails the job, visibly
    log = run.log(JOB)
    assert "gates for staging (plan): pass" in log
    assert "infra (staging): drift; issue #101 opened" in log
    (issue,) = issues
    assert (issue["title"], issue["state"]) == ("Drift: infra (staging)", "open")
    assert issue["body"].startswith("<!-- pytest-devops:drift/infra/staging -->\n")
    assert "      input.size: 3 -> 1\n" in issue["body"]
    assert "Plan gates: ✅ **pass**" in issue["body"]

    apply(outside, 2)
    run = act.run(repo, "schedule", event, "drift.yml")
    assert "infra (staging): drift; issue #101 updated" in run.log(JOB), run.raw[-3000:]
    assert len(issues) == 1
    assert "      input.size: 2 -> 1\n" in issues[0]["body"]

    apply(outside, 1)  # back to what the configuration says
    run = act.run(repo, "schedule", event, "drift.yml")
    assert run.result(JOB) == "success", run.raw[-3000:]
    assert "infra (staging): no drift; issue #101 closed" in run.log(JOB)
    assert (issues[0]["state"], issues[0]["state_reason"]) == ("closed", "completed")
    (note,) = github.comments[(OWNER, REPO, 101)]
    assert note["body"].startswith("No drift in `infra` (`staging`) any more")
    assert not [r for r in github.requests if "Tok3n" in str(r.body)]
    shutil.rmtree(outside / ".terraform", ignore_errors=True)
