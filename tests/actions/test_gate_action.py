"""The gate action: pytest with the devops options, then publish; the job fails on fail
or error, and text from the pull request never runs or injects anything."""

from __future__ import annotations

import json
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ghrunner import HOSTILE, Runner, no_pwned

SHA = "0123456789abcdef0123456789abcdef01234567"
DEVOPS_YAML = """\
environments:
  staging:
    description: pre-production
  production:
    extends: staging
    protected: true
"""
GATES = """\
import os

import pytest


@pytest.mark.devops_plan
def test_plan_is_small():
    assert os.environ.get("GATE_MODE") != "fail", "branch " + os.environ.get("GITHUB_HEAD_REF", "")


@pytest.mark.devops_postdeploy
def test_site_answers():
    if os.environ.get("GATE_MODE") == "error":
        raise ConnectionError("could not reach the site")
"""

ALLOWED_COMMANDS = ("error", "warning", "notice", "stop-commands", "group", "endgroup")


def project(job: Runner) -> Path:
    root = job.workspace / "infra"
    root.mkdir()
    (root / "devops.yaml").write_text(DEVOPS_YAML)
    (root / "test_gates.py").write_text(GATES)
    return root


def gate(job: Runner, mode: str, **inputs: str) -> object:
    return job.run(
        "gate",
        {"environment": "staging", "stage": "plan", "working-directory": "infra", **inputs},
        env={"GATE_MODE": mode, "GITHUB_HEAD_REF": HOSTILE, "GITHUB_EVENT_NAME": "push"},
    )


def test_a_passing_gate_publishes_and_passes(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job", sha=SHA)
    project(job)
    run = gate(job, "pass")
    assert not run.failed, run.stdout + "".join(s.stderr for s in run.steps)
    assert run.outputs["outcome"] == "pass"
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert (report["env"], report["stage"], report["outcome"]) == ("staging", "plan", "pass")
    assert [g["outcome"] for g in report["gates"]] == ["pass"]
    assert run.step("gate").outputs["exit-code"] == "0"
    assert run.outputs["record"] == ""
    assert run.outputs["sarif"] == "", "no security scan ran: no SARIF to upload"
    assert not run.step("sarif").ran
    assert run.summary.strip(), "the job summary was written"
    assert run.step("publish").ran


def test_a_failing_gate_fails_the_job_and_hostile_text_stays_text(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job", sha=SHA)
    project(job)
    run = gate(job, "fail", **{"pytest-args": "-p\nno:randomly\n$(touch PWNED_arg)\n"})
    no_pwned(tmp_path)
    # The hostile line reached pytest as one argument (a path that does not exist): an error.
    assert run.outputs["outcome"] == "error"
    run = gate(job, "fail")
    no_pwned(tmp_path)
    assert run.outputs["outcome"] == "fail"
    assert run.failed
    assert run.step("publish").returncode == 1
    gate_step = run.step("gate")
    assert gate_step.returncode == 0
    assert set(gate_step.outputs) == {"outcome", "exit-code", "report", "sarif", "record"}
    assert gate_step.outputs["outcome"] == "fail"
    for step in run.steps:
        for command, _message in step.commands:
            assert command.split(" ", 1)[0] in ALLOWED_COMMANDS, (step.name, command)
    assert "fix $(touch PWNED_subst)" in gate_step.stdout, "pytest showed the message, inertly"
    errors = [m for s in run.steps for c, m in s.commands if c.startswith("error")]
    assert errors[-1] == "gate outcome: fail"


def test_a_gate_that_cannot_decide_is_an_error_and_is_recorded_so(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job", sha=SHA)
    project(job)
    run = gate(job, "error", stage="apply", record="true")
    assert run.outputs["outcome"] == "error"
    assert run.failed
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert [g["outcome"] for g in report["gates"]] == ["error"]
    record = json.loads(Path(run.outputs["record"]).read_text())
    assert record["outcome"] == "error"


def test_post_deploy_gates_write_a_verification_record(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job", sha=SHA)
    project(job)
    digest = "sha256:" + "ab" * 32
    run = gate(job, "pass", stage="apply", record="true", **{"plan-digest": digest})
    assert not run.failed, run.stdout
    record = json.loads(Path(run.outputs["record"]).read_text())
    assert record["schema"] == "pytest-devops/verification@1"
    assert (
        record["environment"],
        record["stage"],
        record["commit"],
        record["digest"],
        record["outcome"],
    ) == ("staging", "apply", SHA, digest, "pass")
    assert Path(run.outputs["record"]).name == "verified-staging.json"


@pytest.mark.parametrize("field", ["environment", "stage", "working-directory"])
def test_hostile_inputs_are_refused_before_use(tmp_path: Path, field: str) -> None:
    job = Runner(tmp_path / "job", sha=SHA)
    project(job)
    run = gate(job, "pass", **{field: HOSTILE})
    no_pwned(tmp_path)
    assert run.failed
    assert run.outputs["outcome"] == ""
    assert not run.step("publish").ran
    assert [c for c, _ in run.step("gate").commands] == [
        "error title=pytest-devops (invalid-input)"
    ]


def test_the_plan_input_reaches_pytest_as_an_environment_variable(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job", sha=SHA)
    root = project(job)
    plan = job.workspace / "plan `touch PWNED_tick` $(touch PWNED_subst).json"
    plan.write_text("{}")
    (root / "test_gates.py").write_text(
        textwrap.dedent("""\
        import os
        import pytest

        @pytest.mark.devops_plan
        def test_plan_path():
            assert os.path.basename(os.environ["PYTEST_DEVOPS_PLAN"]) == (
                "plan `touch PWNED_tick` $(touch PWNED_subst).json")
        """)
    )
    run = gate(job, "pass", plan=str(plan))
    no_pwned(tmp_path)
    assert run.outputs["outcome"] == "pass", run.stdout


SARIF_CONFTEST = """\
import json
from pathlib import Path


def pytest_sessionfinish(session):
    # Stands in for the security scan's SARIF (Checkov takes too long for this test).
    target = session.config.getoption("devops_sarif")
    if target:
        Path(target).write_text(json.dumps({"version": "2.1.0", "runs": []}))
"""


def test_sarif_is_uploaded_only_when_written(tmp_path: Path) -> None:
    uploads: list[dict[str, str]] = []

    def upload(with_: dict[str, str]) -> dict[str, str]:
        uploads.append(with_)
        return {}

    job = Runner(tmp_path / "job", sha=SHA)
    root = project(job)
    handlers = {"github/codeql-action/upload-sarif": upload}
    env = {"GATE_MODE": "pass", "GITHUB_EVENT_NAME": "push"}
    (root / "conftest.py").write_text(SARIF_CONFTEST)
    run = job.run("gate", {"working-directory": "infra"}, uses=handlers, env=env)
    assert not run.failed
    sarif = run.outputs["sarif"]
    assert json.loads(Path(sarif).read_text())["version"] == "2.1.0"
    assert uploads == [
        {
            "sarif_file": sarif,
            "category": "pytest-devops-staging-plan",
            "token": "ghs_" + "t0ken" * 8,
        }
    ]
    run = job.run("gate", {"working-directory": "infra", "sarif": "false"}, uses=handlers, env=env)
    assert run.outputs["sarif"] == ""
    assert len(uploads) == 1


def test_a_python3_without_pytest_devops_still_runs_the_gates(tmp_path: Path) -> None:
    """pytest may come from another environment than the python3 on PATH: the SARIF probe
    then finds nothing, and the gates run all the same."""
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python3").write_text(
        "#!/usr/bin/env bash\n"
        'if [[ "$*" == *"import os, pytest_devops"* ]]; then\n'
        "  echo \"ModuleNotFoundError: No module named 'pytest_devops'\" >&2; exit 1\n"
        "fi\n"
        f'exec {sys.executable} "$@"\n'
    )
    (shims / "python3").chmod(0o755)
    job = Runner(tmp_path / "job", sha=SHA, extra_path=[shims])
    project(job)
    run = gate(job, "pass")
    assert not run.failed, run.stdout + "".join(s.stderr for s in run.steps)
    assert (run.outputs["outcome"], run.outputs["sarif"]) == ("pass", "")
    assert "no --devops-sarif: no SARIF this run" in run.step("gate").stdout


class CommentsAPI(BaseHTTPRequestHandler):
    """The parts of the GitHub REST API the sticky comment uses, recording requests."""

    requests: list[tuple[str, str, str | None, dict[str, object] | None]]

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        type(self).requests.append(("GET", self.path, self.headers.get("Authorization"), None))
        self._reply(200, [])

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(("POST", self.path, self.headers.get("Authorization"), body))
        self._reply(201, {"id": 1, "html_url": "https://github.invalid/octo-org/infra/pull/7#c1"})

    def log_message(self, *args: object) -> None:
        pass


def test_a_pull_request_gets_one_sticky_comment(tmp_path: Path) -> None:
    handler = type("Handler", (CommentsAPI,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        job = Runner(tmp_path / "job", sha=SHA)
        project(job)
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"number": 7, "pull_request": {"number": 7, "title": HOSTILE}}))
        run = job.run(
            "gate",
            {"environment": "staging", "stage": "plan", "working-directory": "infra"},
            env={
                "GATE_MODE": "fail",
                "GITHUB_HEAD_REF": HOSTILE,
                "GITHUB_EVENT_NAME": "pull_request",
                "GITHUB_EVENT_PATH": str(event),
                "GITHUB_API_URL": f"http://127.0.0.1:{server.server_address[1]}",
            },
        )
    finally:
        server.shutdown()
        server.server_close()
    no_pwned(tmp_path)
    assert run.outputs["outcome"] == "fail"
    posts = [r for r in handler.requests if r[0] == "POST"]
    assert [(p[1], p[2]) for p in posts] == [
        ("/repos/octo-org/infra/issues/7/comments", "token ghs_" + "t0ken" * 8)
    ]
    body = str(posts[0][3]["body"])
    assert "<!-- pytest-devops:staging/plan -->" in body
    assert "ghs_" not in body
    assert run.outputs["comment-url"] == "https://github.invalid/octo-org/infra/pull/7#c1"
