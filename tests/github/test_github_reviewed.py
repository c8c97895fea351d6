"""``pytest-devops reviewed``: after the merge, apply only the plan the pull request showed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from github_testdata import GH_TOKEN
from test_github_diff import big_plan

from pytest_devops import cli
from pytest_devops.cli import COMMANDS as ALL_COMMANDS
from pytest_devops.cli import main
from pytest_devops.github.comment import CommentTarget, marker, upsert_comment
from pytest_devops.github.diff import diff_markdown
from pytest_devops.plan import parse_plan
from pytest_devops.plan.diff import plan_diff

SHA = "a1b2c3d4" * 5


@pytest.fixture
def pr(github: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Pull request #7, merged as SHA, whose sticky comment showed ``app``'s plan."""
    monkeypatch.setattr(cli, "COMMANDS", {"reviewed": ALL_COMMANDS["reviewed"]})
    monkeypatch.setenv("GITHUB_SHA", SHA)
    reviewed = tmp_path / "reviewed.json"
    reviewed.write_text(json.dumps(big_plan(3)))
    body = diff_markdown([plan_diff(parse_plan(big_plan(3)), "app")], 65_000)
    target = CommentTarget("acme", "infra", 7, github.url, GH_TOKEN)
    assert upsert_comment(target, marker("plan"), body).action == "created"
    github.commit_pulls[SHA] = [
        {"number": 5, "merge_commit_sha": "f" * 40, "head": {"sha": "e" * 40}},
        {"number": 7, "merge_commit_sha": SHA, "head": {"sha": "0" * 40}},
    ]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(big_plan(4)))
    return {"reviewed": reviewed, "changed": changed}


def test_same_plan_applies(pr: dict[str, Any], capsys: Any) -> None:
    digest = parse_plan(big_plan(3)).digest()
    assert main(["reviewed", f"app={pr['reviewed']}"]) == 0
    assert capsys.readouterr().out == (
        f"app: the plan is the one reviewed on pull request #7: {digest}\n"
    )


def test_changed_plan_is_refused_with_the_diff(
    pr: dict[str, Any], capsys: Any, actions_env: dict[str, Path]
) -> None:
    old, new = parse_plan(big_plan(3)).digest(), parse_plan(big_plan(4)).digest()
    assert main(["reviewed", f"app={pr['changed']}"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "app: plan changed since review; refusing to apply",
        f"  reviewed: {old} (pull request #7)",
        f"  now:      {new}",
        "",
    ]
    assert out[4] == "== app: 3 to update, 1 to replace"  # host-00000 forces a replacement
    assert '! aws_instance.fleet["host-00003"]: update in place' in out
    summary = actions_env["summary"].read_text()
    assert summary.startswith("### ⛔ `app`: plan changed since review\n")
    assert '! aws_instance.fleet["host-00003"]: update in place' in summary


def test_a_digest_in_a_persons_comment_is_not_a_review(
    pr: dict[str, Any], github: Any, capsys: Any
) -> None:
    new = parse_plan(big_plan(4)).digest()
    github.seed("acme", "infra", 7, [f"<!-- pytest-devops:reviewed app {new} -->"], "mallory")
    assert main(["reviewed", f"app={pr['changed']}"]) == 1


@pytest.mark.parametrize(("setup", "args", "error"), [
    (lambda gh: gh.commit_pulls.clear(), [],
     f"no pull request merged {SHA[:12]}: nothing was reviewed (pushed without a pull "
     "request?); refusing to apply"),
    (lambda gh: None, ["--pr", "9"],
     "pull request #9 shows no plan digest for 'app': nothing was reviewed for it; "
     "refusing to apply"),
    (lambda gh: gh.fail.update({("GET", r"/comments$"): (502, {"message": "bad"}, {})}), [],
     "cannot read the reviewed plan from GitHub: HTTP 502 (check the token and "
     "`permissions: pull-requests: read`)"),
])
def test_nothing_reviewed_is_an_error(pr: dict[str, Any], github: Any, capsys: Any,
                                      setup: Any, args: list[str], error: str) -> None:
    setup(github)
    assert main(["reviewed", f"app={pr['reviewed']}", *args]) == 2
    assert capsys.readouterr().err == f"pytest-devops reviewed: error: {error}\n"


def test_explicit_digest(pr: dict[str, Any], capsys: Any) -> None:
    digest = parse_plan(big_plan(3)).digest()
    assert main(["reviewed", f"app={pr['reviewed']}", "--digest", digest]) == 0
    assert main(["reviewed", f"app={pr['changed']}", "--digest", digest]) == 1
    assert main(["reviewed", f"app={pr['changed']}", "--digest", "sha256:12"]) == 2
    assert capsys.readouterr().err == (
        "pytest-devops reviewed: error: --digest: expected sha256: and 64 hex digits\n"
    )
