"""The sticky pull-request comment against a local server speaking the GitHub API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from github_fake_api import GitHub
from github_testdata import GH_TOKEN, SECRET

from pytest_devops.cli import main
from pytest_devops.github.comment import CommentTarget, marker, upsert_comment

LIST = "GET /repos/acme/infra/issues/7/comments?page={}&per_page=100"
POST = "POST /repos/acme/infra/issues/7/comments"
WHOAMI = "GET /user"
MARK = "<!-- pytest-devops:staging/plan -->"


def others(n: int) -> list[str]:
    return [f"comment {i} from a reviewer @someone" for i in range(n)]


def test_created_once_then_updated_in_place(
    github: GitHub, report_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.seed("acme", "infra", 7, others(130))  # two pages of 100
    assert main(["github", "comment", str(report_path)]) == 0
    assert github.lines() == [LIST.format(1), LIST.format(2), POST]
    ours = [c for c in github.all_comments() if c["body"].startswith(MARK)]
    assert len(ours) == 1
    assert "### ⛔ Staging gates: `staging` · stage `plan` — **error**" in ours[0]["body"]
    assert all(r.authorization == f"token {GH_TOKEN}" for r in github.requests)
    err = capsys.readouterr().err
    assert f"pull-request comment created: {ours[0]['html_url']}" in err

    # Second run, different result: the same comment is edited, nothing is created.
    changed = tmp_path / "second.json"
    doc = json.loads(report_path.read_text())
    doc["duration"] = 99.0
    changed.write_text(json.dumps(doc))
    github.requests.clear()
    assert main(["github", "comment", str(changed)]) == 0
    assert github.lines() == [
        LIST.format(1),
        LIST.format(2),
        WHOAMI,
        f"PATCH /repos/acme/infra/issues/comments/{ours[0]['id']}",
    ]
    assert len(github.all_comments()) == 131
    assert "in 99.0 s" in ours[0]["body"]

    # Third run, same result: nothing to edit.
    github.requests.clear()
    assert main(["github", "comment", str(changed)]) == 0
    assert github.lines() == [LIST.format(1), LIST.format(2), WHOAMI]
    assert "pull-request comment unchanged" in capsys.readouterr().err


def test_one_comment_per_environment_and_stage(github: GitHub) -> None:
    target = CommentTarget("acme", "infra", 7, github.url, GH_TOKEN)
    first = upsert_comment(target, marker("staging/plan"), "plan body")
    second = upsert_comment(target, marker("staging/apply"), "apply body")
    again = upsert_comment(target, marker("staging/plan"), "plan body 2")
    assert (first.action, second.action, again.action) == ("created", "created", "updated")
    assert again.comment_id == first.comment_id
    bodies = sorted(c["body"] for c in github.all_comments())
    assert bodies == [
        "<!-- pytest-devops:staging/apply -->\napply body",
        "<!-- pytest-devops:staging/plan -->\nplan body 2",
    ]


def test_a_persons_comment_with_the_marker_is_never_edited(github: GitHub) -> None:
    """A workflow's GITHUB_TOKEN cannot read /user: only a bot's comment is taken as ours."""
    github.seed("acme", "infra", 7, [f"{MARK}\nplanted by a person"], user="mallory")
    target = CommentTarget("acme", "infra", 7, github.url, GH_TOKEN)

    created = upsert_comment(target, MARK, "ours")
    assert created.action == "created"
    assert github.lines() == [LIST.format(1), WHOAMI, POST]
    again = upsert_comment(target, MARK, "ours, again")
    assert (again.action, again.comment_id) == ("updated", created.comment_id)
    by_user = {c["user"]["login"]: c["body"] for c in github.all_comments()}
    assert by_user == {
        "mallory": f"{MARK}\nplanted by a person",
        "github-actions[bot]": f"{MARK}\nours, again",
    }


def test_a_personal_token_edits_only_its_owners_comment(github: GitHub) -> None:
    """A token that can read /user edits only comments of that login, bot or not."""
    github.token_user = "deploy-bot-user"
    github.seed("acme", "infra", 7, [f"{MARK}\nplanted"], user="github-actions[bot]")
    github.seed("acme", "infra", 7, [f"{MARK}\nold"], user="deploy-bot-user")
    target = CommentTarget("acme", "infra", 7, github.url, GH_TOKEN)

    result = upsert_comment(target, MARK, "new")
    assert result.action == "updated"
    assert github.lines() == [
        LIST.format(1),
        WHOAMI,
        f"PATCH /repos/acme/infra/issues/comments/{result.comment_id}",
    ]
    assert [c["body"] for c in github.all_comments()] == [f"{MARK}\nplanted", f"{MARK}\nnew"]


def test_identity_is_not_asked_without_a_marked_comment(github: GitHub) -> None:
    github.seed("acme", "infra", 7, [*others(3), f"quoting {MARK}"])
    result = upsert_comment(CommentTarget("acme", "infra", 7, github.url, GH_TOKEN), MARK, "x")
    assert result.action == "created"
    assert github.lines() == [LIST.format(1), POST]


def test_marker_cannot_be_broken_out_of() -> None:
    assert marker("staging --><script>") == "<!-- pytest-devops:staging_--__script_ -->"
    assert marker("") == "<!-- pytest-devops:default -->"


@pytest.mark.parametrize(
    ("mode", "outcome", "existing", "expected", "lines"),
    [
        ("on-failure", "pass", False, "skipped", [LIST.format(1)]),
        ("on-failure", "fail", False, "created", [LIST.format(1), POST]),
        ("on-failure", "pass", True, "updated", [LIST.format(1), WHOAMI, "PATCH"]),
        ("update", "fail", False, "skipped", [LIST.format(1)]),
        ("never", "fail", True, "skipped", []),
    ],
)
def test_comment_modes(
    github: GitHub, mode: str, outcome: str, existing: bool, expected: str, lines: list[str]
) -> None:
    if existing:
        github.seed("acme", "infra", 7, [f"{MARK}\nold"], user="github-actions[bot]")
    target = CommentTarget("acme", "infra", 7, github.url, GH_TOKEN)
    result = upsert_comment(target, MARK, f"{MARK}\nnew", mode=mode, outcome=outcome)
    assert result.action == expected
    assert [
        line.split(" /repos")[0] if line.startswith("PATCH") else line for line in github.lines()
    ] == lines


@pytest.mark.parametrize(
    ("method", "status", "payload", "headers", "says"),
    [
        ("GET", 500, {"message": "Server Error"}, {}, "HTTP 500"),
        (
            "POST",
            403,
            {"message": "API rate limit exceeded for installation ID 1."},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "5000"},
            "HTTP 403 (check the token",
        ),
        ("POST", 403, {"message": f"Bad credentials {GH_TOKEN}"}, {}, "Bad credentials ***"),
    ],
)
def test_api_failure_is_a_warning(
    github: GitHub,
    report_path: Path,
    capsys: pytest.CaptureFixture[str],
    method: str,
    status: int,
    payload: dict[str, str],
    headers: dict[str, str],
    says: str,
) -> None:
    github.fail[(method, r"/issues/7/comments$")] = (status, payload, headers)
    # Neither the exit code nor the outcome-based exit code changes.
    assert main(["github", "comment", str(report_path)]) == 0
    assert main(["github", "comment", str(report_path), "--fail-on-outcome"]) == 2
    out, err = capsys.readouterr()
    assert (
        err.count(
            "pytest-devops github: warning: could not post the pull-request comment "
            "on acme/infra#7: "
        )
        == 2
    )
    assert says in err
    assert out.count("::warning title=pytest-devops comment::could not post") == 2
    assert GH_TOKEN not in out + err
    assert github.all_comments() == []


def test_network_failure_is_a_warning(
    github: GitHub,
    report_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connection refused
        monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{port}")
        assert main(["github", "publish", str(report_path)]) == 0
    out, err = capsys.readouterr()
    assert "warning: could not post the pull-request comment on acme/infra#7" in err
    assert "::warning title=pytest-devops comment::" in out


def test_rate_limit_message(github: GitHub) -> None:
    github.fail[("GET", r"/comments$")] = (
        403,
        {"message": "API rate limit exceeded for installation ID 1."},
        {"X-RateLimit-Remaining": "0"},
    )
    result = upsert_comment(CommentTarget("acme", "infra", 7, github.url, GH_TOKEN), MARK, "x")
    assert result.action == "failed"
    assert result.warning is not None
    assert "HTTP 403" in result.warning
    assert "(rate limited)" in result.warning


def test_no_token_is_a_warning_without_requests(
    github: GitHub,
    report_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["github", "comment", str(report_path)]) == 0
    assert github.requests == []
    assert "no GitHub token" in capsys.readouterr().err


def test_no_pull_request_skips_in_publish(
    github: GitHub,
    report_path: Path,
    capsys: pytest.CaptureFixture[str],
    actions_env: dict[str, Path],
) -> None:
    actions_env["event"].write_text(json.dumps({"ref": "refs/heads/main"}))  # a push
    assert main(["github", "publish", str(report_path)]) == 0
    assert github.requests == []
    assert "pull-request comment skipped: no pull request" in capsys.readouterr().err


def test_comment_body_is_capped(github: GitHub) -> None:
    from pytest_devops.github.markdown import COMMENT_LIMIT, render_markdown
    from pytest_devops.report.model import parse_report

    gates = [
        {
            "nodeid": f"test_x.py::test_{i}",
            "kind": "security",
            "outcome": "fail",
            "duration": 0.0,
            "message": "x" * 3000 + "\nmore",
            "findings": [{"rule": "R", "message": "m" * 200, "file": "a.tf", "line": 1}] * 20,
        }
        for i in range(60)
    ]
    report = parse_report(
        {
            "schema": "pytest-devops/report@1",
            "env": "staging",
            "stage": None,
            "outcome": "fail",
            "exitstatus": 1,
            "duration": 1.0,
            "gates": gates,
        }
    )
    body = render_markdown(report, limit=COMMENT_LIMIT, marker=marker(report.key))
    assert len(body) <= COMMENT_LIMIT
    assert "parts of this report were left out to stay under GitHub's size limit" in body
    assert body.count("<details>") == body.count("</details>")
    result = upsert_comment(
        CommentTarget("acme", "infra", 7, github.url, GH_TOKEN), marker(report.key), body
    )
    assert result.action == "created"
    assert github.all_comments()[0]["body"] == body


def test_comment_carries_no_secret(
    github: GitHub, leaky_report: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVOPS_TEST_SECRET", SECRET)
    assert main(["github", "comment", str(leaky_report)]) == 0
    (comment,) = github.all_comments()
    assert SECRET not in json.dumps(comment)
    assert "second line ***" in comment["body"]  # the message, in a code block
    assert "no access logging, key \\*\\*\\*" in comment["body"]  # a finding, in a table


def test_hostile_api_error_cannot_run_commands(
    github: GitHub, report_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.fail[("GET", r"/comments$")] = (
        422,
        {"message": "##[set-output name=pwned;]yes ::add-mask::x"},
        {},
    )
    assert main(["github", "comment", str(report_path)]) == 0
    out, err = capsys.readouterr()
    for line in (out + err).splitlines():
        assert "##[" not in line
        assert not line.lstrip().startswith("::") or line.startswith(
            "::warning title=pytest-devops comment::could not post"
        )
    assert "HTTP 422" in err


def test_enterprise_server_api_root(
    github: GitHub, report_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", f"{github.url}/api/v3")
    github.seed("acme", "infra", 7, others(3))
    assert main(["github", "comment", str(report_path), "--marker", "custom"]) == 0
    assert github.lines() == [
        "GET /api/v3/repos/acme/infra/issues/7/comments?page=1&per_page=100",
        "POST /api/v3/repos/acme/infra/issues/7/comments",
    ]
    assert github.all_comments()[-1]["body"].startswith("<!-- pytest-devops:custom -->\n### ")


def test_pull_request_from_a_comment_event(
    github: GitHub, report_path: Path, actions_env: dict[str, Path]
) -> None:
    actions_env["event"].write_text(
        json.dumps({"issue": {"number": 12, "pull_request": {"url": "x"}}, "comment": {}})
    )
    assert main(["github", "comment", str(report_path)]) == 0
    assert github.lines()[-1] == "POST /repos/acme/infra/issues/12/comments"


def test_library_caller_body_is_capped_too(github: GitHub) -> None:
    target = CommentTarget("acme", "infra", 7, github.url, GH_TOKEN)
    result = upsert_comment(target, MARK, "é" * 70_000)
    assert result.action == "created"
    body = github.all_comments()[0]["body"]
    assert len(body) == 65_536 - 40 + len("\n\n… (truncated)")
    assert body.startswith(MARK)


def test_without_ghapi_is_a_warning(github: GitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from pytest_devops.github import comment

    comment._cached_client.cache_clear()
    monkeypatch.setitem(sys.modules, "ghapi.all", None)
    result = upsert_comment(CommentTarget("acme", "infra", 7, github.url, GH_TOKEN), MARK, "x")
    comment._cached_client.cache_clear()
    assert (result.action, result.warning) == (
        "failed",
        "ghapi is not installed: pip install 'pytest-devops[github]' to post comments",
    )
    assert github.requests == []
