"""Budget gates and the ``devops_cost`` fixture through pytester."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from costplans import plan_doc, res

CONFIG = """
environments:
  staging:
    terraform:
      plan_file: plan.json
    cost:
      usage_file: infracost-usage.yml
      budget:
        monthly_max: 1000
        monthly_increase_max: "2000.00"
        resource_max: 700
  strict:
    terraform:
      plan_file: queue.json
    cost:
      fail_on_unpriced: true
      budget:
        monthly_max: 100
  broken:
    extends: staging
    cost:
      usage_file: missing.yml
"""

USER_TESTS = """
import pytest
from pytest_devops import CostEstimate

@pytest.mark.devops_cost
def test_lambda_stays_cheap(devops_cost: CostEstimate):
    assert devops_cost.resource("aws_lambda_function.hello_world").monthly_after < 500

@pytest.mark.devops_cost
def test_everything_priced(devops_cost: CostEstimate):
    assert [u.address for u in devops_cost.unpriced] == []
"""


@pytest.fixture
def project(pytester: pytest.Pytester, corpus: Path) -> pytest.Pytester:
    pytester.makefile(".yaml", devops=CONFIG)
    shutil.copy(corpus / "plans/infracost__example_plan.json", pytester.path / "plan.json")
    shutil.copy(corpus / "expected/infracost__example_usage.yml",
                pytester.path / "infracost-usage.yml")
    queue = plan_doc([res("aws_nat_gateway.nat", {"subnet_id": "s"}),
                      res("aws_sqs_queue.jobs", {"name": "jobs"})])
    (pytester.path / "queue.json").write_text(json.dumps(queue))
    return pytester


def test_budget_gates_fail_with_the_breakdown(project: pytest.Pytester) -> None:
    project.makepyfile(test_user=USER_TESTS)
    result = project.runpytest("--devops-env", "staging", "--devops-stage", "plan",
                               "--devops-report", "r.json", "-rA")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        "*_ cost gate cost.monthly_max _*",
        "cost.monthly_max: monthly cost after the plan $1,361.31 exceeds the budget $1,000.00 "
        "by $361.31",
        "monthly cost $0.00 -> $1,361.31 (+$1,361.31)",
        "what drives it:",
        "      +$560.64  aws_instance.web_app: Instance usage (Linux/UNIX, on-demand, m5.4xlarge)",
        "      +$416.67  aws_lambda_function.hello_world: Duration (first 6B)",
        "*_ cost gate cost.resource_max _*",
        "cost.resource_max: 1 resource(s) cost more than $700.00 a month after the plan",
    ])
    result.stdout.fnmatch_lines(["devops cost: $0.00 -> $1,361.31 a month (+$1,361.31)"])
    result.stdout.no_fnmatch_line("warning: * not priced*")
    report = json.loads((project.path / "r.json").read_text())
    gates = {g["nodeid"]: g for g in report["gates"]}
    assert {k: g["outcome"] for k, g in gates.items()} == {
        "devops.yaml::cost.monthly_max": "fail",
        "devops.yaml::cost.monthly_increase_max": "pass",
        "devops.yaml::cost.resource_max": "fail",
        "test_user.py::test_lambda_stays_cheap": "pass",
        "test_user.py::test_everything_priced": "pass",
    }
    assert gates["devops.yaml::cost.resource_max"]["findings"] == [{
        "rule": "cost.resource_max", "message": "$742.64/month",
        "address": "aws_instance.web_app", "severity": "high",
    }]
    assert gates["devops.yaml::cost.monthly_max"]["kind"] == "cost"
    assert report["cost"]["monthly_after"] == "1361.31"
    assert report["cost"]["unpriced"] == []


def test_unpriced_resources_are_named_and_can_fail_the_run(project: pytest.Pytester) -> None:
    result = project.runpytest("--devops-env", "strict", "-rA")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "cost.unpriced: 1 resource(s) could not be priced; the budget cannot vouch for them*",
        "  - cost.unpriced aws_sqs_queue.jobs: aws_sqs_queue is not covered by the cost engine",
        "devops cost: $0.00 -> $32.85 a month (+$32.85)",
        "warning: 1 resource(s) not priced, not counted in the totals:",
        "  ? aws_sqs_queue.jobs: aws_sqs_queue is not covered by the cost engine",
        "PASSED devops.yaml::cost.monthly_max",
        "FAILED devops.yaml::cost.unpriced - cost.unpriced: 1 resource(s) could not be*",
    ])


def test_a_missing_usage_file_is_a_usage_error(project: pytest.Pytester) -> None:
    """Settings are checked at configure time: the run stops before any gate, naming
    the file, the line and the key."""
    result = project.runpytest("--devops-env", "broken", "--devops-report", "r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        f"ERROR: {project.path / 'devops.yaml'}:21: environments.broken.cost.usage_file: "
        f"usage file {project.path / 'missing.yml'} not found",
        "  hint: create it (Infracost usage-file format) or remove the key",
    ])
    assert "Traceback" not in result.stderr.str()


def test_an_estimate_that_cannot_be_made_is_an_error(project: pytest.Pytester) -> None:
    (project.path / "plan.json").write_text("{not json")
    result = project.runpytest("--devops-env", "staging", "--devops-report", "r.json")
    assert result.ret == 1
    report = json.loads((project.path / "r.json").read_text())
    outcomes = {g["nodeid"]: g["outcome"] for g in report["gates"]}
    assert set(outcomes.values()) == {"error"}
    assert len(outcomes) == 3
    message = report["gates"][0]["message"]
    assert message.startswith(f"{project.path / 'plan.json'}: invalid JSON at line 1")


def test_under_xdist_the_report_still_has_the_estimate(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--devops-env", "staging", "-n", "1",
                                          "--devops-report", "r.json")
    result.assert_outcomes(passed=1, failed=2)
    report = json.loads((project.path / "r.json").read_text())
    assert report["cost"]["monthly_after"] == "1361.31"
    result.stdout.fnmatch_lines(["devops cost: $0.00 -> $1,361.31 a month (+$1,361.31)"])
