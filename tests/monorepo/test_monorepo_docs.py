"""The console examples of docs/monorepo.md, run for real."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from monorepo_repo import commit, git, make_repo

DOC = Path(__file__).resolve().parents[2] / "docs" / "monorepo.md"


def sessions() -> list[list[tuple[str, str]]]:
    """Each console block as (command, expected output) pairs."""
    out = []
    for block in re.findall(r"(?ms)^```console\n(.*?)^```", DOC.read_text()):
        pairs: list[tuple[str, str]] = []
        for line in block.splitlines(keepends=True):
            if line.startswith("$ "):
                pairs.append((line[2:].strip(), ""))
            else:
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + line)
        out.append(pairs)
    return out


def run(command: str, cwd: Path) -> str:
    argv = shlex.split(command)
    if argv[0] == "pytest-devops":
        argv = [sys.executable, "-m", "pytest_devops", *argv[1:]]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_roots_example_is_what_changed_reads(tmp_path: Path) -> None:
    import yaml

    from pytest_devops.monorepo.roots import load_roots

    (example,) = re.findall(r"(?ms)^```yaml\n(roots:.*?)^```", DOC.read_text())
    repo = make_repo(tmp_path)
    (repo / "legacy/billing").mkdir(parents=True)
    (repo / "legacy/billing/main.tf").write_text("")
    (repo / "devops.yaml").write_text(example)
    got = [(r.path, r.name, r.environments) for r in
           load_roots(yaml.safe_load(example), repo / "devops.yaml", repo)]
    assert got == [("stacks/app", "stacks-app", ()), ("stacks/net", "stacks-net", ()),
                   ("stacks/solo", "stacks-solo", ()),
                   ("legacy/billing", "billing", ("production",))]


def test_changed_session(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    commit(repo, {"modules/shared/main.tf": "# shared\n"})
    (session,) = [s for s in sessions() if s[0][0].startswith("git diff")]
    for command, expected in session:
        assert run(command, repo) == expected, command
    assert git(repo, "status", "--porcelain") == ""


def test_diff_session(corpus: Path, tmp_path: Path) -> None:
    shutil.copy(corpus / "plans/terraform__showjson_requires_replace.json",
                tmp_path / "plan.json")
    (session,) = [s for s in sessions() if s[0][0].startswith("pytest-devops diff")]
    for command, expected in session:
        assert run(command, tmp_path) == expected, command


@pytest.mark.parametrize("name", ["changed", "diff"])
def test_commands_are_documented(name: str) -> None:
    assert f"pytest-devops {name}" in DOC.read_text()
