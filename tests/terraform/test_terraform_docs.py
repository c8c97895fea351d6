"""Every console example of the Terraform docs runs as written, against a copy of
``examples/terraform``: the commands, and the lines they print."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tfproject import EXAMPLE, ROOT, TERRAFORM, files_holding

from pytest_devops.config import load_document, resolve

BIN = Path(sys.executable).parent


def console_blocks(path: Path) -> list[str]:
    return re.findall(r"```console\n(.*?)```", path.read_text("utf-8"), re.S)


def steps(block: str) -> list[tuple[str, list[str]]]:
    """``(command, expected output lines)`` per ``$ `` line."""
    out: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line)
    return out


def pattern(line: str) -> str:
    return line.replace("[", "[[]").replace("...", "*")


def run_block(block: str, cwd: Path) -> tuple[str, str]:
    """Run each command as a user would; check its output lines, in order. Returns
    everything printed."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "TF_CLI_CONFIG_FILE": "/dev/null"}
    env.pop("PYTEST_DEVOPS_PLAN", None)
    printed = ""
    secret = ""
    for command, expected in steps(block):
        words = shlex.split(command, comments=True)
        if words[0] == "cd":
            cwd = cwd / words[1]
            continue
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            env[name] = secret = value
            continue
        done = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True,  # noqa: S602 - the documented command, as written
                              text=True, timeout=600, check=False)
        printed += done.stdout + done.stderr
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        lines = done.stdout.splitlines()
        at = 0
        for want in expected:
            if want == "...":
                continue
            while at < len(lines) and not fnmatch.fnmatchcase(lines[at], pattern(want)):
                at += 1
            assert at < len(lines), f"{command}: no line {want!r} in order in\n{done.stdout}"
            at += 1
    assert secret
    assert secret not in printed
    assert [f for f in files_holding(cwd, secret) if f != "README.md"] == []  # it shows it
    return printed, secret


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    if TERRAFORM is None:
        pytest.skip("terraform is not on PATH")
    dest = tmp_path / "examples" / "terraform"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".devops", ".state",
                                                                 ".terraform", "__pycache__"))
    return tmp_path


def test_the_readme_front_page_lifecycle_runs(copy: Path) -> None:
    [block] = [b for b in console_blocks(ROOT / "README.md") if "terraform plan" in b]
    run_block(block, copy)


@pytest.mark.parametrize("index", [0, 1])
def test_the_example_readme_runs(copy: Path, index: int) -> None:
    block = console_blocks(EXAMPLE / "README.md")[index]
    if index == 1:  # the ephemeral block needs the secret too
        block = "$ export EXAMPLE_API_TOKEN='another secret value'\n" + block
    run_block(block, copy / "examples" / "terraform")


def test_the_docs_lifecycle_and_errors_are_what_the_code_prints(copy: Path) -> None:
    doc = ROOT / "docs" / "terraform.md"
    lifecycle = console_blocks(doc)[0]
    run_block("$ export EXAMPLE_API_TOKEN='doc secret value'\n" + lifecycle,
              copy / "examples" / "terraform")


def test_the_docs_config_is_valid(tmp_path: Path) -> None:
    doc = ROOT / "docs" / "terraform.md"
    yaml_block = re.findall(r"```yaml\n(.*?)```", doc.read_text("utf-8"), re.S)[0]
    config = tmp_path / "devops.yaml"
    config.write_text(yaml_block)
    from pytest_devops.terraform.settings import check_environment

    settings = check_environment(resolve(load_document(config), "dev", config, environ={}))
    assert settings.secret_vars == {"api_token": "API_TOKEN"}
    assert settings.backend_config == ("path=../.state/terraform.tfstate",
                                       "workspace_dir=../.state")


def test_the_docs_postdeploy_example_passes_on_the_applied_example(copy: Path) -> None:
    doc = (ROOT / "docs" / "terraform.md").read_text("utf-8")
    [python] = re.findall(r"```python\n(.*?)```", doc, re.S)
    project = copy / "examples" / "terraform"
    (project / "tests" / "test_from_docs.py").write_text(python)
    block = ("$ export EXAMPLE_API_TOKEN='docs secret value'\n"
             "$ pytest-devops terraform plan --env dev\n"
             "$ pytest-devops terraform apply --env dev\n"
             "$ pytest --devops-env dev --devops-stage apply -k from_docs\n"
             "...\npostdeploy  1 passed\noutcome: pass\n")
    run_block(block, project)


def test_the_docs_ephemeral_config_is_valid(tmp_path: Path) -> None:
    from pytest_devops.terraform.settings import check_environment

    doc = (ROOT / "docs" / "terraform.md").read_text("utf-8")
    config = tmp_path / "devops.yaml"
    config.write_text(re.findall(r"```yaml\n(.*?)```", doc, re.S)[1])
    env = resolve(load_document(config), "preview", config, environ={})
    assert check_environment(env).workspace == "preview"
    assert env.section("ephemeral") == {"teardown": "always"}
