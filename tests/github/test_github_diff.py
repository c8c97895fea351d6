"""The plan diff in the job summary and the PR comment: exact, fitted, never too big."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_github_summary import small

from pytest_devops import cli
from pytest_devops.cli import COMMANDS as ALL_COMMANDS
from pytest_devops.cli import main
from pytest_devops.github.diff import diff_markdown
from pytest_devops.github.markdown import COMMENT_LIMIT, SUMMARY_LIMIT, render_markdown
from pytest_devops.plan import load_plan, parse_plan
from pytest_devops.plan.diff import plan_diff
from pytest_devops.report.model import parse_report

RUN = "https://github.example/acme/infra/actions/runs/42"


def big_plan(n: int) -> dict[str, Any]:
    """``n`` updates, each changing two attributes (one forcing replacement every 10th)."""
    changes = []
    for i in range(n):
        replace = i % 10 == 0
        changes.append({
            "address": f'aws_instance.fleet["host-{i:05d}"]',
            "mode": "managed", "type": "aws_instance", "name": "fleet",
            "index": f"host-{i:05d}",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["delete", "create"] if replace else ["update"],
                "before": {"ami": "ami-0000", "tags": {"n": str(i)}},
                "after": {"ami": "ami-1111", "tags": {"n": str(i + 1)}},
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {},
                **({"replace_paths": [["ami"]]} if replace else {}),
            },
        })
    return {"format_version": "1.2", "terraform_version": "1.11.0",
            "resource_changes": changes}


def test_one_root_in_full(corpus: Path) -> None:
    diff = plan_diff(load_plan(corpus / "plans/terraform__showjson_requires_replace.json"), "app")
    assert diff_markdown([diff], 65_000, RUN) == (
        "#### Plan diff\n\n"
        "<details open><summary><b>app</b>: 1 to replace</summary>\n\n"
        "```diff\n"
        "! test_instance.test: replace (an attribute that cannot be updated in place changes;"
        " forces replacement: ami)\n"
        '      ami: "bar" -> "force-replace"  # forces replacement\n'
        '      id: "placeholder" -> (known after apply)\n'
        "```\n\n"
        "Digest: `sha256:5bfe560ba6b3ba32121ead49b99107c5125fef997fa87c1e31ca8e5d95996cb2`\n\n"
        "</details>\n"
        "<!-- pytest-devops:reviewed app "
        "sha256:5bfe560ba6b3ba32121ead49b99107c5125fef997fa87c1e31ca8e5d95996cb2 -->"
    )


def test_thousands_of_changes_are_summarised_under_the_comment_limit() -> None:
    diff = plan_diff(parse_plan(big_plan(5000)), "fleet")
    full = diff_markdown([diff], SUMMARY_LIMIT)
    assert full.count("# forces replacement") == 500  # the summary has every attribute
    assert full.count("\n! aws_instance.fleet") == 5000
    text = diff_markdown([diff], 65_000, RUN)
    assert len(text.encode()) <= 65_000
    assert text.startswith("#### Plan diff\n\n> [!NOTE]\n> The whole diff (")
    assert f"read it in the [job summary]({RUN})" in text
    assert "<summary><b>fleet</b>: 4500 to update, 500 to replace</summary>" in text
    shown = text.count('\n! aws_instance.fleet["host-')
    assert 100 < shown < 5000
    assert f"… and {5000 - shown:,} more resources (attributes left out)." in text
    assert " -> " not in text  # no attribute lines in the compact form
    assert text.endswith(f"\n<!-- pytest-devops:reviewed fleet {diff.digest} -->")
    assert text.count("<details>") == text.count("</details>") == 1


def test_many_roots_each_get_a_share_and_none_is_forgotten() -> None:
    diffs = [plan_diff(parse_plan(big_plan(800)), f"root-{i}") for i in range(30)]
    text = diff_markdown(diffs, 20_000, RUN)
    assert len(text.encode()) <= 20_000
    for i in range(30):
        assert f"<b>root-{i}</b>: 720 to update, 80 to replace" in text


def test_report_comment_fits_and_links_the_summary(tmp_path: Path) -> None:
    diff = plan_diff(parse_plan(big_plan(3000))).to_dict()
    doc = small(plan={"counts": {"update": 2700, "replace": 300}, "resources": [],
                      "digest": diff["digest"], "diff": diff})
    report = parse_report(json.loads(json.dumps(doc)))
    comment = render_markdown(report, limit=COMMENT_LIMIT - 200, link=RUN)
    assert len(comment.encode()) <= COMMENT_LIMIT - 200
    assert "#### Plan diff" in comment
    assert f"[job summary]({RUN})" in comment
    assert "were left out" not in comment
    assert "was left out" not in comment
    summary = render_markdown(report, limit=SUMMARY_LIMIT)
    assert summary.count("\n! aws_instance.fleet") == 3000
    # the prod environment names the root when the diff does not
    assert "<summary><b>prod</b>: 2700 to update, 300 to replace</summary>" in summary


def test_cli_markdown_limit(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(cli, "COMMANDS", {"diff": ALL_COMMANDS["diff"]})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(big_plan(2000)))
    assert main(["diff", "--format", "markdown", "--limit", "5000", "--link", RUN,
                 f"fleet={path}"]) == 0
    out = capsys.readouterr().out
    assert len(out.encode()) <= 5001
    assert f"[job summary]({RUN})" in out
    assert main(["diff", "--format", "markdown", "--limit", "10", str(path)]) == 2
    assert capsys.readouterr().err.startswith("pytest-devops diff: error:")


def test_hostile_address_stays_inside_the_code_block() -> None:
    doc = big_plan(1)
    doc["resource_changes"][0]["address"] = 'aws_s3_bucket.b["```\n</details>@octocat"]'
    text = diff_markdown([plan_diff(parse_plan(doc), "<b>x</b>")], 65_000)
    assert "<summary><b>&lt;b&gt;x&lt;/b&gt;</b>: 1 to replace</summary>" in text
    # the fence is longer than the backticks inside, so the HTML inside stays text
    body = text.split("````diff\n", 1)[1].split("\n````\n", 1)
    assert 'aws_s3_bucket.b["```\n</details>@octocat"]' in body[0]
    assert body[1].count("</details>") == 1
