from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import github_fake_api as ghserver
import pytest
from github_testdata import DEVOPS_YAML, GATES, GH_TOKEN, HOSTILE, SECRET, SECTIONS


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real pytest run with a passing, a failing, an erroring and a skipped gate."""
    root = tmp_path_factory.mktemp("gates")
    (root / "devops.yaml").write_text(DEVOPS_YAML)
    (root / "test_gates.py").write_text(GATES.format(hostile=HOSTILE))
    (root / "conftest.py").write_text(SECTIONS)
    env = {**os.environ, "DEVOPS_TEST_SECRET": SECRET}
    env.pop("PYTEST_DEVOPS_ENV", None)
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "--devops-env",
            "staging",
            "--devops-stage",
            "plan",
            "--devops-report",
            "report.json",
            "-o",
            "addopts=",
            "-q",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return root


@pytest.fixture(scope="session")
def report_path(run_dir: Path) -> Path:
    return run_dir / "report.json"


@pytest.fixture
def leaky_report(report_path: Path, tmp_path: Path) -> Path:
    """The same report as if the secret had not been registered when pytest ran."""
    text = report_path.read_text().replace("***", SECRET)
    path = tmp_path / "leaky.json"
    path.write_text(text)
    return path


@pytest.fixture(scope="session")
def _server() -> Iterator[Any]:
    server, thread = ghserver.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def github(
    _server: Any, monkeypatch: pytest.MonkeyPatch, actions_env: dict[str, Path]
) -> ghserver.GitHub:
    """The fake GitHub API, empty, and the environment a pull_request workflow step sees."""
    _server.gh = ghserver.GitHub(url=_server.gh.url)
    monkeypatch.setenv("GITHUB_API_URL", _server.gh.url)
    monkeypatch.setenv("GITHUB_TOKEN", GH_TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/infra")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return _server.gh  # type: ignore[no-any-return]


@pytest.fixture
def actions_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    """GITHUB_* variables of a pull_request step: summary and output files, the event."""
    files = {
        "summary": tmp_path / "step_summary.md",
        "output": tmp_path / "output.txt",
        "event": tmp_path / "event.json",
    }
    files["summary"].write_text("")
    files["output"].write_text("")
    files["event"].write_text(
        json.dumps({"action": "synchronize", "number": 7, "pull_request": {"number": 7}})
    )
    for name in list(os.environ):
        if name.startswith("GITHUB_") or name == "PYTEST_DEVOPS_REDACT_ENV":
            monkeypatch.delenv(name)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files["summary"]))
    monkeypatch.setenv("GITHUB_OUTPUT", str(files["output"]))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(files["event"]))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    return files


@pytest.fixture(autouse=True)
def _only_our_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build only the ``report`` and ``github`` subcommands: other features' commands are
    imported when the parser is built, and their tests are theirs."""
    from pytest_devops import cli

    monkeypatch.setattr(
        cli, "COMMANDS", {name: cli.COMMANDS[name] for name in ("report", "github")}
    )
