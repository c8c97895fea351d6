"""The shape of monorepo.yml and drift.yml: per-root locks and artifacts, the reviewed
digest before every apply, issues written only by the drift job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return doc


def steps(job: dict[str, Any]) -> list[str]:
    return [s.get("uses", "").split("@")[0] or s["name"] for s in job["steps"]]


def test_monorepo_locks_and_artifacts_are_per_root_environment_and_workspace() -> None:
    jobs = load("monorepo.yml")["jobs"]
    matrix = "${{ fromJSON(needs.changes.outputs.matrix) }}"
    for name in ("plan", "apply"):
        assert jobs[name]["strategy"] == {"fail-fast": False, "matrix": matrix}
    assert jobs["plan"]["concurrency"] == {
        "group": "pytest-devops-plan-${{ matrix.name }}-${{ inputs.environment }}-"
                 "${{ inputs.workspace }}-${{ github.ref }}",
        "cancel-in-progress": True,
    }
    assert jobs["apply"]["concurrency"] == {
        "group": "pytest-devops-${{ matrix.name }}-${{ inputs.workspace }}-"
                 "${{ inputs.environment }}",
        "cancel-in-progress": False,  # an apply is never cancelled half-way
    }
    plan = {s.get("id"): s for s in jobs["plan"]["steps"]}
    assert plan["plan"]["with"]["artifact-name"] == (
        "terraform-plan-${{ matrix.name }}-${{ inputs.environment }}"
    )
    assert plan["gate"]["with"]["comment-mode"] == "never"  # one aggregated comment only


def test_every_monorepo_apply_follows_the_reviewed_check() -> None:
    job = load("monorepo.yml")["jobs"]["apply"]
    order = steps(job)
    reviewed = order.index("The plan is the one reviewed")
    apply = order.index("pytest-devops/pytest-devops/actions/terraform-apply")
    credentials = order.index("aws-actions/configure-aws-credentials")
    assert reviewed < credentials < apply, "no credentials before the review check passed"
    step = job["steps"][apply]
    assert step["with"]["expected-digest"] == "${{ steps.reviewed.outputs.digest }}"
    assert job["environment"] == "${{ inputs.environment }}"
    assert "pytest-devops \"${args[@]}\"" in job["steps"][reviewed]["run"]


def test_only_the_drift_job_writes_issues() -> None:
    jobs = load("drift.yml")["jobs"]
    writers = {n for n, j in jobs.items() if j["permissions"].get("issues") == "write"}
    assert writers == {"check"}
    assert jobs["check"]["strategy"]["matrix"] == "${{ fromJSON(needs.roots.outputs.matrix) }}"
