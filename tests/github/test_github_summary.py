"""The job summary: exact markdown, hostile text, size cap."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from github_testdata import SECRET

from pytest_devops.cli import main
from pytest_devops.github.markdown import Block, assemble, render_markdown
from pytest_devops.report.model import load_report, parse_report


def small(**extra: Any) -> dict[str, Any]:
    return {
        "schema": "pytest-devops/report@1",
        "env": "prod",
        "stage": None,
        "outcome": "fail",
        "exitstatus": 1,
        "started_at": "2026-01-01T00:00:00Z",
        "duration": 2.25,
        "gates": [
            {
                "nodeid": "devops.yaml::no-destroy",
                "kind": "plan",
                "outcome": "fail",
                "duration": 0.1,
                "message": "2 resources destroyed",
                "findings": [
                    {"rule": "no-destroy", "message": "destroyed", "address": "aws_db.main"}
                ],
            },
            {
                "nodeid": "test_tags.py::test_tags",
                "kind": "plan",
                "outcome": "fail",
                "duration": 0.1,
                "message": "missing tag",
                "findings": [],
                "soft_fail": True,
            },
            {
                "nodeid": "test_ok.py::test_ok",
                "kind": "cost",
                "outcome": "pass",
                "duration": 0.1,
                "message": "",
                "findings": [],
            },
        ],
        "totals": {"pass": 1, "fail": 2, "error": 0, "skip": 0, "soft_fail": 1},
        **extra,
    }


EXPECTED = """\
### ❌ pytest-devops: `prod` — **fail**

**1** passed · **1** failed · **0** errors · **0** skipped · **1** soft-failed ⚠️ in 2.2 s

| Kind | Passed | Failed | Soft-failed | Errors | Skipped |
| --- | ---: | ---: | ---: | ---: | ---: |
| plan | 0 | 1 | 1 | 0 | 0 |
| cost | 1 | 0 | 0 | 0 | 0 |

#### Gates that did not pass

| | Gate | Kind | Message |
| --- | --- | --- | --- |
| ❌ FAIL | `devops.yaml::no-destroy` | plan | 2 resources destroyed |
| ⚠️ SOFT-FAIL | `test_tags.py::test_tags` | plan | missing tag |

<details><summary>FAIL devops.yaml::no-destroy — 1 finding</summary>

| Severity | Rule | Resource | Location | Message |
| --- | --- | --- | --- | --- |
| - | `no-destroy` | `aws_db.main` | - | destroyed |

```text
2 resources destroyed
```

</details>
"""


def test_exact_summary() -> None:
    assert render_markdown(parse_report(small())) == EXPECTED


def test_passing_report_without_gates() -> None:
    doc = small(gates=[], outcome="pass", totals=None)
    assert render_markdown(parse_report(doc), title="Prod") == (
        "### ✅ Prod: `prod` — **pass**\n\n"
        "**0** passed · **0** failed · **0** errors · **0** skipped in 2.2 s\n\nNo gate ran.\n"
    )


def test_real_report_summary(report_path: Path) -> None:
    text = render_markdown(load_report(report_path), title="Staging gates")
    lines = text.splitlines()
    assert lines[0] == "### ⛔ Staging gates: `staging` · stage `plan` — **error**"
    assert lines[2].startswith("**1** passed · **1** failed · **1** error · **0** skipped in ")
    assert (
        "| ❌ FAIL | `test_gates.py::test_bucket` | security | bucket is public ::set-output "
        "name=x::y %0A &lt;/details&gt; &lt;script&gt;alert\\(1\\)&lt;/script&gt; "
        "@\u200boctocat \\#\u200b1 \\$\\{\\{ secrets.X \\}\\} |"
    ) in lines
    assert (
        "| ⛔ ERROR | `test_gates.py::test_budget` | cost | "
        "cannot price aws\\_instance.web: \\*\\*\\* |"
    ) in lines
    assert (
        "| HIGH | `CKV_AWS_20` | `aws_s3_bucket.logs` | `main.tf:3-9` | public ACL ::warning::pwn |"
        in lines
    )
    assert "**1** to create · **1** to update · **1** to replace" in lines
    assert "Plan digest: `sha256:0123abcd`" in lines
    assert "| Total | 100.00 | 142.50 | **+42.50** |" in lines
    assert "| `aws_instance.web` | 100.00 | 130.00 | +30.00 |" in lines
    assert "| ± | replace | `aws_db_instance.main` | `aws_db_instance` |" in lines
    assert "- `aws_iam_role.ci`: free" in lines
    assert "**7** passed · **1** failed" in lines
    assert SECRET not in text
    # No HTML from the report survives outside code blocks; every <details> is closed.
    outside = re.sub(r"(?ms)^(`{3,})text\n.*?^\1$", "", text)
    assert "<script>" not in outside
    assert outside.count("<details>") == outside.count("</details>") == 5
    assert re.search(r"@(?!\u200b)\w", outside) is None


def test_size_cap_keeps_whole_blocks_and_says_so() -> None:
    blocks = [Block("head", essential=True)] + [
        Block(f"<details>{i}\n" + "x" * 500 + "\n</details>") for i in range(10)
    ]
    text = assemble(blocks, limit=2000)
    assert len(text.encode()) <= 2000
    assert text.count("<details>") == text.count("</details>") == 3
    assert text.endswith(
        "> [!WARNING]\n> 7 parts of this report were left out to stay under GitHub's size limit "
        "(2,000 bytes). Run `pytest-devops report REPORT` for everything.\n"
    )


def test_summary_file_respects_what_is_already_there(
    report_path: Path, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    summary = actions_env["summary"]
    summary.write_text("# earlier step output\n" + "y" * 997_500 + "\n")
    assert main(["github", "summary", str(report_path)]) == 0
    text = summary.read_text()
    assert text.startswith("# earlier step output\n")
    assert len(text.encode()) < 1_048_576
    assert "left out to stay under GitHub's size limit" in text
    assert f"job summary written to {summary}" in capsys.readouterr().err


def test_summary_appends(report_path: Path, actions_env: dict[str, Path]) -> None:
    assert main(["github", "summary", str(report_path)]) == 0
    assert main(["github", "summary", str(report_path)]) == 0
    text = actions_env["summary"].read_text()
    assert text.count("### ⛔ Staging gates: `staging` · stage `plan` — **error**") == 2


def test_summary_to_stdout_is_inert_under_actions(
    report_path: Path, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["github", "summary", str(report_path), "--summary-file", "-"]) == 0
    out = capsys.readouterr().out.splitlines()
    token = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", out[0])
    assert token is not None
    assert out[-1] == f"::{token[1]}::"
    assert actions_env["summary"].read_text() == ""


def test_many_failing_gates_are_tabled_in_chunks() -> None:
    gates = [
        {
            "nodeid": f"t.py::test_{i:02}",
            "kind": "plan",
            "outcome": "fail",
            "duration": 0.0,
            "message": "@" * 500,
            "findings": [],
        }
        for i in range(60)
    ]
    report = parse_report(small(gates=gates, totals=None))
    full = render_markdown(report)
    assert full.count("| ❌ FAIL | `t.py::test_") == 60
    assert full.count("| | Gate | Kind | Message |") == 3
    capped = render_markdown(report, limit=12_000)
    assert len(capped.encode()) <= 12_000
    rows = [line for line in capped.splitlines() if line.startswith("| ❌ FAIL")]
    assert [r.split("`")[1] for r in rows] == [f"t.py::test_{i:02}" for i in range(25)]
    assert "> 2 parts of this report were left out" in capped
