"""``pytest-devops terraform plan|apply|destroy`` with the real Terraform CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tfproject import SECRET, files_holding

from pytest_devops.cli import main

PLANS = Path(".devops/plans")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["terraform", *args])
    out, err = capsys.readouterr()
    return code, out, err


def error_line(err: str) -> str:
    """The one error line (progress lines come before it)."""
    [line] = [ln for ln in err.splitlines() if ln.startswith("pytest-devops terraform: error:")]
    return line


def outputs(project: Path, workspace: str) -> dict[str, object]:
    state = json.loads((project / ".state" / workspace / "terraform.tfstate").read_text())
    return {k: v["value"] for k, v in state["outputs"].items()}


def test_plan_records_the_plan_and_apply_applies_exactly_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "plan", "--env", "dev")
    assert code == 0, err
    folder = project / PLANS / "dev"
    assert sorted(p.name for p in folder.iterdir()) == [
        "plan.json", "record.json", "terraform.lock", "tf-data", "tfplan"]
    record = json.loads((folder / "record.json").read_text())
    digest = main(["digest", str(folder / "plan.json")])
    printed = capsys.readouterr().out.strip()
    assert digest == 0
    assert (record["schema"], record["env"], record["workspace"], record["changes"]) == (
        "pytest-devops/plan-record@1", "dev", "dev", True)
    assert record["digest"] == printed
    assert record["terraform_version"].startswith("1.")
    assert (record["counts"]["create"], record["applied_at"]) == (2, None)
    assert out.splitlines() == [
        "environment dev: changes (2 to create, 0 to update, 0 to delete, 0 to replace)",
        f"recorded in {folder} (tfplan, plan.json, record.json)",
        f"digest {printed}",
    ]
    # Progress on stderr: each step, with its time.
    assert "] terraform init: started in" in err
    assert "] terraform plan: done in" in err

    code, out, err = cli(capsys, "apply", "--env", "dev", "--digest", printed)
    assert code == 0, err
    assert out == f"applied {printed} to environment dev\n"
    assert outputs(project, "dev") == {
        "site_url": "http://dev-shop.example.test", "replicas": 1,
        "admin_password": outputs(project, "dev")["admin_password"]}

    code, out, err = cli(capsys, "apply", "--env", "dev")
    assert code == 2
    assert "already applied at" in err

    code, out, err = cli(capsys, "destroy", "--env", "dev")
    assert code == 0, err
    assert out == f"destroyed environment dev ({project / 'infra'})\n"
    state = json.loads((project / ".state" / "dev" / "terraform.tfstate").read_text())
    assert state["resources"] == []
    assert files_holding(project, SECRET) == []
    assert SECRET not in out + err


def test_json_format_prints_the_record(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "plan", "--env", "dev", "--format", "json", "--dir", "elsewhere")
    assert code == 0
    assert json.loads(out) == json.loads((project / "elsewhere/dev/record.json").read_text())


def test_two_workspaces_keep_two_states(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for env in ("dev", "staging"):
        assert cli(capsys, "plan", "--env", env)[0] == 0
    assert cli(capsys, "apply", "--env", "dev")[0] == 0
    code, _, err = cli(capsys, "apply", "--env", "staging")
    assert code == 2
    assert error_line(err) == (
        "pytest-devops terraform: error: environment staging is protected: apply needs "
        "confirmation")
    assert cli(capsys, "apply", "--env", "staging", "--confirm-apply", "staging")[0] == 0
    assert outputs(project, "dev")["replicas"] == 1
    assert outputs(project, "staging")["replicas"] == 2
    assert outputs(project, "staging")["site_url"] == "http://staging-shop.example.test"


def _refusal(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = cli(capsys, "apply", *args)
    assert (code, out) == (2, "")
    first = error_line(err)
    assert first.startswith("pytest-devops terraform: error: refusing to apply ")
    return first.split(": ", 3)[3]


def test_apply_refuses_a_changed_plan_with_the_reason(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "plan", "--env", "dev")[0] == 0
    assert cli(capsys, "plan", "--env", "staging")[0] == 0
    dev, staging = project / PLANS / "dev", project / PLANS / "staging"
    recorded = json.loads((dev / "record.json").read_text())["digest"]
    other = json.loads((staging / "record.json").read_text())["digest"]

    assert _refusal(capsys, "--env", "dev", "--digest", other) == (
        f"changed plan: the recorded plan has digest {recorded}, not {other}")

    # The binary plan swapped for another one: its own JSON tells.
    shutil.copy(staging / "tfplan", dev / "tfplan")
    assert _refusal(capsys, "--env", "dev").startswith(
        "changed plan: the binary plan has digest sha256:")

    # plan.json edited after the review.
    doc = json.loads((dev / "plan.json").read_text())
    doc["resource_changes"][0]["change"]["after"] = {"input": "edited after review"}
    (dev / "plan.json").write_text(json.dumps(doc))
    assert _refusal(capsys, "--env", "dev").startswith("changed plan: plan.json has digest ")
    assert not (project / ".state" / "dev" / "terraform.tfstate").exists()  # nothing applied


def test_apply_refuses_another_environment_and_a_stale_plan(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "plan", "--env", "dev")[0] == 0
    dev = project / PLANS / "dev"
    shutil.copytree(dev, project / "other" / "staging")
    assert _refusal(capsys, "--env", "staging", "--dir", "other",
                    "--confirm-apply", "staging") == (
        "other environment: the plan was made for dev, not staging")

    record = json.loads((dev / "record.json").read_text())
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    record["created_at"] = old.isoformat(timespec="seconds")
    (dev / "record.json").write_text(json.dumps(record))
    assert _refusal(capsys, "--env", "dev").startswith("stale: the plan was made 48.0h ago")


def test_apply_refuses_a_plan_made_at_another_commit(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not on PATH")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.test",
                        *args], cwd=project, check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "one")
    assert cli(capsys, "plan", "--env", "dev")[0] == 0
    git("commit", "-q", "--allow-empty", "-m", "two")
    assert _refusal(capsys, "--env", "dev").startswith("other commit: the plan was made at ")


def test_a_failed_plan_shows_the_first_error_block_in_full(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EXAMPLE_API_TOKEN")
    code, out, err = cli(capsys, "plan", "--env", "dev")
    assert (code, out) == (2, "")
    assert "terraform.secret_vars.api_token: environment variable EXAMPLE_API_TOKEN is not " \
        "set" in err
    monkeypatch.setenv("EXAMPLE_API_TOKEN", SECRET)
    (project / "infra" / "broken.tf").write_text('output "x" {\n  value = var.nope\n}\n')
    code, out, err = cli(capsys, "plan", "--env", "dev")
    lines = err.splitlines()
    error = next(i for i, ln in enumerate(lines) if "error:" in ln)
    assert lines[error] == ("pytest-devops terraform: error: terraform plan failed "
                            "(configuration, exit code 1): Reference to undeclared input "
                            "variable")
    assert lines[error + 2:error + 5] == [
        'on broken.tf line 2, in output "x":', "2:   value = var.nope", ""]
    assert 'An input variable with the name "nope" has not been declared.' in err
    assert not (project / PLANS / "dev" / "record.json").exists()


def test_the_version_constraint_is_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (project / "devops.yaml").read_text().replace('">= 1.6, < 2.0"', '"< 1.0"')
    (project / "devops.yaml").write_text(text)
    code, _, err = cli(capsys, "plan", "--env", "dev")
    assert code == 2
    assert "terraform.version requires < 1.0" in err


def test_a_secret_in_terraform_error_output_is_masked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tfproject import TERRAFORM, set_binary

    leaky = project / "leaky-terraform"  # a CLI that echoes the variable in its error
    leaky.write_text('#!/bin/sh\nif [ "$1" = "plan" ]; then\n'
                     '  printf "Error: token %s rejected\\n" "$TF_VAR_api_token" >&2; exit 1\n'
                     f'fi\nexec {TERRAFORM} "$@"\n')
    leaky.chmod(0o755)
    set_binary(project, leaky)
    code, out, err = cli(capsys, "plan", "--env", "dev")
    assert code == 2
    assert error_line(err) == ("pytest-devops terraform: error: leaky-terraform plan failed "
                               "(unknown, exit code 1): token *** rejected")
    assert SECRET not in out + err
