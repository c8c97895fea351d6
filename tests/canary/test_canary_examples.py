"""The canary on the repository's example projects: every configured built-in gate is
killed by a mutant; a user gate that checks nothing is named."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from example_runs import clean_env, have_checkov

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "plan"))
from planbuilder import SECRETS  # noqa: E402


def _canary(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest_devops", "canary", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "canary", tmp_path / "canary")
    return tmp_path / "canary"


def test_canary_example_names_the_vacuous_gate(example: Path) -> None:
    security = have_checkov()
    proc = _canary(example, "--env", "staging",
                   env=clean_env(EXAMPLE_SECURITY="true" if security else "false"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    expected = [
        "canary: environment staging, 8 mutants (replace, untag, instance-type, region, "
        "resource-type, changes, cost, public)",
        "KILLED    devops.yaml::cost.monthly_max: by cost",
        "KILLED    devops.yaml::plan.no_destroy: by replace",
        "KILLED    devops.yaml::plan.required_tags: by untag, resource-type",
        "KILLED    devops.yaml::plan.allowed_instance_types: by instance-type",
        "KILLED    devops.yaml::plan.allowed_regions: by region",
        "KILLED    devops.yaml::plan.max_changes: by changes, cost",
        *(["KILLED    devops.yaml::checkov: by public"] if security else []),
        "KILLED    tests/test_gates.py::test_web_instances_are_burstable: by instance-type",
        "SURVIVED  tests/test_gates.py::test_functions_time_out_within_a_minute: passed every "
        "mutant: a gate that cannot fail (vacuous)",
        "outcome: fail",
    ]
    assert lines == expected
    if security:  # docs/canary.md shows exactly this
        doc = (ROOT / "docs" / "canary.md").read_text()
        shown = re.findall(r"```text\n(.*?)```", doc, re.DOTALL)[0]
        assert shown.splitlines() == expected


def test_devops_canary_option_fails_the_run_and_reports(example: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--devops-env=staging", "--devops-stage=plan",
         "--devops-canary", "--devops-report=gates.json", "-q", "-p", "no:randomly"],
        cwd=example, env=clean_env(EXAMPLE_SECURITY="false"), capture_output=True, text=True,
        timeout=600, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "SURVIVED  tests/test_gates.py::test_functions_time_out_within_a_minute" in proc.stdout
    report = json.loads((example / "gates.json").read_text())
    assert report["outcome"] == "fail"  # every gate passed; the canary failed the run
    assert report["totals"]["fail"] == 0
    verdicts = {g["nodeid"]: g["verdict"] for g in report["canary"]["gates"]}
    assert verdicts["tests/test_gates.py::test_functions_time_out_within_a_minute"] == "survived"
    assert sorted(n for n, v in verdicts.items() if v == "killed") == [
        "devops.yaml::cost.monthly_max", "devops.yaml::plan.allowed_instance_types",
        "devops.yaml::plan.allowed_regions", "devops.yaml::plan.max_changes",
        "devops.yaml::plan.no_destroy", "devops.yaml::plan.required_tags",
        "tests/test_gates.py::test_web_instances_are_burstable",
    ]


def test_secrets_of_the_plan_never_appear(example: Path) -> None:
    plan = json.loads((example / "plan.json").read_text())
    secret = SECRETS["db_password"] + '"\\quoted\\" ' + "x" * 300
    plan["resource_changes"][0]["change"]["after"]["user_data"] = secret
    plan["resource_changes"][0]["change"]["after_sensitive"] = {"user_data": True}
    (example / "plan.json").write_text(json.dumps(plan))
    proc = _canary(example, "--env", "staging", "--format", "json",
                   env=clean_env(EXAMPLE_SECURITY="false"))
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["outcome"] == "fail"
    for text in (proc.stdout, proc.stderr):
        assert SECRETS["db_password"] not in text
        assert "x" * 40 not in text


def test_demo_every_builtin_gate_is_killed(tmp_path: Path) -> None:
    security = have_checkov()
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo)
    proc = _canary(demo, "--env", "local", "--format", "json", env=clean_env(
        DEMO_SERVICE_URL="http://127.0.0.1:9/health",
        DEMO_SECURITY="true" if security else "false"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    builtins = {g["nodeid"]: g["killed_by"] for g in result["gates"]
                if g["nodeid"].startswith("devops.yaml::")}
    assert builtins == {
        "devops.yaml::cost.monthly_max": ["cost"],
        "devops.yaml::plan.no_destroy": ["replace"],
        "devops.yaml::plan.allowed_instance_types": ["instance-type"],
        "devops.yaml::plan.max_changes": ["changes", "cost"],
        **({"devops.yaml::checkov": ["public"]} if security else {}),
    }
    assert {g["verdict"] for g in result["gates"]} == {"killed"}


def test_terraform_example_every_builtin_gate_is_killed(tmp_path: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform not on PATH")
    project = tmp_path / "terraform"
    shutil.copytree(ROOT / "examples" / "terraform", project)
    token = 'tok-"quoted"\\back\\slash-' + "z" * 48
    proc = _canary(project, "--env", "staging", env=clean_env(EXAMPLE_API_TOKEN=token))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "canary: environment staging, 8 mutants (replace, untag, instance-type, region, "
        "resource-type, changes, cost, terraform-test)",
        "KILLED    devops.yaml::terraform.test: by terraform-test",
        "KILLED    devops.yaml::plan.no_destroy: by replace",
        "KILLED    devops.yaml::plan.allowed_resource_types: by untag, instance-type, "
        "resource-type, cost",
        "KILLED    devops.yaml::plan.max_changes: by changes, cost",
        "KILLED    tests/test_site.py::test_the_plan_only_creates: by replace",
        "outcome: pass",
    ]
    assert "z" * 20 not in proc.stdout + proc.stderr
