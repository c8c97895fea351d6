"""The configuration shown in docs/conformance.md is valid and means what it says."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pytest_devops.config import resolve
from pytest_devops.conformance.plugin import ConformanceSettings, parse

DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"


def test_documented_config(tmp_path: Path) -> None:
    block = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)[0]
    env = resolve(yaml.safe_load(block), "staging", tmp_path / "devops.yaml", {})
    assert parse(env) == ConformanceSettings(
        state_file=tmp_path / "state.json",
        ignore={"aws_instance": frozenset({"ami"}), "aws_s3_bucket.logs": frozenset({"tags"})})
