"""terraform-plan then terraform-apply, run as the runner runs them, with the real
Terraform and `pytest-devops terraform plan|apply`: the plan is made as devops.yaml says,
uploaded with its record, and apply takes exactly the reviewed plan or refuses with the
reason. (The act tier, tests/pipeline, runs them inside the reusable workflows.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ghrunner import HOSTILE, ActionRun, ArtifactStore, Runner, no_pwned

SHA = "0123456789abcdef0123456789abcdef01234567"
MAIN_TF = """\
terraform {
  backend "local" {}
}
variable "name" {
  type = string
}
resource "terraform_data" "app" {
  input = { name = var.name }
}
"""
DEVOPS_YAML = """\
version: 1
environments:
  staging:
    terraform:
      working_dir: infra
      workspace: staging
      backend_config: ["path=${STATE}/terraform.tfstate", "workspace_dir=${STATE}"]
      var_files: [infra/staging.tfvars]
  production:
    extends: staging
    protected: true
    terraform:
      workspace: production
      var_files: [infra/production.tfvars]
"""

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform")


def job(tmp_path: Path, name: str) -> Runner:
    """A job with the project checked out in its own workspace (as on a fresh runner)."""
    runner = Runner(tmp_path / name, sha=SHA)
    (runner.workspace / "infra").mkdir()
    (runner.workspace / "devops.yaml").write_text(DEVOPS_YAML)
    (runner.workspace / "infra" / "main.tf").write_text(MAIN_TF)
    for env in ("staging", "production"):
        (runner.workspace / "infra" / f"{env}.tfvars").write_text(f'name = "{env}"\n')
    return runner


def plan(tmp_path: Path, artifacts: ArtifactStore, env: str = "staging") -> ActionRun:
    run = job(tmp_path, f"plan-{env}").run(
        "terraform-plan",
        {"environment": env, "terraform-version": ""},
        uses=artifacts.handlers(),
        env={"STATE": str(tmp_path / "state")},
    )
    assert not run.failed, run.stdout + "".join(s.stderr for s in run.steps)
    return run


def apply(tmp_path: Path, artifacts: ArtifactStore, env: str, digest: str) -> ActionRun:
    return job(tmp_path, f"apply-{env}").run(
        "terraform-apply",
        {"environment": env, "expected-digest": digest, "terraform-version": ""},
        uses=artifacts.handlers(),
        env={"STATE": str(tmp_path / "state")},
    )


def test_each_environment_applies_its_reviewed_plan_into_its_own_state(
    tmp_path: Path, artifacts: ArtifactStore
) -> None:
    planned = {env: plan(tmp_path, artifacts, env).outputs for env in ("staging", "production")}
    for env, outputs in planned.items():
        assert outputs["digest"].startswith("sha256:")
        assert outputs["artifact-name"] == f"terraform-plan-{env}"
        assert sorted(p.name for p in (artifacts.root / f"terraform-plan-{env}").iterdir()) == [
            "plan.json",
            "record.json",
            "tfplan",
        ]
    assert planned["staging"]["digest"] != planned["production"]["digest"]
    for env, outputs in planned.items():
        run = apply(tmp_path, artifacts, env, outputs["digest"])
        assert not run.failed, run.stdout + run.step("apply").stderr
        assert run.outputs["applied"] == "true"
    states = sorted(
        p.relative_to(tmp_path / "state") for p in (tmp_path / "state").rglob("*.tfstate")
    )
    assert states == [Path("production/terraform.tfstate"), Path("staging/terraform.tfstate")]


def test_apply_refuses_a_digest_that_was_not_reviewed(
    tmp_path: Path, artifacts: ArtifactStore
) -> None:
    plan(tmp_path, artifacts)
    run = apply(tmp_path, artifacts, "staging", "sha256:" + "0" * 64)
    assert run.failed
    assert run.outputs["applied"] == "false"
    (annotation,) = [m for c, m in run.step("apply").commands if c.startswith("error")]
    assert "changed plan" in annotation
    assert not (tmp_path / "state" / "staging" / "terraform.tfstate").exists()


@pytest.mark.parametrize(
    ("inputs", "reason"),
    [
        ({"expected-digest": ""}, "missing-digest"),
        ({"expected-digest": "sha256:x;touch PWNED"}, "invalid-input"),
        ({"environment": HOSTILE, "artifact-name": "terraform-plan-staging"}, "invalid-input"),
    ],
)
def test_apply_refuses_bad_inputs_before_terraform(
    tmp_path: Path, artifacts: ArtifactStore, inputs: dict[str, str], reason: str
) -> None:
    digest = plan(tmp_path, artifacts).outputs["digest"]
    run = job(tmp_path, "apply").run(
        "terraform-apply",
        {"environment": "staging", "expected-digest": digest, "terraform-version": "", **inputs},
        uses=artifacts.handlers(),
        env={"STATE": str(tmp_path / "state")},
    )
    assert run.failed
    assert run.outputs["applied"] == "false"
    assert [c for c, _ in run.step("apply").commands] == [f"error title=pytest-devops ({reason})"]
    no_pwned(tmp_path)


def test_plan_refuses_a_hostile_environment_name(tmp_path: Path, artifacts: ArtifactStore) -> None:
    run = job(tmp_path, "plan").run(
        "terraform-plan",
        {"environment": HOSTILE, "terraform-version": ""},
        uses=artifacts.handlers(),
    )
    assert run.failed
    assert run.step("plan").outputs == {}
    assert [c for c, _ in run.step("plan").commands] == [
        "error title=pytest-devops (invalid-input)"
    ]
    assert list(artifacts.root.iterdir()) == []
    no_pwned(tmp_path)
