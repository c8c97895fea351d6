"""The terraform: section: parsing, what schema --check and a run reject, version
constraints, progress lines of a slow step."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tfproject import logging_terraform, run_pytest, set_binary

from pytest_devops.cli import main
from pytest_devops.config import resolve
from pytest_devops.errors import GateError
from pytest_devops.terraform.settings import parse, version_allows


@pytest.mark.parametrize(("constraint", "version", "ok"), [
    (">= 1.6, < 2.0", "1.11.4", True), (">= 1.6, < 2.0", "2.0.0", False),
    ("~> 1.11", "1.12.0", True), ("~> 1.11", "2.0.0", False), ("~> 1.11.2", "1.11.9", True),
    ("~> 1.11.2", "1.12.0", False), ("= 1.9.5", "1.9.5", True), ("!= 1.9.5", "1.9.5", False),
    ("1.10", "1.10.0", True), ("> 1.5", "v1.5.1", True), ("<= 1.5", "1.5.0-beta1", True),
])
def test_version_constraints(constraint: str, version: str, ok: bool) -> None:
    assert version_allows(constraint, version) is ok


def test_the_section_parses_with_paths_from_the_config_file(tmp_path: Path) -> None:
    doc = {"environments": {"ci": {"terraform": {
        "working_dir": "infra", "plan_file": "", "binary": "bin/tofu", "version": "~> 1.8",
        "backend_config": ["key=envs/ci.tfstate", "backend/ci.hcl"],
        "var_files": ["ci.tfvars"], "env_vars": {"region": "AWS_REGION"},
        "secret_vars": {"token": "CI_TOKEN"}, "plan_args": ["-refresh=false"],
    }}}}
    settings = parse(resolve(doc, "ci", tmp_path / "devops.yaml"))
    assert settings.plan_file is None  # empty: make the plan
    assert (settings.working_dir, settings.binary) == (tmp_path / "infra",
                                                       str(tmp_path / "bin/tofu"))
    assert settings.backend_config == ("key=envs/ci.tfstate", str(tmp_path / "backend/ci.hcl"))
    assert settings.var_files == (tmp_path / "ci.tfvars",)
    environ = {"AWS_REGION": "eu-west-1", "CI_TOKEN": "s3cr3t-value"}
    assert settings.variables_env(environ) == {"TF_VAR_region": "eu-west-1",
                                               "TF_VAR_token": "s3cr3t-value"}
    assert settings.secrets(environ) == ["s3cr3t-value"]
    with pytest.raises(GateError, match=r"^terraform.secret_vars.token: environment variable "
                       r"CI_TOKEN is not set\n"):
        settings.variables_env({"AWS_REGION": "x"})
    assert parse(resolve({"environments": {"x": {"terraform": {"binary": "tofu"}}}}, "x",
                         tmp_path / "devops.yaml")).binary == "tofu"


BAD = {
    "ephemeral with nothing to apply": (
        "ephemeral: {}\n", "environments.eph.ephemeral",
        "an ephemeral environment needs something to apply"),
    "version constraint": (
        "terraform:\n  working_dir: infra\n  version: 'newest'\n",
        "environments.eph.terraform.version", "cannot read version constraint 'newest'"),
    "a variable twice": (
        "terraform:\n  working_dir: infra\n  vars: {a: 1}\n  secret_vars: {a: A}\n",
        "environments.eph.terraform", "variable 'a' is given twice"),
    "test without a root": (
        "terraform:\n  plan_file: plan.json\n  test: true\n",
        "environments.eph.terraform.test", "terraform.test needs terraform.working_dir"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_schema_check_rejects_what_the_run_rejects(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    pytester: pytest.Pytester,
) -> None:
    body, key, message = BAD[case]
    text = "environments:\n  eph:\n" + textwrap.indent(body, "    ")
    (tmp_path / "devops.yaml").write_text(text)
    assert main(["schema", "--check", str(tmp_path / "devops.yaml")]) == 2
    err = capsys.readouterr().err
    assert key in err
    assert message in err
    pytester.makefile(".yaml", devops=text)
    result = pytester.runpytest("--devops-env", "eph")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_the_example_passes_schema_check(capsys: pytest.CaptureFixture[str]) -> None:
    from tfproject import EXAMPLE

    assert main(["schema", "--check", str(EXAMPLE / "devops.yaml")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{EXAMPLE / 'devops.yaml'}: environment {name}: ok"
        for name in ("dev", "preview", "staging")]


def test_a_slow_step_prints_progress_while_it_runs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_binary(project, logging_terraform(project, sleep=2.5), "      progress_interval: 1\n")
    assert main(["terraform", "plan", "--env", "dev"]) == 0
    err = capsys.readouterr().err.splitlines()
    init = [ln.split("] ", 1)[1] for ln in err if "terraform init" in ln or "tf-logged init" in ln]
    assert init[0] == f"tf-logged init: started in {project / 'infra'}"
    assert init[1:3] == ["tf-logged init: running for 1s", "tf-logged init: running for 2s"]
    assert init[-1].startswith("tf-logged init: done in 2.")


def test_the_binary_path_and_its_version_show_in_pytest(project: Path) -> None:
    wrapper = logging_terraform(project)
    set_binary(project, wrapper)
    result = run_pytest(project, "--devops-env", "dev", "--devops-stage", "plan", "-k", "plan")
    assert result.returncode == 0, result.stdout
    import json
    import subprocess

    from tfproject import TERRAFORM

    assert TERRAFORM is not None
    version = json.loads(subprocess.run([TERRAFORM, "version", "-json"], capture_output=True,
                                        text=True, check=True).stdout)["terraform_version"]
    assert any(ln.endswith(f"] tf-logged {version} ({wrapper})")
               for ln in result.stdout.splitlines())
