"""The security shape of the reusable workflows, checked on their structure: least
privilege, OIDC only where AWS is reached, serialized deploys, the approval before the
production apply, and the reviewed digest wired into every apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
REUSABLE = ["terraform.yml", "cloudformation.yml", "pr-checks.yml", "drift.yml", "monorepo.yml"]


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return doc


def uses(job: dict[str, Any]) -> list[str]:
    return [s["uses"].split("@")[0] for s in job.get("steps", []) if "uses" in s]


@pytest.mark.parametrize("name", [*REUSABLE, "ci.yml"])
def test_least_privilege(name: str) -> None:
    doc = load(name)
    assert doc["permissions"] == {}
    for job_name, job in doc["jobs"].items():
        perms = job["permissions"]
        assert set(perms.values()) <= {"read", "write"}, job_name
        aws = "aws-actions/configure-aws-credentials" in uses(job)
        assert (perms.get("id-token") == "write") == aws, f"{name}:{job_name} id-token"
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, job_name
            assert "aws-access-key-id" not in step.get("with", {}), "no long-lived keys"


@pytest.mark.parametrize("name", [*REUSABLE, "ci.yml"])
def test_every_job_has_a_time_limit(name: str) -> None:
    """A hung scanner, probe or lock wait must not hold a runner for GitHub's 6 hours;
    the jobs that deploy (in a GitHub environment) get the time a slow apply needs."""
    jobs = load(name)["jobs"]
    limits = {n: j.get("timeout-minutes") for n, j in jobs.items()}
    assert limits == {n: 180 if "environment" in j else 30 for n, j in jobs.items()}


@pytest.mark.parametrize("name", REUSABLE)
def test_reusable_workflows_are_called_with_typed_inputs(name: str) -> None:
    call = load(name)[True]["workflow_call"]  # YAML reads the `on` key as True
    for key, spec in call["inputs"].items():
        assert spec["type"] in ("string", "boolean", "number"), key
        assert spec.get("description"), key
    for key, spec in call.get("secrets", {}).items():
        assert spec.get("description"), key


@pytest.mark.parametrize("name", ["terraform.yml", "cloudformation.yml"])
def test_deploys_are_serialized_per_environment_and_never_cancelled(name: str) -> None:
    jobs = load(name)["jobs"]
    deploying = {n: j for n, j in jobs.items() if "environment" in j}
    assert deploying, "deploy jobs run in GitHub environments"
    for job_name, job in deploying.items():
        assert job["concurrency"]["cancel-in-progress"] is False, job_name
        assert job["concurrency"]["group"].endswith(job["environment"]), job_name


@pytest.mark.parametrize("name", ["terraform.yml", "cloudformation.yml"])
def test_production_is_promoted_only_after_the_check(name: str) -> None:
    job = load(name)["jobs"]["promote-production"]
    assert job["environment"] == "${{ inputs.production-environment }}"
    steps = [s.get("uses", "run").split("@")[0] for s in job["steps"]]
    promote = steps.index("pytest-devops/pytest-devops/actions/promote")
    aws = steps.index("aws-actions/configure-aws-credentials")
    assert promote < aws, "no production credentials before the promotion check passed"


def test_every_terraform_apply_gets_the_gated_digest() -> None:
    jobs = load("terraform.yml")["jobs"]
    applies = {
        n: s
        for n, j in jobs.items()
        for s in j["steps"]
        if s.get("uses", "").startswith("pytest-devops/pytest-devops/actions/terraform-apply@")
    }
    assert applies == {
        "apply-staging": applies["apply-staging"],
        "promote-production": applies["promote-production"],
    }
    assert applies["apply-staging"]["with"]["expected-digest"] == "${{ needs.plan.outputs.digest }}"
    assert (
        applies["promote-production"]["with"]["expected-digest"]
        == "${{ needs.plan-production.outputs.digest }}"
    )
    assert jobs["plan"]["outputs"]["digest"] == "${{ steps.plan.outputs.digest }}"
    verify = jobs["verify-staging"]["steps"]
    gate = next(s for s in verify if s.get("id") == "gate")
    assert gate["with"]["record"] == "true"
    upload = next(s for s in verify if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "pytest-devops-verified-${{ inputs.staging-environment }}"
