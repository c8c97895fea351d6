"""The gate action's evidence input: the bundle it writes verifies and replays."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "actions"))

from ghrunner import Runner

SHA = "0123456789abcdef0123456789abcdef01234567"
GATES = """\
import pytest


@pytest.mark.devops_plan
def test_plan_is_small():
    assert False, "too big"
"""


def test_the_gate_action_writes_an_evidence_bundle(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job", sha=SHA)
    root = job.workspace / "infra"
    root.mkdir()
    (root / "devops.yaml").write_text("environments:\n  staging: {}\n")
    (root / "test_gates.py").write_text(GATES)
    run = job.run("gate", {"environment": "staging", "stage": "plan",
                           "working-directory": "infra", "evidence": "true"},
                  env={"GITHUB_EVENT_NAME": "push"})
    assert run.failed
    bundle = Path(run.outputs["evidence"])
    assert bundle.name == "evidence.tgz"
    replay = subprocess.run([sys.executable, "-m", "pytest_devops", "replay", str(bundle)],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    assert replay.returncode == 1, replay.stdout + replay.stderr
    assert replay.stdout.splitlines()[1:] == [
        "SAME      test_gates.py::test_plan_is_small: fail",
        "outcome: fail (same as recorded)",
    ]
    off = job.run("gate", {"environment": "staging", "stage": "plan",
                           "working-directory": "infra"}, env={"GITHUB_EVENT_NAME": "push"})
    assert off.outputs["evidence"] == ""
