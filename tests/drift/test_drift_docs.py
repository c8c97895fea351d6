"""docs/drift.md and the drift parts of docs/actions.md, run and compared for real."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "drift.md"


def test_dry_run_example(corpus: Path, tmp_path: Path) -> None:
    (block,) = re.findall(r"(?ms)^````console\n(.*?)^````", DOC.read_text())
    command, _, expected = block.partition("\n")
    shutil.copy(corpus / "plans/terraform__showjson_moved.json", tmp_path / "plan.json")
    argv = command.removeprefix("$ pytest-devops ").split()
    env = {"PATH": "/usr/bin:/bin"}  # no GITHUB_* from the machine running the tests
    done = subprocess.run([sys.executable, "-m", "pytest_devops", *argv], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1  # drift
    assert done.stdout == expected


def test_actions_md_shows_the_starter_template() -> None:
    blocks = re.findall(r"(?ms)^```yaml\n(.*?)^```", (ROOT / "docs/actions.md").read_text())
    (shown,) = [b for b in blocks if "workflows/drift.yml@v1" in b]
    template = ROOT / "workflow-templates" / "pytest-devops-drift.yml"
    assert yaml.safe_load(shown) == yaml.safe_load(template.read_text())
