"""Plan faults: real Terraform plans (terraform_data, check blocks, a sensitive variable
holding the secret), and the ways a plan file goes wrong on the way to the gates."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from faultkit import run_gates, section
from faultkit import secrets_env as secrets_env
from leaks import SECRETS

MAIN_TF = """
variable "db_password" {
  type      = string
  sensitive = true
}
variable "size" {
  default = 5
}
resource "terraform_data" "db" {
  input = { password = var.db_password, size = var.size }
}
check "size_small" {
  assert {
    condition     = var.size < 3
    error_message = "size must be below 3, got ${var.size}"
  }
}
check "size_positive" {
  assert {
    condition     = var.size > 0
    error_message = "size must be positive"
  }
}
"""


def _terraform_plan(work: Path, size: int) -> dict[str, Any]:
    work.mkdir(parents=True)
    (work / "main.tf").write_text(MAIN_TF)
    env = {**os.environ, "TF_VAR_db_password": SECRETS["DEVOPS_SECRET"], "TF_IN_AUTOMATION": "1",
           "TF_VAR_size": str(size), "CHECKPOINT_DISABLE": "1"}
    for cmd in (["init", "-input=false", "-no-color"],
                ["plan", "-input=false", "-no-color", "-out=tfplan"]):
        subprocess.run(["terraform", *cmd], cwd=work, env=env, check=True, capture_output=True)
    shown = subprocess.run(["terraform", "show", "-json", "tfplan"], cwd=work, env=env,
                           check=True, capture_output=True, text=True)
    doc: dict[str, Any] = json.loads(shown.stdout)
    return doc


@pytest.fixture(scope="session")
def real_plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Two real plans: one whose check block fails (size 5), one where both pass."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed")
    base = tmp_path_factory.mktemp("tfplans")
    return {"failing": _terraform_plan(base / "failing", 5),
            "passing": _terraform_plan(base / "ok", 1)}


PLAN_ENV = "terraform: {plan_file: plan.json}\nrules: {required_tags: [Owner]}"


def _write(doc: Any) -> str:
    return json.dumps(doc, indent=2)


def test_real_plan_check_block_fails_as_plan_checks(pytester: pytest.Pytester,
                                                     real_plans: dict[str, Any],
                                                     secrets_env: dict[str, str]) -> None:
    out = run_gates(pytester, section(PLAN_ENV), {"plan.json": _write(real_plans["failing"])})
    assert out.ret == 1
    assert out.outcomes() == {"plan.required_tags": "pass", "plan.checks": "fail"}
    assert out.gate("plan.checks")["findings"] == [{
        "rule": "terraform-check", "message": "size must be below 3, got 5",
        "address": "check.size_small", "severity": "error"}]
    out.shows("FAIL      devops.yaml::plan.checks: 1 check block failed: check.size_small")


def test_real_plan_with_passing_checks_says_what_it_checked(
        pytester: pytest.Pytester, real_plans: dict[str, Any], secrets_env: dict[str, str]) -> None:
    out = run_gates(pytester, section(PLAN_ENV), {"plan.json": _write(real_plans["passing"])})
    assert out.ret == 0
    assert out.gate("plan.checks")["message"] == "2 check blocks passed"
    # terraform_data has no tags: the rule checked nothing, and says so.
    assert out.gate("plan.required_tags")["message"] == (
        "checked nothing: no created or updated resource has a `tags` attribute "
        "(1 resource written)")
    out.shows("PASS      devops.yaml::plan.required_tags: checked nothing*")


def _mutations(doc: dict[str, Any]) -> dict[str, tuple[str | bytes, int, str]]:
    """file content -> (exit code, the line the user sees)."""
    text = _write(doc)
    no_changes = copy.deepcopy(doc)
    del no_changes["resource_changes"]
    empty_changes = copy.deepcopy(doc)
    empty_changes["resource_changes"] = []
    state = {"version": 4, "lineage": "x", "serial": 3, "resources": [],
             "terraform_version": "1.11.0"}
    future = copy.deepcopy(doc)
    future["format_version"] = "2.0"
    odd = copy.deepcopy(doc)
    odd["resource_changes"][0]["change"]["actions"] = ["teleport"]
    return {
        "truncated": (text[: len(text) // 2], 1,
                      "*plan.json: the JSON ends before the plan is complete (truncated at line*"),
        "empty": ("", 1, "*plan.json: the file is empty"),
        "binary-plan": (b"PK\x03\x04rest-of-a-zip", 1,
                        "*plan.json is a binary plan: reading it needs the root it was made "
                        "from"),
        "state": (_write(state), 1,
                  "*plan.json: this is a Terraform state file (terraform.tfstate), not a plan"),
        "no-resource-changes": (_write(no_changes), 1,
                                "*plan.json: `planned_values` holds 1 resources but the plan has "
                                "no `resource_changes`*"),
        "empty-resource-changes": (_write(empty_changes), 1,
                                   "*plan.json: 1 resources of `planned_values` are not in "
                                   "`resource_changes` (terraform_data.db)*"),
        "future-format": (_write(future), 1,
                          "*plan.json: plan format_version 2.0 is not supported*"),
        "unknown-action": (_write(odd), 1,
                           "*: unknown actions ?'teleport'?; this release understands create, *"),
        "nan": (text.replace("{", '{"cost": NaN,', 1), 1,
                "*plan.json: holds the number NaN, which is not a finite JSON number"),
        "streaming-log": ('{"@level":"info","@message":"Terraform 1.11.0"}\n'
                          '{"@level":"info","@message":"Plan: 1 to add"}\n', 1,
                          "*this is the streaming log of `terraform plan -json`*"),
        "text-output": ("Terraform used the selected providers to generate the following\n", 1,
                        "*not a JSON plan; it starts with 'Terraform used the selected providers*"),
        "secret-text": (f"DB_PASSWORD={SECRETS['DEVOPS_SECRET']}\n", 1,
                        "*not a JSON plan; it starts with text, not a JSON object*"),
    }


MUTATIONS = ["truncated", "empty", "binary-plan", "state", "no-resource-changes",
             "empty-resource-changes", "future-format", "unknown-action", "nan", "streaming-log",
             "text-output", "secret-text"]


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_broken_plan_is_an_error_of_every_plan_gate(
        pytester: pytest.Pytester, real_plans: dict[str, Any], secrets_env: dict[str, str],
        name: str) -> None:
    content, code, line = _mutations(real_plans["failing"])[name]
    out = run_gates(pytester, section(PLAN_ENV), {"plan.json": content})
    assert out.ret == code
    # Never a pass: the rule gate errors (plan.checks only exists for a plan that loaded).
    assert out.outcomes() == {"plan.required_tags": "error"}
    assert out.report is not None
    assert out.report["outcome"] == "error"
    out.shows(line)


def test_missing_and_directory_plan_files(pytester: pytest.Pytester,
                                          secrets_env: dict[str, str]) -> None:
    out = run_gates(pytester, section(PLAN_ENV))
    assert (out.ret, out.outcomes()) == (1, {"plan.required_tags": "error"})
    out.shows("ERROR     devops.yaml::plan.required_tags: plan file */plan.json does not exist")
    (pytester.path / "plan.json").mkdir()
    out = run_gates(pytester, section(PLAN_ENV))
    out.shows("ERROR     devops.yaml::plan.required_tags: plan file */plan.json is a directory, "
              "not a file")


def _tagged(attribute: str) -> dict[str, Any]:
    def rc(address: str, after: dict[str, Any]) -> dict[str, Any]:
        rtype, name = address.split(".")
        return {"address": address, "mode": "managed", "type": rtype, "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {"actions": ["create"], "before": None, "after": after,
                           "after_unknown": {}, "before_sensitive": False,
                           "after_sensitive": {}}}
    return {
        "format_version": "1.2", "terraform_version": "1.11.0",
        "planned_values": {"root_module": {"resources": []}},
        "resource_changes": [
            rc("aws_s3_bucket.logs", {"bucket": "logs", "tags": {"Owner": "web"}}),
            rc("aws_instance.web", {"instance_type": "t3.micro", "tags": {"Team": "web"}}),
        ],
        "configuration": {"root_module": {}},
    }


@pytest.mark.parametrize(("attribute", "ret", "outcome", "line"), [
    ("tags", 1, "fail", "FAIL      devops.yaml::plan.required_tags: 1 resource lacks required "
                        "tags (Owner)"),
    ("Tags", 1, "error", "ERROR     devops.yaml::plan.required_tags: required_tags checked "
                         "nothing: no created or updated resource has a `Tags` attribute, but 2 "
                         "resources carry tags in another (aws_s3_bucket.logs, aws_instance.web)"),
])
def test_required_tags_counts_what_it_checked(pytester: pytest.Pytester,
                                              secrets_env: dict[str, str], attribute: str,
                                              ret: int, outcome: str, line: str) -> None:
    config = section("terraform: {plan_file: plan.json}\n"
                     f"rules: {{required_tags: {{tags: [Owner], attribute: {attribute}}}}}")
    out = run_gates(pytester, config, {"plan.json": _write(_tagged(attribute))})
    assert (out.ret, out.outcomes()) == (ret, {"plan.required_tags": outcome})
    out.shows(line)


def test_required_tags_pass_names_the_count(pytester: pytest.Pytester,
                                           secrets_env: dict[str, str]) -> None:
    doc = _tagged("tags")
    doc["resource_changes"][1]["change"]["after"]["tags"]["Owner"] = "web"
    out = run_gates(pytester, section("terraform: {plan_file: plan.json}\n"
                                      "rules: {required_tags: [Owner]}"),
                    {"plan.json": _write(doc)})
    assert out.ret == 0
    assert out.gate("plan.required_tags")["message"] == "checked 2 resources"


def test_sensitive_value_in_a_failing_user_gate_is_masked(
        pytester: pytest.Pytester, real_plans: dict[str, Any], secrets_env: dict[str, str]) -> None:
    tests = """
    import pytest

    @pytest.mark.devops_plan
    def test_password_is_short(devops_plan):
        db = devops_plan["terraform_data.db"]
        assert len(db.after["input"]["password"]) < 10, db.after["input"]["password"]
    """
    out = run_gates(pytester, section("terraform: {plan_file: plan.json}"),
                    {"plan.json": _write(real_plans["passing"])}, tests=tests)
    assert out.ret == 1
    assert out.gate("test_password_is_short")["outcome"] == "fail"
    out.shows("*AssertionError: ****")
