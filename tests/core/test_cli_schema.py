from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_devops.cli import main


def test_schema_prints_the_assembled_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"environment", "terraform", "security", "cost", "urls"} <= set(doc["$defs"])


def test_schema_check_validates_every_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "devops.yaml"
    config.write_text("environments:\n  a: {}\n  b: {extends: a, protected: true}\n")
    assert main(["schema", "--check", str(config)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{config}: environment a: ok",
        f"{config}: environment b: ok",
    ]
    config.write_text("environments:\n  a: {}\n  b: {protected: 1}\n")
    assert main(["schema", "--check", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{config}: environment a: ok"]
    assert captured.err == (
        f"pytest-devops schema: error: {config}:3: environments.b.protected: "
        "expected true or false, got an integer\n"
    )
