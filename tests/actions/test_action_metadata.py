"""The house style of every composite action, checked on the files themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = sorted(ROOT.glob("actions/*/action.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@pytest.fixture(params=ACTIONS, ids=lambda p: p.parent.name)
def action(request: pytest.FixtureRequest) -> tuple[Path, dict[str, object], str]:
    path: Path = request.param
    text = path.read_text(encoding="utf-8")
    return path, yaml.safe_load(text), text


def test_inputs_and_outputs_are_declared_fully(action: tuple[Path, dict, str]) -> None:
    _, meta, _ = action
    assert meta["runs"]["using"] == "composite"
    for name, spec in meta["inputs"].items():
        assert KEBAB.match(name), name
        assert spec.get("description"), name
        assert "default" in spec, name
        assert spec.get("required", False) is False, name
    for name, spec in meta["outputs"].items():
        assert KEBAB.match(name), name
        assert spec.get("description"), name
        assert str(spec["value"]).startswith("${{ steps."), name


def test_run_steps_take_inputs_only_through_env(action: tuple[Path, dict, str]) -> None:
    path, meta, _ = action
    for step in meta["runs"]["steps"]:
        if "run" not in step:
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"]
        script = re.fullmatch(r'bash "\$GITHUB_ACTION_PATH/([\w-]+\.sh)"( [a-z-]+)?', step["run"])
        assert script, f"{path.parent.name}: a run step calls one script: {step['run']!r}"
        body = (path.parent / script.group(1)).read_text(encoding="utf-8")
        assert "set -euo pipefail" in body.splitlines()[:8]


def test_nested_actions_are_pinned_by_sha_with_their_version(
    action: tuple[Path, dict, str],
) -> None:
    _, meta, text = action
    uses_lines = [line.split("uses: ", 1)[1] for line in text.splitlines() if "uses: " in line]
    assert len(uses_lines) == len([s for s in meta["runs"]["steps"] if "uses" in s])
    for line in uses_lines:
        assert PINNED.match(line), line


def test_every_action_has_its_readme_sections() -> None:
    for path in ACTIONS:
        readme = (path.parent / "README.md").read_text(encoding="utf-8")
        headings = re.findall(r"^## (.+)$", readme, re.M)
        assert headings == ["Usage", "Inputs", "Outputs", "Recommended permissions", "Example"]
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name in [*meta["inputs"], *meta["outputs"]]:
            assert f"`{name}`" in readme, f"{path.parent.name}/README.md does not document {name}"
