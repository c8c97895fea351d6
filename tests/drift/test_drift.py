"""``pytest-devops drift``: one issue per drifted root, opened, updated, closed, against the
local GitHub API server and real Terraform plans."""

from __future__ import annotations

from typing import Any

import pytest
from drift_root import SECRET, TOKEN, Root

from pytest_devops.cli import main

MARK = "<!-- pytest-devops:drift/app/staging -->"


def drift(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["drift", *args])
    out, err = capsys.readouterr()
    return code, out, err


def leaks(gh: Any, *texts: str) -> list[str]:
    everything = [*texts, *(str(r.body) for r in gh.requests)]
    variants = (SECRET, SECRET.replace("\\", "\\\\").replace('"', '\\"'), "k" * 30)
    return [v for v in variants for t in everything if v in t]


def test_open_update_close(root: Root, github: Any, capsys: Any) -> None:
    plan, code = root.plan(2, "two")
    assert code == 2
    rc, out, err = drift(capsys, f"app={plan}", "--env", "staging", "--exitcode", "2")
    assert (rc, err) == (1, "")
    assert out == ("app (staging): drift; issue #101 opened: "
                   "https://github.example/acme/infra/issues/101\n")
    (issue,) = github.issues[("acme", "infra")]
    assert issue["title"] == "Drift: app (staging)"
    assert [lb["name"] for lb in issue["labels"]] == ["drift"]
    body = issue["body"]
    assert body.startswith(MARK + "\n### Drift in `app` (`staging`)\n")
    assert "[this run](https://github.example/acme/infra/actions/runs/77)" in body
    assert "1 to update" in body
    assert "      input.size: 1 -> 2\n" in body
    assert "      input.password: " not in body  # unchanged sensitive value: not listed
    assert "      output: " in body
    assert "(known after apply)" in body

    # the next scheduled run finds other drift: the same issue, edited in place
    plan3, _ = root.plan(3, "three")
    rc, out, _ = drift(capsys, f"app={plan3}", "--env", "staging", "--exitcode", "2")
    assert rc == 1
    assert out.startswith("app (staging): drift; issue #101 updated")
    assert len(github.issues[("acme", "infra")]) == 1
    assert "      input.size: 1 -> 3\n" in github.issues[("acme", "infra")][0]["body"]
    rc, out, _ = drift(capsys, f"app={plan3}", "--env", "staging", "--exitcode", "2")
    assert out.startswith("app (staging): drift; issue #101 unchanged")

    # drift is gone: a comment says so and the issue is closed
    none, code = root.plan(1, "one")
    assert code == 0
    rc, out, _ = drift(capsys, f"app={none}", "--env", "staging", "--exitcode", "0")
    assert rc == 0
    assert out.startswith("app (staging): no drift; issue #101 closed")
    assert github.issues[("acme", "infra")][0]["state"] == "closed"
    assert github.issues[("acme", "infra")][0]["state_reason"] == "completed"
    (note,) = github.comments[("acme", "infra", 101)]
    assert note["body"] == ("No drift in `app` (`staging`) any more "
                            "([run](https://github.example/acme/infra/actions/runs/77)).")
    # nothing open any more: a run without drift does nothing
    rc, out, _ = drift(capsys, f"app={none}", "--env", "staging")
    assert (rc, out) == (0, "app (staging): no drift; issue none open\n")
    assert leaks(github, out) == []


def test_failed_plan_leaves_the_issue_open(root: Root, github: Any, capsys: Any) -> None:
    plan, _ = root.plan(2, "two")
    assert drift(capsys, f"app={plan}", "--env", "staging")[0] == 1
    before = len(github.requests)
    rc, out, err = drift(capsys, f"app={plan}", "--env", "staging", "--exitcode", "1")
    assert (rc, out) == (2, "")
    assert err == ("pytest-devops drift: error: the plan failed (terraform exit status 1): "
                   "drift is unknown; the drift issue is left as it is\n")
    assert len(github.requests) == before
    assert github.issues[("acme", "infra")][0]["state"] == "open"


def test_a_person_pasting_the_marker_is_not_edited(root: Root, github: Any, capsys: Any) -> None:
    github.add_issue("acme", "infra", "copied", MARK + "\nmine", ["drift"], user="octocat")
    plan, _ = root.plan(2, "two")
    assert drift(capsys, f"app={plan}", "--env", "staging")[0] == 1
    mine, ours = github.issues[("acme", "infra")]
    assert mine["body"] == MARK + "\nmine"
    assert ours["user"]["login"] == "github-actions[bot]"


def test_other_roots_and_environments_have_their_own_issue(
    root: Root, github: Any, capsys: Any
) -> None:
    plan, _ = root.plan(2, "two")
    for args in (("app", "staging"), ("app", "production"), ("net", "staging")):
        assert drift(capsys, f"{args[0]}={plan}", "--env", args[1])[0] == 1
    assert [i["title"] for i in github.issues[("acme", "infra")]] == [
        "Drift: app (staging)", "Drift: app (production)", "Drift: net (staging)"
    ]


def test_api_failure_is_an_error_naming_the_status(root: Root, github: Any, capsys: Any) -> None:
    github.fail[("POST", r"/issues$")] = (403, {"message": f"denied for {TOKEN}"}, {})
    plan, _ = root.plan(2, "two")
    rc, _, err = drift(capsys, f"app={plan}", "--env", "staging")
    assert rc == 2
    assert err.startswith("pytest-devops drift: error: could not post the drift issue on "
                          "acme/infra: HTTP 403")
    assert TOKEN not in err
    assert "Traceback" not in err


def test_dry_run_prints_the_body_without_github(root: Root, capsys: Any) -> None:
    plan, _ = root.plan(2, "two")
    rc, out, _ = drift(capsys, f"app={plan}", "--env", "staging", "--dry-run")
    assert rc == 1
    assert out.startswith(MARK + "\n### Drift in `app` (`staging`)")
    assert "k" * 30 not in out


def test_unnamed_root_is_a_usage_error(root: Root, capsys: Any) -> None:
    plan, _ = root.plan(2, "two")
    rc, _, err = drift(capsys, str(plan), "--env", "staging", "--dry-run")
    assert rc == 2
    assert err == "pytest-devops drift: error: PLAN: name the root: ROOT=PLAN\n"
