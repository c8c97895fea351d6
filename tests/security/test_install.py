"""The private-venv installer never empties a directory that is not its own venv."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_devops.security.install import main


def test_a_directory_with_other_files_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_DEVOPS_CHECKOV", raising=False)
    (tmp_path / "notes.txt").write_text("keep me")
    assert main(["--venv", str(tmp_path), "--version", "3.3.30"]) == 2
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert capsys.readouterr().err == (
        f"checkov: error: {tmp_path} is not empty and holds no Checkov\n"
        "  hint: give --venv a new directory, or one made by this command\n"
    )


def test_another_virtual_environment_is_refused_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_DEVOPS_CHECKOV", raising=False)
    (tmp_path / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").write_text("")
    assert main(["--venv", str(tmp_path), "--version", "3.3.30"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "pyvenv.cfg"]
