"""The plan feature through pytester: built-in rules as items, the fixture, redaction."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest
from planbuilder import SECRETS, change, secret_plan

CONFIG = """
environments:
  staging:
    terraform:
      plan_file: plan.json
    rules:
      required_tags: [Owner]
      allowed_instance_types: ["t3.*", "db.m5.*"]
      max_changes: 10
  production:
    extends: staging
    protected: true
    rules:
      no_destroy:
        allow: ["tls_private_key.*"]
"""

USER_TESTS = """
import pytest
from pytest_devops import UNKNOWN, Plan, Sensitive

@pytest.mark.devops_plan
def test_values(devops_plan: Plan):
    rc = devops_plan["aws_db_instance.main"]
    assert rc.value("arn") is UNKNOWN
    assert isinstance(rc.value("password"), Sensitive)
    assert devops_plan.counts()["replace"] == 1

@pytest.mark.devops_plan
def test_leaks_a_raw_value(devops_plan: Plan):
    rc = devops_plan["aws_db_instance.main"]
    print("after:", rc.after)
    assert rc.after["password"] == "not-the-password"

@pytest.mark.devops_plan
def test_leaks_an_output(devops_plan: Plan):
    assert devops_plan.output_changes["db_password"].after == "nope"
"""


def leaky_plan() -> dict[str, object]:
    doc = secret_plan()
    # An address built from a secret (for_each over nonsensitive(var.x)): only redaction
    # keeps it out of the failure text that lists offending addresses.
    doc["resource_changes"].append(change(  # type: ignore[union-attr]
        f'aws_ssm_parameter.p["{SECRETS["api_token"]}"]', ["delete"], before={"name": "p"},
        rtype="aws_ssm_parameter",
    ))
    return doc


def leaky_counts() -> dict[str, int]:
    counts = dict.fromkeys(("create", "update", "delete", "replace", "read", "no-op"), 0)
    for rc in leaky_plan()["resource_changes"]:  # type: ignore[attr-defined]
        actions = rc["change"]["actions"]
        key = "replace" if len(actions) == 2 else actions[0]
        counts[key] += 1
    return counts


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yaml", devops=CONFIG)
    (pytester.path / "plan.json").write_text(json.dumps(leaky_plan(), indent=1))
    return pytester


def assert_no_secret(*texts: str) -> None:
    everything = "\n".join(texts)
    leaked = sorted(name for name, value in SECRETS.items() if value in everything)
    assert leaked == []
    for line in SECRETS["pem"].splitlines():
        assert line not in everything


def test_builtin_rules_are_items_that_list_offending_addresses(project: pytest.Pytester) -> None:
    project.makepyfile(test_user=USER_TESTS)
    result = project.runpytest("--devops-env", "production", "--devops-report", "r.json", "-rA")
    result.assert_outcomes(passed=2, failed=5)
    result.stdout.fnmatch_lines([
        "PASSED devops.yaml::plan.max_changes",
        "PASSED test_user.py::test_values",
        "FAILED devops.yaml::plan.no_destroy - 2 resources would be deleted or replace*",
        "FAILED devops.yaml::plan.required_tags - 1 resource lacks required tags (Owner)",
        "FAILED devops.yaml::plan.allowed_instance_types - 1 resource uses instance ty*",
    ])
    result.stdout.fnmatch_lines([
        "2 resources would be deleted or replaced in environment production;*",
        "  - no-destroy aws_instance.web: replace (replace_because_cannot_update)",
        '  - no-destroy aws_ssm_parameter.p["***"]: delete',
    ])
    result.stdout.fnmatch_lines([
        "1 resource lacks required tags (Owner)",
        "  - required-tags aws_instance.web: missing tags: Owner",
    ])
    result.stdout.fnmatch_lines([
        "*1 resource uses instance types not in rules.allowed_instance_types*",
        "  - allowed-instance-types aws_instance.web: instance_type m5.24xlarge is not allowed",
    ])
    report = json.loads((project.path / "r.json").read_text())
    gates = {g["nodeid"]: g for g in report["gates"]}
    assert gates["devops.yaml::plan.no_destroy"]["outcome"] == "fail"
    assert [f["address"] for f in gates["devops.yaml::plan.no_destroy"]["findings"]] == [
        "aws_instance.web", 'aws_ssm_parameter.p["***"]',
    ]
    assert gates["devops.yaml::plan.max_changes"]["outcome"] == "pass"
    assert gates["test_user.py::test_leaks_a_raw_value"]["outcome"] == "fail"
    # The plan's summary rides along for the job summary and the PR comment.
    assert report["plan"]["counts"] == leaky_counts()
    assert report["plan"]["digest"].startswith("sha256:")
    assert_no_secret(result.stdout.str(), result.stderr.str(),
                     (project.path / "r.json").read_text())


def test_staging_has_no_destroy_rule(project: pytest.Pytester) -> None:
    result = project.runpytest("--devops-env", "staging", "--co", "-q")
    result.stdout.fnmatch_lines([
        "devops.yaml::plan.required_tags",
        "devops.yaml::plan.allowed_instance_types",
        "devops.yaml::plan.max_changes",
    ])
    assert "no_destroy" not in result.stdout.str()


@pytest.mark.parametrize(
    ("plan_text", "message"),
    [
        (None, "*plan file * does not exist*"),
        ('{"format_version": "1.0", "values": {"root_module": {}}}',
         "*is a Terraform state (`terraform show -json` of a state, with `values`), not a plan*"),
        ('{"format_version": "1.2", "errored": true, "resource_changes": []}',
         "*the plan is errored (`terraform plan` failed part-way)*"),
        ('{"format_version": "1.2", "complete": false, "resource_changes": []}',
         "*the plan is incomplete (`complete: false`: Terraform deferred changes*"),
    ],
    ids=["missing", "state", "errored", "incomplete"],
)
def test_unusable_plan_is_an_error_never_a_pass(
    pytester: pytest.Pytester, plan_text: str | None, message: str
) -> None:
    pytester.makefile(".yaml", devops=CONFIG)
    if plan_text is not None:
        (pytester.path / "plan.json").write_text(plan_text)
    result = pytester.runpytest("--devops-env", "staging", "--devops-report", "r.json")
    result.stdout.fnmatch_lines([message])
    report = json.loads((pytester.path / "r.json").read_text())
    assert [g["outcome"] for g in report["gates"]] == ["error", "error", "error"]
    assert report["outcome"] == "error"


def test_environment_without_a_plan(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", devops="environments:\n  dev:\n    rules:\n      max_changes: 1\n")
    result = pytester.runpytest("--devops-env", "dev")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*environment dev has no plan: set terraform.plan_file*"])


REAL = shutil.which("terraform")
MAIN_TF = """
variable "token" {
  type      = string
  sensitive = true
}
resource "terraform_data" "a" {
  input = var.token
}
resource "terraform_data" "b" {
  input = "plain"
}
"""


@pytest.mark.skipif(REAL is None, reason="terraform is not on PATH")
def test_runner_plans_once_for_all_xdist_workers_and_masks_secrets(
    pytester: pytest.Pytester,
) -> None:
    pytest.importorskip("xdist")
    infra = pytester.path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text(MAIN_TF)
    token = "runner-token-5f4e3d2c1b"
    pytester.makefile(".yaml", devops=textwrap.dedent(f"""
        environments:
          ci:
            terraform:
              working_dir: infra
              vars: {{token: "{token}"}}
              timeout: 300
            rules:
              max_changes: 1
    """))
    pytester.makepyfile(test_plan=textwrap.dedent("""
        import pytest

        @pytest.mark.parametrize("n", range(3))
        def test_counts(devops_plan, n):
            assert devops_plan.counts()["create"] == 2

        def test_raw_value_in_assertion(devops_plan):
            print(devops_plan["terraform_data.a"].after)
            assert devops_plan["terraform_data.a"].after["input"] == "wrong"
    """))
    result = pytester.runpytest_subprocess(
        "--devops-env", "ci", "-n", "2", "--basetemp", str(pytester.path / "tmp"),
        "--devops-report", "r.json", "-p", "no:pytest11.testinfra", "-p", "no:benchmark",
    )
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*2 resource changes exceed rules.max_changes (1)*"])
    result.stdout.fnmatch_lines(["E  * assert '***' == 'wrong'"])
    report = (pytester.path / "r.json").read_text()
    assert token not in result.stdout.str() + result.stderr.str() + report
    # Planned once, recorded beside the config as `pytest-devops terraform plan` does.
    folder = pytester.path / ".devops" / "plans" / "ci"
    assert {p.name for p in folder.iterdir()} - {"tf-data", "terraform.lock"} == {
        "plan.json", "record.json", "tfplan"}
    assert (folder / "plan.json").stat().st_mode & 0o077 == 0
    assert token not in (folder / "plan.json").read_text() + (folder / "record.json").read_text()
