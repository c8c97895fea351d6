"""terraform-plan then terraform-apply, run as the actions run them: apply exactly the
reviewed plan, refuse anything else with a reason."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from ghrunner import HOSTILE, ActionRun, ArtifactStore, Runner, no_pwned

from pytest_devops.plan import load_plan

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98"


@pytest.fixture
def plans(corpus: Path) -> dict[str, Path]:
    return {
        "reviewed": corpus / "plans" / "tfcompliance__instance_update.json",
        "other": corpus / "plans" / "terraform__showjson_basic_delete.json",
    }


@pytest.fixture(scope="module")
def planned(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One run of the terraform-plan action; each test gets a copy of its artifacts."""
    tmp = tmp_path_factory.mktemp("planned")
    plans = {"reviewed": corpus / "plans" / "tfcompliance__instance_update.json"}
    store = ArtifactStore(tmp / "artifacts")
    store.root.mkdir()
    return store.root, run_plan(tmp, plans, store)


@pytest.fixture
def plan_outputs(planned: tuple[Path, dict[str, str]], artifacts: ArtifactStore) -> dict[str, str]:
    """The artifacts and outputs of the module's terraform-plan run, copied for one test."""
    root, outputs = planned
    shutil.copytree(root, artifacts.root, dirs_exist_ok=True)
    return outputs


def run_plan(tmp_path: Path, plans: dict[str, Path], artifacts: ArtifactStore) -> dict[str, str]:
    job = Runner(tmp_path / "plan-job", sha=SHA, extra_path=[Path(__file__).parent / "bin"])
    infra = job.workspace / "infra"
    infra.mkdir()
    shutil.copy(plans["reviewed"], infra / "planned.json")
    run = job.run(
        "terraform-plan",
        {"environment": "staging", "working-directory": "infra", "terraform-version": ""},
        uses=artifacts.handlers(),
        env={"TF_SHIM_LOG": str(tmp_path / "plan.log")},
    )
    assert not run.failed, run.stdout + "".join(s.stderr for s in run.steps)
    return run.outputs


def apply_job(tmp_path: Path, name: str, sha: str = SHA) -> tuple[Runner, Path]:
    job = Runner(tmp_path / name, sha=sha, extra_path=[Path(__file__).parent / "bin"])
    (job.workspace / "infra").mkdir()
    return job, tmp_path / f"{name}.log"


def run_apply(
    tmp_path: Path, artifacts: ArtifactStore, digest: str, sha: str = SHA, **inputs: str
) -> tuple[ActionRun, Path]:
    """terraform-apply of the staging plan in ``infra`` expecting ``digest``; the run and
    the log of what the terraform shim was asked to do."""
    job, log = apply_job(tmp_path, "apply", sha=sha)
    run = job.run(
        "terraform-apply",
        {
            "environment": "staging",
            "expected-digest": digest,
            "working-directory": "infra",
            "terraform-version": "",
            **inputs,
        },
        uses=artifacts.handlers(),
        env={"TF_SHIM_LOG": str(log)},
    )
    return run, log


def test_plan_uploads_the_plan_with_its_digest_and_commit(
    plan_outputs: dict[str, str], tmp_path: Path, plans: dict[str, Path], artifacts: ArtifactStore
) -> None:
    outputs = plan_outputs
    expected = load_plan(plans["reviewed"]).digest()
    assert outputs["digest"] == expected
    assert outputs["artifact-name"] == "terraform-plan-staging"
    stored = artifacts.root / "terraform-plan-staging"
    assert sorted(p.name for p in stored.iterdir()) == ["plan-meta.json", "tfplan"]
    meta = json.loads((stored / "plan-meta.json").read_text())
    assert meta["schema"] == "pytest-devops/plan-meta@1"
    assert (meta["environment"], meta["commit"], meta["digest"]) == ("staging", SHA, expected)
    assert meta["plan_sha256"] == hashlib.sha256((stored / "tfplan").read_bytes()).hexdigest()
    assert json.loads(Path(outputs["plan-json"]).read_text()) == json.loads(
        plans["reviewed"].read_text()
    )


def test_apply_applies_exactly_the_reviewed_plan(
    plan_outputs: dict[str, str], tmp_path: Path, plans: dict[str, Path], artifacts: ArtifactStore
) -> None:
    digest = plan_outputs["digest"]
    run, log = run_apply(tmp_path, artifacts, digest)
    assert not run.failed, run.stdout
    assert run.outputs == {"verified": "true", "reason": "ok", "digest": digest, "applied": "true"}
    tfplan = artifacts.root / "terraform-plan-staging" / "tfplan"
    applied = hashlib.sha256(tfplan.read_bytes()).hexdigest()
    assert log.read_text().splitlines() == ["init", f"apply {applied}"]


def test_apply_refuses_a_digest_that_was_not_reviewed(
    plan_outputs: dict[str, str], tmp_path: Path, plans: dict[str, Path], artifacts: ArtifactStore
) -> None:
    run, log = run_apply(tmp_path, artifacts, load_plan(plans["other"]).digest())
    assert run.failed
    assert run.outputs["verified"] == "false"
    assert run.outputs["reason"] == "plan-changed"
    assert run.outputs["applied"] == ""
    assert not run.step("apply").ran
    assert not log.exists(), "nothing may run terraform after a refusal"
    [(command, message)] = [c for c in run.step("verify").commands if c[0].startswith("error")]
    assert command == "error title=pytest-devops (plan-changed)"
    assert "reviewed digest" in message


def test_apply_refuses_a_swapped_plan_file_even_with_consistent_metadata(
    plan_outputs: dict[str, str], tmp_path: Path, plans: dict[str, Path], artifacts: ArtifactStore
) -> None:
    """Someone who can write the artifact swaps tfplan and fixes its recorded hash: the
    plan Terraform reads back from the binary no longer has the reviewed digest."""
    digest = plan_outputs["digest"]
    stored = artifacts.root / "terraform-plan-staging"
    magic = (stored / "tfplan").read_bytes().split(b"\0", 1)[0] + b"\0"
    swapped = magic + plans["other"].read_bytes()
    (stored / "tfplan").write_bytes(swapped)
    meta = json.loads((stored / "plan-meta.json").read_text())
    meta["plan_sha256"] = hashlib.sha256(swapped).hexdigest()
    (stored / "plan-meta.json").write_text(json.dumps(meta))
    run, log = run_apply(tmp_path, artifacts, digest)
    assert (run.outputs["verified"], run.outputs["reason"]) == ("false", "plan-changed")
    assert log.read_text().splitlines() == ["init"]


def test_apply_refuses_a_plan_whose_bytes_changed(
    plan_outputs: dict[str, str], tmp_path: Path, plans: dict[str, Path], artifacts: ArtifactStore
) -> None:
    digest = plan_outputs["digest"]
    tfplan = artifacts.root / "terraform-plan-staging" / "tfplan"
    tfplan.write_bytes(tfplan.read_bytes() + b" ")
    run, log = run_apply(tmp_path, artifacts, digest)
    assert (run.outputs["verified"], run.outputs["reason"]) == ("false", "plan-changed")
    assert not log.exists()


@pytest.mark.parametrize(
    ("inputs", "sha", "reason"),
    [
        ({}, OTHER_SHA, "commit-changed"),
        ({"expected-commit": OTHER_SHA}, OTHER_SHA, "commit-changed"),
        ({"expected-digest": ""}, SHA, "missing-digest"),
        (
            {"environment": "production", "artifact-name": "terraform-plan-staging"},
            SHA,
            "environment-mismatch",
        ),
        ({"environment": HOSTILE}, SHA, "invalid-input"),
        ({"expected-commit": HOSTILE}, SHA, "invalid-input"),
    ],
    ids=[
        "checked-out-other-commit",
        "plan-from-other-commit",
        "no-digest",
        "other-env",
        "hostile-env",
        "hostile-commit",
    ],
)
def test_apply_refuses_with_a_reason(
    plan_outputs: dict[str, str],
    tmp_path: Path,
    plans: dict[str, Path],
    artifacts: ArtifactStore,
    inputs: dict[str, str],
    sha: str,
    reason: str,
) -> None:
    digest = plan_outputs["digest"]
    if inputs.get("environment") == HOSTILE:
        inputs = {**inputs, "artifact-name": "terraform-plan-staging"}
    run, log = run_apply(tmp_path, artifacts, digest, sha, **inputs)
    assert (run.outputs["verified"], run.outputs["reason"]) == ("false", reason)
    assert not log.exists() or "apply" not in log.read_text()
    assert {c for c, _ in run.step("verify").commands} == {f"error title=pytest-devops ({reason})"}
    no_pwned(tmp_path)


def test_plan_refuses_a_hostile_environment_name(tmp_path: Path, artifacts: ArtifactStore) -> None:
    job = Runner(tmp_path / "job", sha=SHA, extra_path=[Path(__file__).parent / "bin"])
    run = job.run(
        "terraform-plan",
        {"environment": HOSTILE, "terraform-version": ""},
        uses=artifacts.handlers(),
        env={"TF_SHIM_LOG": str(tmp_path / "log")},
    )
    assert run.failed
    assert run.step("plan").outputs == {}
    assert [c for c, _ in run.step("plan").commands] == [
        "error title=pytest-devops (invalid-input)"
    ]
    assert not (tmp_path / "log").exists()
    assert list(artifacts.root.iterdir()) == []
    no_pwned(tmp_path)
