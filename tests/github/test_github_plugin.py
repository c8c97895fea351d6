"""The ``github`` section of devops.yaml, recorded in the report by the plugin."""

from __future__ import annotations

import json

import pytest

from pytest_devops.cli import main
from pytest_devops.github.settings import GithubSettings

GATE = """
import pytest

@pytest.mark.devops_plan
def test_plan():
    assert False, "tag missing"
"""


def test_settings_and_redact_names_travel_in_the_report(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        devops="""
        environments:
          base:
            redact_env: [DB_PASSWORD, API_KEY]
            github:
              comment: update
              max_annotations: ${MAX_ANN:-7}
          staging:
            extends: base
            github:
              title: Staging
        """,
    )
    pytester.makepyfile(GATE)
    result = pytester.runpytest("--devops-env", "staging", "--devops-report", "r.json")
    assert result.ret == 1
    doc = json.loads((pytester.path / "r.json").read_text())
    assert doc["github"] == {
        "comment": "update",
        "summary": True,
        "annotations": True,
        "max_annotations": 7,
        "title": "Staging",
        "redact_env": ["DB_PASSWORD", "API_KEY"],
    }


def test_defaults_when_the_section_is_absent(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", devops="environments:\n  dev: {}\n")
    pytester.makepyfile(GATE)
    pytester.runpytest("--devops-env", "dev", "--devops-report", "r.json")
    doc = json.loads((pytester.path / "r.json").read_text())
    assert doc["github"] == {**GithubSettings().to_dict(), "redact_env": []}


def test_no_environment_no_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(GATE)
    pytester.runpytest("--devops-report", "r.json")
    assert "github" not in json.loads((pytester.path / "r.json").read_text())


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ("comment: sometimes", "environments.dev.github.comment"),
        ("max_annotations: -1", "environments.dev.github.max_annotations"),
        ("colour: blue", "colour"),
        ("summary: maybe", "environments.dev.github.summary"),
    ],
)
def test_invalid_section_is_a_usage_error(
    pytester: pytest.Pytester, section: str, says: str
) -> None:
    pytester.makefile(".yaml", devops=f"environments:\n  dev:\n    github:\n      {section}\n")
    pytester.makepyfile(GATE)
    result = pytester.runpytest("--devops-env", "dev")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert says in result.stderr.str()


def test_settings_drive_publish(
    pytester: pytest.Pytester, actions_env: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makefile(
        ".yaml",
        devops="""
        environments:
          dev:
            github: {summary: false, annotations: false, comment: never}
        """,
    )
    pytester.makepyfile(GATE)
    pytester.runpytest("--devops-env", "dev", "--devops-report", "r.json")
    capsys.readouterr()
    assert main(["github", "publish", str(pytester.path / "r.json"), "--fail-on-outcome"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[:2] == [
        "pytest-devops github: job summary skipped: github.summary is false",
        "pytest-devops github: pull-request comment skipped: comment mode is never",
    ]
