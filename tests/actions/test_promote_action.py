"""The promote action: only what passed post-deploy verification in the previous
environment goes on, and only into an environment with required reviewers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from ghrunner import HOSTILE, Runner, no_pwned

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98"
DIGEST = "sha256:" + "cd" * 32
ENVIRONMENTS = {
    "production": {
        "name": "production",
        "protection_rules": [
            {"id": 1, "type": "wait_timer", "wait_timer": 0},
            {
                "id": 2,
                "type": "required_reviewers",
                "reviewers": [{"type": "Team", "reviewer": {"slug": "release"}}],
            },
        ],
    },
    "sandbox": {"name": "sandbox", "protection_rules": []},
    "branch-only": {
        "name": "branch-only",
        "protection_rules": [{"id": 3, "type": "branch_policy"}],
    },
}


class GitHubAPI(BaseHTTPRequestHandler):
    requests: list[tuple[str, str | None]]

    def do_GET(self) -> None:
        type(self).requests.append((self.path, self.headers.get("Authorization")))
        prefix = "/repos/octo-org/infra/environments/"
        name = self.path[len(prefix) :] if self.path.startswith(prefix) else None
        if name == "broken":
            self.send_response(500)
            self.end_headers()
            return
        body = ENVIRONMENTS.get(name or "")
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body or {"message": "Not Found"}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, type[GitHubAPI]]]:
    handler = type("Handler", (GitHubAPI,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def write_record(path: Path, **fields: str) -> Path:
    record = {
        "schema": "pytest-devops/verification@1",
        "environment": "staging",
        "stage": "apply",
        "commit": SHA,
        "digest": DIGEST,
        "outcome": "pass",
        "report_sha256": "",
        "verified_at": "2026-01-01T00:00:00Z",
        **fields,
    }
    path.mkdir(parents=True, exist_ok=True)
    (path / "verified-staging.json").write_text(json.dumps(record))
    return path


def promote(tmp_path: Path, api: str, record: dict[str, str] | None, **inputs: str):
    job = Runner(tmp_path / "job", sha=SHA)
    folder = tmp_path / "record"
    if record is not None:
        write_record(folder, **record)
    return job.run(
        "promote",
        {"record": str(folder), **inputs},
        env={"GITHUB_API_URL": api},
    )


def test_a_verified_commit_may_go_to_a_protected_environment(
    tmp_path: Path, api: tuple[str, type[GitHubAPI]]
) -> None:
    url, handler = api
    handler.requests.clear()
    run = promote(tmp_path, url, {}, digest=DIGEST)
    assert not run.failed, run.stdout
    assert run.outputs == {"allowed": "true", "reason": "ok", "digest": DIGEST}
    assert handler.requests == [
        ("/repos/octo-org/infra/environments/production", "Bearer ghs_" + "t0ken" * 8)
    ]


@pytest.mark.parametrize(
    ("record", "inputs", "reason"),
    [
        (None, {}, "not-verified"),
        ({"outcome": "fail"}, {}, "gates-failed"),
        ({"outcome": "error"}, {}, "gates-failed"),
        ({"commit": OTHER_SHA}, {}, "commit-mismatch"),
        ({}, {"digest": "sha256:" + "00" * 32}, "digest-mismatch"),
        ({"environment": "dev"}, {}, "not-verified"),
        ({"stage": "plan"}, {}, "not-verified"),
        ({"schema": "something-else"}, {}, "not-verified"),
        ({}, {"to-environment": "sandbox"}, "environment-not-protected"),
        ({}, {"to-environment": "branch-only"}, "environment-not-protected"),
        ({}, {"to-environment": "missing"}, "environment-not-protected"),
        ({}, {"to-environment": "broken"}, "api-error"),
        ({}, {"to-environment": HOSTILE}, "invalid-input"),
        ({}, {"from-environment": HOSTILE}, "invalid-input"),
        ({}, {"commit": HOSTILE}, "invalid-input"),
    ],
)
def test_promotion_is_refused_with_a_reason(
    tmp_path: Path,
    api: tuple[str, type[GitHubAPI]],
    record: dict[str, str] | None,
    inputs: dict[str, str],
    reason: str,
) -> None:
    run = promote(tmp_path, api[0], record, **inputs)
    no_pwned(tmp_path)
    assert run.failed
    assert (run.outputs["allowed"], run.outputs["reason"]) == ("false", reason)
    assert [c for c, _ in run.step("check").commands] == [f"error title=pytest-devops ({reason})"]


def test_an_unprotected_target_may_be_allowed_explicitly(
    tmp_path: Path, api: tuple[str, type[GitHubAPI]]
) -> None:
    url, handler = api
    handler.requests.clear()
    run = promote(tmp_path, url, {}, **{"to-environment": "sandbox", "require-protected": "false"})
    assert run.outputs["allowed"] == "true"
    assert handler.requests == []
