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
    config.write_text("environments:\n  a: {}\n  b: {protected: 1}\n  c: {urls: 1}\n  d: {}\n")
    assert main(["schema", "--check", str(config)]) == 2
    captured = capsys.readouterr()
    # Every environment is checked: one broken environment does not hide the next.
    assert captured.out.splitlines() == [
        f"{config}: environment a: ok",
        f"{config}: environment d: ok",
    ]
    assert captured.err == (
        f"pytest-devops schema: error: {config}:3: environments.b.protected: "
        "expected true or false, got an integer\n"
        f"pytest-devops schema: error: {config}:4: environments.c.urls: "
        "expected a mapping, got an integer\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("environments: {}\n", ":1: environments: expected a non-empty mapping"),
        ("environments: [a]\n", ":1: environments: expected a non-empty mapping"),
        ("environments:\n  a: {}\nbogus: 1\n", ":3: bogus: unknown key 'bogus'"),
    ],
)
def test_schema_check_refuses_a_file_with_nothing_to_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = tmp_path / "devops.yaml"
    config.write_text(text)
    assert main(["schema", "--check", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"pytest-devops schema: error: {config}{message}")


def test_errors_exit_2_masked_and_a_crash_is_not_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DEVOPS_REDACT_ENV", "DB_PASSWORD")
    monkeypatch.setenv("DB_PASSWORD", "hunter22-secret")
    config = tmp_path / "devops.yaml"
    config.write_text("environments:\n  a: {description: [hunter22-secret]}\n")
    assert main(["schema", "--check", str(config)]) == 2
    err = capsys.readouterr().err
    assert "hunter22-secret" not in err
    assert err.startswith(f"pytest-devops schema: error: {config}:2: environments.a.description")

    import pytest_devops.cli_schema as cli_schema

    def crash(args: object) -> int:
        raise KeyError("hunter22-secret")

    monkeypatch.setattr(cli_schema, "run", crash)
    assert main(["schema"]) == 2
    assert capsys.readouterr().err == (
        "pytest-devops schema: error: internal error: KeyError: '***'\n"
        "  hint: set PYTEST_DEVOPS_DEBUG=1 for the traceback, and report it\n"
    )
