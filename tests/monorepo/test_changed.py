"""``pytest-devops changed``: the roots a change affects, in real git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from monorepo_repo import commit, git, make_repo

from pytest_devops.cli import main
from pytest_devops.monorepo.hcl import module_calls
from pytest_devops.monorepo.roots import dependencies, discover


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_repo(tmp_path)


def changed(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(["changed", *args]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def roots(matrix: Any) -> list[str]:
    return [row["root"] for row in matrix["include"]]


def test_change_to_one_root_runs_only_it(repo: Path, capsys: Any) -> None:
    commit(repo, {"stacks/app/main.tf": "# edited\n" + (repo / "stacks/app/main.tf").read_text()})
    assert changed(capsys, "--base", "main") == {"include": [
        {"root": "stacks/app", "name": "stacks-app", "config": "devops.yaml", "gates": "."},
    ]}


def test_change_to_a_shared_module_runs_every_caller(repo: Path, capsys: Any) -> None:
    commit(repo, {"modules/leaf/main.tf": 'output "name" {\n  value = "moon"\n}\n'})
    assert roots(changed(capsys, "--base", "main")) == ["stacks/app", "stacks/net"]


def test_unrelated_change_runs_nothing_and_config_change_runs_all(
    repo: Path, capsys: Any
) -> None:
    commit(repo, {"README.md": "docs only\n"})
    assert changed(capsys, "--base", "main") == {"include": []}
    commit(repo, {"devops.yaml": "roots:\n  - stacks/*\n# comment\n"})
    assert roots(changed(capsys, "--base", "main")) == ["stacks/app", "stacks/net", "stacks/solo"]


def test_deleting_a_module_file_and_commits_on_main_since(repo: Path, capsys: Any) -> None:
    git(repo, "checkout", "-q", "main")
    commit(repo, {"stacks/solo/extra.tf": "# on main, not part of the change\n"})
    git(repo, "checkout", "-q", "change")
    commit(repo, {"modules/shared/main.tf": None})
    # only what the branch changed since the merge base counts
    assert roots(changed(capsys, "--base", "main")) == ["stacks/app", "stacks/net"]


def test_env_rows_and_github_output(repo: Path, capsys: Any, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "devops.yaml").write_text(
        "roots:\n  - path: stacks/app\n    name: app\n    environments: [staging]\n"
        "  - stacks/net\n"
    )
    (repo / "stacks/net/devops.yaml").write_text("environments: {staging: {}}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "configs")
    out = tmp_path / "gh_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    matrix = changed(capsys, "--all", "--env", "staging", "--env", "production",
                     "--github-output")
    assert matrix["include"] == [
        {"root": "stacks/app", "name": "app", "config": "devops.yaml", "gates": ".",
         "environments": ["staging"], "environment": "staging"},
        {"root": "stacks/net", "name": "stacks-net", "config": "stacks/net/devops.yaml",
         "gates": "stacks/net", "environment": "staging"},
        {"root": "stacks/net", "name": "stacks-net", "config": "stacks/net/devops.yaml",
         "gates": "stacks/net", "environment": "production"},
    ]
    lines = out.read_text().splitlines()
    assert lines[1:] == ['roots=["stacks/app","stacks/net"]', "count=3"]
    assert json.loads(lines[0].removeprefix("matrix=")) == matrix


def test_discovery_without_a_roots_list(tmp_path: Path, capsys: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path, devops=None)
    monkeypatch.chdir(repo / "stacks")  # from anywhere in the repository
    assert discover(repo) == ["stacks/app", "stacks/net", "stacks/solo"]
    commit(repo, {"modules/shared/vars.tf": 'variable "x" {\n  default = 1\n}\n'})
    assert main(["changed", "--base", "main", "--format", "text"]) == 0
    assert capsys.readouterr().out == "stacks/app\nstacks/net\n"


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_module_graph_agrees_with_terraform_get(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Terraform itself resolves the local calls (``terraform get``, offline for local
    modules); the registry module is left out of the repository's directories."""
    for root in ("stacks/app", "stacks/net"):
        work = tmp_path_factory.mktemp("tf")
        shutil.copytree(repo, work, ignore=shutil.ignore_patterns(".git"), dirs_exist_ok=True)
        # terraform get would download the registry module: drop it for the check
        main_tf = work / root / "main.tf"
        main_tf.write_text(main_tf.read_text().split('module "vpc"')[0])
        env = {**os.environ, "TF_DATA_DIR": str(work / "data"), "TF_IN_AUTOMATION": "1"}
        subprocess.run(["terraform", "get"], cwd=work / root, env=env, check=True,
                       capture_output=True, timeout=120)
        doc = json.loads((work / "data/modules/modules.json").read_text())
        dirs = sorted({
            (work / root / m["Dir"]).resolve().relative_to(work.resolve()).as_posix()
            for m in doc["Modules"] if m["Key"]
        })
        assert dirs == ["modules/leaf", "modules/shared"]
        assert list(dependencies(repo / root, repo)) == dirs


def test_corpus_hcl_has_no_module_calls_though_it_says_source(corpus: Path) -> None:
    """Real HCL with ``source =`` in resources and required_providers: not module calls."""
    found = {d.name: module_calls(d) for d in sorted((corpus / "tf").iterdir()) if d.is_dir()}
    assert len(found) == 17
    assert {name: calls for name, calls in found.items() if calls} == {}


@pytest.mark.parametrize(("devops", "expected"), [
    ("roots:\n  - stacks/none*\n",
     "devops.yaml:2: roots[0].path: 'stacks/none*' matches no directory with .tf files"),
    ("roots:\n  - ../elsewhere\n", "roots[0].path: '../elsewhere' is outside the repository"),
    ("roots: stacks\n", "roots: expected a list of paths or {path, name, environments}"),
    ("roots:\n  - {path: stacks/app, nme: x}\n", "roots[0]: unknown key 'nme'"),
    ("roots:\n  - {path: 'stacks/*', name: all}\n",
     "roots[0].name: `name` needs a path that matches one directory"),
])
def test_bad_roots_are_one_line_exit_2(repo: Path, capsys: Any, devops: str,
                                       expected: str) -> None:
    (repo / "devops.yaml").write_text(devops)
    assert main(["changed", "--all"]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert len(err.strip().splitlines()) <= 2
    assert "Traceback" not in err


def test_unknown_base_says_to_fetch(repo: Path, capsys: Any) -> None:
    assert main(["changed", "--base", "origin/nope"]) == 2
    assert capsys.readouterr().err == (
        "pytest-devops changed: error: 'origin/nope' is not a commit here; fetch it first "
        "(actions/checkout with fetch-depth: 0, or git fetch origin BRANCH)\n"
    )
