"""The lifecycle through the plugin, with the real Terraform CLI: plan -> gates -> apply
of the recorded plan -> post-deploy gates on outputs -> destroy; ephemeral environments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tfproject import SECRET, files_holding, logging_terraform, run_pytest, set_binary

from pytest_devops.cli import main


def test_plan_gates_apply_postdeploy_destroy(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    planned = run_pytest(project, "--devops-env", "dev", "--devops-stage", "plan",
                         "--devops-report", "plan.json")
    assert planned.returncode == 0, planned.stdout
    lines = planned.stdout.splitlines()
    folder = project / ".devops" / "plans" / "dev"
    assert f"devops plan: made from terraform.working_dir {project / 'infra'}, recorded in " \
        f"{folder}" in lines
    assert any(ln.endswith("] terraform plan: started in " + str(project / "infra"))
               for ln in lines)
    report = json.loads((project / "plan.json").read_text())
    assert [(g["nodeid"], g["outcome"]) for g in report["gates"]] == [
        ("devops.yaml::terraform.test", "pass"),
        ("devops.yaml::plan.allowed_resource_types", "pass"),
        ("devops.yaml::plan.max_changes", "pass"),
        ("tests/test_site.py::test_the_plan_only_creates", "pass"),
    ]
    assert report["terraform_test"] == [{
        "file": "tests/site.tftest.hcl", "name": "url_names_the_workspace_and_site",
        "outcome": "pass", "message": "", "detail": ""}]
    record = json.loads((folder / "record.json").read_text())
    assert report["plan"]["digest"] == record["digest"]

    # Gating again reuses the recorded plan: Terraform does not plan again.
    again = run_pytest(project, "--devops-env", "dev", "--devops-stage", "plan")
    assert again.returncode == 0
    assert "terraform plan: started" not in again.stdout

    # Apply exactly what was gated.
    assert main(["terraform", "apply", "--env", "dev", "--digest", record["digest"]]) == 0
    verified = run_pytest(project, "--devops-env", "dev", "--devops-stage", "apply",
                          "--devops-report", "apply.json")
    assert verified.returncode == 0, verified.stdout
    applied = json.loads((project / "apply.json").read_text())
    assert [(g["nodeid"], g["outcome"]) for g in applied["gates"]] == [
        ("tests/test_site.py::test_the_site_url_names_the_environment", "pass"),
        ("tests/test_site.py::test_staging_runs_two_replicas", "pass"),
    ]
    assert main(["terraform", "destroy", "--env", "dev"]) == 0
    out, err = capsys.readouterr()
    for text in (planned.stdout, planned.stderr, again.stdout, verified.stdout,
                 verified.stderr, out, err):
        assert SECRET not in text
    assert files_holding(project, SECRET) == []


def test_a_changed_plan_is_refused_at_apply_after_the_plugin_gated_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_pytest(project, "--devops-env", "dev", "--devops-stage", "plan").returncode == 0
    gated = json.loads((project / ".devops/plans/dev/record.json").read_text())["digest"]
    # Someone plans again with other inputs after the review: the digest moves on.
    tfvars = project / "infra" / "env" / "dev.tfvars"
    tfvars.write_text(tfvars.read_text().replace("replicas  = 1", "replicas  = 3"))
    assert main(["terraform", "plan", "--env", "dev"]) == 0
    capsys.readouterr()
    assert main(["terraform", "apply", "--env", "dev", "--digest", gated]) == 2
    err = capsys.readouterr().err
    assert f"refusing to apply {project}/.devops/plans/dev/tfplan: changed plan: the " \
        f"recorded plan has digest sha256:" in err
    assert f", not {gated}" in err


def test_ephemeral_applies_once_under_xdist_and_destroys(project: Path) -> None:
    pytest.importorskip("xdist")
    wrapper = logging_terraform(project)
    set_binary(project, wrapper)
    result = run_pytest(project, "--devops-env", "preview", "-n", "2",
                        "--devops-report", "r.json")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = (project / "calls.log").read_text().split()
    assert (calls.count("plan"), calls.count("apply"), calls.count("destroy")) == (1, 1, 1)
    # The worker that applied said so while it ran (its stderr is the run's).
    assert sum("] tf-logged apply: started in" in ln
               for ln in result.stderr.splitlines()) == 1
    assert "devops terraform: destroyed " + str(project / "infra") + " workspace preview" \
        in result.stdout
    report = json.loads((project / "r.json").read_text())
    assert report["teardown"] == f"destroyed {project / 'infra'} workspace preview"
    assert {g["outcome"] for g in report["gates"]} == {"pass"}
    assert len(report["gates"]) == 6
    state = json.loads((project / ".state/preview/terraform.tfstate").read_text())
    assert state["resources"] == []
    assert SECRET not in result.stdout + result.stderr
    assert files_holding(project, SECRET) == []


@pytest.mark.parametrize(("policy", "fails", "kept"), [
    ("on_success", True, True), ("on_success", False, False), ("never", False, True)])
def test_teardown_policy(project: Path, policy: str, fails: bool, kept: bool) -> None:
    text = (project / "devops.yaml").read_text().replace("teardown: always",
                                                          f"teardown: {policy}")
    (project / "devops.yaml").write_text(text)
    if fails:
        (project / "tests" / "test_fails.py").write_text(
            "import pytest\n\n@pytest.mark.devops_postdeploy\ndef test_no(): assert False\n")
    result = run_pytest(project, "--devops-env", "preview", "-k", "site or no")
    assert result.returncode == (1 if fails else 0), result.stdout
    state = json.loads((project / ".state/preview/terraform.tfstate").read_text())
    assert bool(state["resources"]) is kept
    expected = (f"kept {project / 'infra'} workspace preview (teardown: {policy})" if kept
                else f"destroyed {project / 'infra'} workspace preview")
    assert f"devops terraform: {expected}" in result.stdout


def test_a_failed_destroy_is_an_error_naming_what_was_left(project: Path) -> None:
    set_binary(project, logging_terraform(project, fail_on="destroy"))
    result = run_pytest(project, "--devops-env", "preview", "-k", "site")
    assert result.returncode == 1, result.stdout
    line = next(ln for ln in result.stdout.splitlines() if "TEARDOWN FAILED" in ln)
    assert line == (
        f"devops terraform: TEARDOWN FAILED: destroying {project / 'infra'} workspace "
        "preview failed; left behind: module.site.terraform_data.site, "
        "terraform_data.token_check")


def test_protected_ephemeral_needs_confirmation(project: Path) -> None:
    text = (project / "devops.yaml").read_text().replace(
        "    description: applied by the test run itself, verified, destroyed at the end\n",
        "    description: applied by the test run itself, verified, destroyed at the end\n"
        "    protected: true\n")
    (project / "devops.yaml").write_text(text)
    refused = run_pytest(project, "--devops-env", "preview", "-k", "site_url")
    assert refused.returncode == 1
    assert "environment preview is protected: applying it in a test run needs " \
        "confirmation" in refused.stdout
    confirmed = run_pytest(project, "--devops-env", "preview", "-k", "site_url",
                           "--devops-confirm-apply", "preview")
    assert confirmed.returncode == 0, confirmed.stdout


def test_devops_plan_overrides_the_source_json_or_binary(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["terraform", "plan", "--env", "staging", "--dir", "ci"]) == 0
    capsys.readouterr()
    ci = project / "ci" / "staging"
    for given, origin in ((ci / "plan.json", "--devops-plan"), (ci / "tfplan", "--devops-plan"),
                          (ci / "tfplan", "PYTEST_DEVOPS_PLAN")):
        args = ["--devops-env", "dev", "--devops-stage", "plan", "-k", "plan_only",
                "-p", "no:randomly", "--devops-report", "r.json", "-s"]
        if origin == "PYTEST_DEVOPS_PLAN":
            monkeypatch.setenv("PYTEST_DEVOPS_PLAN", str(given))
        else:
            args += ["--devops-plan", str(given)]
        result = run_pytest(project, *args)
        assert result.returncode == 0, result.stdout
        read = "; a binary plan, read with terraform" if given.name == "tfplan" else ""
        assert f"devops plan: {given} (from {origin}{read})" in result.stdout.splitlines()
        report = json.loads((project / "r.json").read_text())
        # The staging plan (2 replicas) was gated, not a new dev plan.
        assert report["plan"]["digest"] == json.loads(
            (ci / "record.json").read_text())["digest"]
        assert not (project / ".devops/plans/dev/tfplan").exists()


def test_terraform_test_failure_is_a_plan_gate_failure(project: Path) -> None:
    (project / "infra" / "tests" / "more.tftest.hcl").write_text(
        'variables {\n  site_name = "shop"\n  api_token = "x"\n}\n'
        'run "two_replicas" {\n  command = plan\n  assert {\n'
        '    condition     = var.replicas == 2\n    error_message = "one replica only"\n'
        '  }\n}\n')
    result = run_pytest(project, "--devops-env", "dev", "--devops-stage", "plan",
                        "--devops-report", "r.json")
    assert result.returncode == 1
    report = json.loads((project / "r.json").read_text())
    gate = report["gates"][0]
    assert (gate["nodeid"], gate["kind"], gate["outcome"]) == (
        "devops.yaml::terraform.test", "plan", "fail")
    assert gate["findings"][0]["message"] == "1 of 1 assertions failed: one replica only"
    assert gate["findings"][0]["address"] == "run.two_replicas"
    assert sorted((r["name"], r["outcome"]) for r in report["terraform_test"]) == [
        ("two_replicas", "fail"), ("url_names_the_workspace_and_site", "pass")]


def test_a_failed_plan_names_its_cause_in_the_gate_summary(project: Path) -> None:
    (project / "infra" / "broken.tf").write_text('output "x" {\n  value = var.nope\n}\n')
    result = run_pytest(project, "--devops-env", "dev", "--devops-stage", "plan",
                        "-k", "max_changes")
    assert result.returncode == 1
    assert ("ERROR     devops.yaml::plan.max_changes: terraform plan failed (configuration, "
            "exit code 1): Reference to undeclared input variable") in result.stdout.splitlines()
    assert 'An input variable with the name "nope" has not been declared.' in result.stdout
