"""The Terraform pipeline (terraform.yml) executed with act on a push to the default branch:
plan -> apply staging -> verify -> plan production -> gates -> promote -> apply production
-> verify; and the ways it must stop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from actrun import Act, ActRun
from github_fake_api import GitHub, zip_members, zip_of
from samples import MAIN_TF, OWNER, REPO, commit, git, push_event, terraform_repo

ENVIRONMENTS = f"/repos/{OWNER}/{REPO}/environments"
JOBS = [
    "Plan and gate (staging)",
    "Apply (staging)",
    "Post-deploy gates (staging)",
    "Plan and gate (production)",
    "Promote (production)",
]


def push(act: Act, repo: Path) -> ActRun:
    return act.run(repo, "push", push_event(git(repo, "rev-parse", "HEAD")), "pipeline.yml")


def deployed(tmp_path: Path) -> dict[str, dict[str, object]]:
    return {
        p.stem: json.loads(p.read_text()) for p in sorted((tmp_path / "deployed").glob("*.json"))
    }


def test_a_push_goes_through_staging_to_production(
    tmp_path: Path, act: Act, github: GitHub
) -> None:
    github.protect(OWNER, REPO, "production")
    repo = terraform_repo(tmp_path / "repo")
    run = push(act, repo)
    assert run.outcomes() == dict.fromkeys(JOBS, "success"), run.raw[-4000:]
    assert deployed(tmp_path) == {
        "staging": {"owner": "platform", "size": 1, "environment": "staging"},
        "production": {"owner": "platform", "size": 1, "environment": "production"},
    }
    # promote-stage gates: on staging before the production apply, on production after
    assert (tmp_path / "deployed" / "promote-gates.log").read_text() == "staging\nproduction\n"
    lines = github.lines()
    assert lines.count(f"GET {ENVIRONMENTS}/production") == 1
    downloads = [line for line in lines if "/artifacts" in line]
    run_artifacts = f"GET /repos/{OWNER}/{REPO}/actions/runs/1/artifacts?name="
    zips = f"GET /repos/{OWNER}/{REPO}/actions/artifacts"
    assert downloads == [
        f"{run_artifacts}terraform-plan-staging-plan",
        f"{zips}/1001/zip",
        f"{run_artifacts}pytest-devops-verified-staging",
        f"{zips}/1002/zip",
        f"{run_artifacts}terraform-plan-production-plan-production",
        f"{zips}/1003/zip",
    ], lines


def other_plan(tmp_path: Path) -> bytes:
    """A valid binary plan of the same root with other values (size 3): what someone who
    can write to the artifact store would swap in."""
    evil = tmp_path / "evil"
    terraform_repo(evil)
    commit(evil, {"infra/main.tf": MAIN_TF.replace("SIZE", "3")}, "bigger")
    env = {**os.environ, "TF_STATE_DIR": str(tmp_path / "evil-state")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest_devops",
            "terraform",
            "plan",
            "--env",
            "staging",
            "--dir",
            str(tmp_path / "evil-plans"),
        ],
        cwd=evil,
        env=env,
        check=True,
        capture_output=True,
    )
    return (tmp_path / "evil-plans" / "staging" / "tfplan").read_bytes()


def test_a_tampered_plan_artifact_is_refused_at_apply(
    tmp_path: Path, act: Act, github: GitHub
) -> None:
    github.protect(OWNER, REPO, "production")
    swapped = other_plan(tmp_path)

    def tamper(name: str, data: bytes) -> bytes:
        if name != "terraform-plan-staging-plan":
            return data
        return zip_of({**zip_members(data), "tfplan": swapped})

    github.tamper = tamper
    run = push(act, terraform_repo(tmp_path / "repo"))
    assert run.outcomes() == {JOBS[0]: "success", JOBS[1]: "failure"}, run.raw[-4000:]
    assert "refusing to apply" in run.log(JOBS[1])
    assert "changed plan" in run.log(JOBS[1])
    assert deployed(tmp_path) == {}
    assert f"GET {ENVIRONMENTS}/production" not in github.lines()


def test_failing_verification_stops_the_promotion(tmp_path: Path, act: Act, github: GitHub) -> None:
    github.protect(OWNER, REPO, "production")
    repo = terraform_repo(tmp_path / "repo", size=2, max_deployed=1)
    run = push(act, repo)
    assert run.outcomes() == {JOBS[0]: "success", JOBS[1]: "success", JOBS[2]: "failure"}, run.raw[
        -4000:
    ]
    assert "size 2 deployed" in run.log(JOBS[2])
    assert list(deployed(tmp_path)) == ["staging"]
    assert f"GET {ENVIRONMENTS}/production" not in github.lines()


def test_an_unprotected_production_is_refused(tmp_path: Path, act: Act, github: GitHub) -> None:
    github.protect(OWNER, REPO, "production", reviewers=False)
    run = push(act, terraform_repo(tmp_path / "repo"))
    assert run.outcomes() == {
        **dict.fromkeys(JOBS[:4], "success"),
        "Promote (production)": "failure",
    }, run.raw[-4000:]
    assert "environment-not-protected" in run.log("Promote (production)")
    assert list(deployed(tmp_path)) == ["staging"]
    assert github.lines().count(f"GET {ENVIRONMENTS}/production") == 1
