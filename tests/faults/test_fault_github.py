"""GitHub output faults: the report published to a local GitHub API, a stale report,
a missing one, an API that fails, hostile text; no piece of a secret in the summary,
annotations, step outputs or the pull-request comment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import github_fake_api as ghserver
import pytest
from faultkit import run_gates, section
from faultkit import secrets_env as secrets_env
from leaks import SECRETS, assert_no_leak

from pytest_devops.cli import main

GATES = '''
import os
import pytest
from pytest_devops import GateError, GateFailure, Finding

S = os.environ["DEVOPS_SECRET"]

@pytest.mark.devops_plan
def test_passes():
    pass

@pytest.mark.devops_security
def test_fails():
    raise GateFailure(f"bucket public, key {S}", [Finding("CKV_AWS_20", f"public {S}",
                      address="aws_s3_bucket.b", file="main.tf", line=3)])

@pytest.mark.devops_cost
def test_errors():
    raise GateError("::set-output name=outcome::pass price list down " + S)
'''


@pytest.fixture(scope="module")
def api() -> Iterator[Any]:
    with ghserver.running() as server:
        yield server


@pytest.fixture
def actions(api: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
            secrets_env: dict[str, str]) -> dict[str, Path]:
    api.gh = ghserver.GitHub(url=api.gh.url)
    files = {"summary": tmp_path / "summary.md", "output": tmp_path / "output.txt",
             "event": tmp_path / "event.json"}
    files["summary"].write_text("")
    files["output"].write_text("")
    files["event"].write_text(json.dumps({"number": 7, "pull_request": {"number": 7}}))
    for name in list(os.environ):
        if name.startswith("GITHUB_"):
            monkeypatch.delenv(name)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(files["summary"]),
           "GITHUB_OUTPUT": str(files["output"]), "GITHUB_EVENT_PATH": str(files["event"]),
           "GITHUB_WORKSPACE": str(tmp_path), "GITHUB_API_URL": api.gh.url,
           "GITHUB_TOKEN": SECRETS["DEVOPS_TOKEN"], "GITHUB_REPOSITORY": "acme/infra",
           "GITHUB_RUN_ID": "41", "GITHUB_RUN_ATTEMPT": "1", "NO_PROXY": "127.0.0.1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return files


def _published(actions: dict[str, Path], api: Any, out: str, err: str) -> list[tuple[str, str]]:
    comments = json.dumps(api.gh.all_comments())
    return [("stdout", out), ("stderr", err), ("comment", comments),
            ("summary", actions["summary"].read_text()), ("outputs", actions["output"].read_text())]


def _report(pytester: pytest.Pytester) -> Path:
    out = run_gates(pytester, section("description: gates"), tests=GATES)
    assert out.outcomes() == {"test_passes": "pass", "test_fails": "fail", "test_errors": "error"}
    return out.root / "r.json"


def test_publish_everything_masked(pytester: pytest.Pytester, actions: dict[str, Path], api: Any,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    report = _report(pytester)
    capsys.readouterr()
    assert main(["github", "publish", str(report)]) == 0
    out, err = capsys.readouterr()
    assert_no_leak(_published(actions, api, out, err))
    (comment,) = api.gh.all_comments()
    assert "bucket public, key ***" in comment["body"]
    # A gate's text cannot command the runner: annotations sit inside stop-commands.
    assert "::stop-commands::" in out
    lines = actions["output"].read_text().splitlines()
    assert lines[0].startswith("outcome<<ghadelimiter_")
    assert lines[1:3] == ["error", lines[0].removeprefix("outcome<<")]
    assert main(["github", "publish", str(report), "--fail-on-outcome"]) == 2


def test_a_report_of_another_run_is_refused(pytester: pytest.Pytester, actions: dict[str, Path],
                                            api: Any, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report(pytester)
    assert json.loads(report.read_text())["run"] == {"id": "41", "attempt": "1"}
    monkeypatch.setenv("GITHUB_RUN_ATTEMPT", "2")
    capsys.readouterr()
    assert main(["github", "publish", str(report)]) == 2
    _, err = capsys.readouterr()
    assert err == (f"pytest-devops github: error: {report}: written by an earlier run "
                   "(GITHUB_RUN_ATTEMPT 1, this is 2): a stale report; make sure pytest wrote "
                   "it in this job\n")
    assert api.gh.all_comments() == []
    assert actions["summary"].read_text() == ""


def test_a_run_that_stopped_on_a_usage_error_leaves_nothing_to_publish(
        pytester: pytest.Pytester, actions: dict[str, Path], api: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    report = _report(pytester)
    out = run_gates(pytester, section("urls: 5"))
    assert out.ret == 4
    assert not report.exists()
    capsys.readouterr()
    assert main(["github", "publish", str(report), "--fail-on-outcome"]) == 2
    assert capsys.readouterr().err == (
        f"pytest-devops github: error: {report}: no such file; did pytest run with "
        "--devops-report with this path?\n")
    assert api.gh.all_comments() == []


def test_an_api_failure_is_a_warning_and_the_rest_is_published(
        pytester: pytest.Pytester, actions: dict[str, Path], api: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    report = _report(pytester)
    api.gh.fail[("POST", r"/issues/\d+/comments$")] = (
        500, {"message": f"boom {SECRETS['DEVOPS_TOKEN']}"}, {})
    api.gh.fail[("GET", r"/issues/\d+/comments")] = (
        500, {"message": f"boom {SECRETS['DEVOPS_TOKEN']}"}, {})
    capsys.readouterr()
    assert main(["github", "publish", str(report)]) == 0
    out, err = capsys.readouterr()
    assert_no_leak(_published(actions, api, out, err))
    assert actions["summary"].read_text().startswith("### ")
    assert any("pull-request comment" in line and "500" in line for line in err.splitlines()), err


def test_a_report_written_without_redaction_is_masked_on_publish(
        pytester: pytest.Pytester, actions: dict[str, Path], api: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    report = _report(pytester)
    leaky = report.with_name("leaky.json")
    doc = json.loads(report.read_text())
    doc["gates"][1]["message"] = doc["gates"][1]["message"].replace("***", SECRETS["DEVOPS_SECRET"])
    leaky.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["github", "publish", str(leaky), "--redact-env", "DEVOPS_SECRET"]) == 0
    out, err = capsys.readouterr()
    assert_no_leak(_published(actions, api, out, err))
