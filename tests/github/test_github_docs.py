"""The examples in docs/github.md run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pytest_devops.config import resolve
from pytest_devops.github.settings import GithubSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "github.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"(?ms)^```{language}\n(.*?)^```", DOC.read_text())


def test_configuration_example_is_valid() -> None:
    import yaml

    (config,) = [b for b in blocks("yaml") if b.startswith("environments:")]
    env = resolve(yaml.safe_load(config), "staging", environ={})
    assert GithubSettings.from_section(env.section("github")) == GithubSettings(
        comment="on-failure",
        summary=True,
        annotations=True,
        max_annotations=50,
        title="Staging gates",
    )


def test_library_example_runs(
    report_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (code,) = blocks("python")
    shutil.copy(report_path, tmp_path / "gates.json")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - the documented example
    assert str(namespace["markdown"]).startswith("### ⛔ Staging gates: `staging`")
