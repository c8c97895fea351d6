"""Step outputs: the runner's heredoc format, random delimiters, no secrets."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from github_testdata import SECRET

from pytest_devops.cli import main
from pytest_devops.errors import DevopsError
from pytest_devops.github.outputs import format_outputs
from pytest_devops.redact import Redactor


def parse(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT file the way the runner does (multi-line form only)."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines) and lines[i]:
        name, delimiter = lines[i].split("<<", 1)
        assert re.fullmatch(r"ghadelimiter_[0-9a-f-]{36}", delimiter)
        end = lines.index(delimiter, i + 1)
        values[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return values


def test_outputs_of_the_real_report(
    report_path: Path, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["github", "outputs", str(report_path)]) == 0
    text = actions_env["output"].read_text()
    assert parse(text) == {
        "outcome": "error",
        "report": str(report_path),
        "env": "staging",
        "stage": "plan",
        "total": "3",
        "passed": "1",
        "failed": "1",
        "errors": "1",
        "skipped": "0",
        "soft-failed": "0",
        "plan-digest": "sha256:0123abcd",
        "cost-delta": "42.50",
        "cost-currency": "USD",
    }
    delimiters = re.findall(r"<<(ghadelimiter_\S+)", text)
    assert len(set(delimiters)) == 13
    assert capsys.readouterr().out == ""


def test_value_containing_its_delimiter_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = uuid.UUID("12345678-1234-5678-1234-567812345678")
    monkeypatch.setattr(uuid, "uuid4", lambda: fixed)
    with pytest.raises(DevopsError, match="contains its delimiter; refusing"):
        format_outputs({"x": f"a\nghadelimiter_{fixed}\nevil<<y"}, Redactor())


def test_multiline_value_round_trips() -> None:
    text = format_outputs({"a": "one\ntwo", "b": "::set-output name=x::y"}, Redactor())
    assert parse(text) == {"a": "one\ntwo", "b": "::set-output name=x::y"}


def test_no_secret_in_outputs(
    leaky_report: Path, actions_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = json.loads(leaky_report.read_text())
    doc["plan"]["digest"] = SECRET
    doc["env"] = f"staging-{SECRET}"
    leaky_report.write_text(json.dumps(doc))
    monkeypatch.setenv("DEVOPS_TEST_SECRET", SECRET)
    assert main(["github", "outputs", str(leaky_report)]) == 0
    values = parse(actions_env["output"].read_text())
    assert values["plan-digest"] == "***"
    assert values["env"] == "staging-***"
    assert SECRET not in actions_env["output"].read_text()


def test_outputs_without_a_file_is_an_error(
    report_path: Path,
    actions_env: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT")
    assert main(["github", "outputs", str(report_path)]) == 2
    assert "GITHUB_OUTPUT is not set; pass --output-file" in capsys.readouterr().err
