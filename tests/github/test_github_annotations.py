"""Annotations: exact workflow commands, escaping, cap, paths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.cli import main
from pytest_devops.github.annotations import collect_annotations, commands, relative
from pytest_devops.report.model import parse_report


def gate(nodeid: str, outcome: str, message: str = "", findings: Any = (), **extra: Any) -> Any:
    return {
        "nodeid": nodeid,
        "kind": "security",
        "outcome": outcome,
        "duration": 0.0,
        "message": message,
        "findings": list(findings),
        **extra,
    }


def report(*gates: Any) -> Any:
    return parse_report(
        {
            "schema": "pytest-devops/report@1",
            "env": "e",
            "stage": None,
            "outcome": "error" if any(g["outcome"] == "error" for g in gates) else "fail",
            "exitstatus": 1,
            "duration": 0.0,
            "gates": list(gates),
        }
    )


def test_real_report_annotations(
    report_path: Path, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["github", "annotate", str(report_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "::error file=main.tf,line=3,endLine=9,title=FAIL CKV_AWS_20 aws_s3_bucket.logs"
        "::public ACL%0A::warning::pwn%0AGate: test_gates.py::test_bucket",
        "::error file=modules/s3/main.tf,line=12,title=FAIL CKV_AWS_18 aws_s3_bucket.logs"
        "::no access logging, key ***%0AGate: test_gates.py::test_bucket",
        "::error title=ERROR test_gates.py%3A%3Atest_budget::cannot price aws_instance.web: ***",
    ]
    # Then the readable listing, which carries the hostile text, with commands stopped.
    token = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", out[3])
    assert token is not None
    assert out[-1] == f"::{token[1]}::"
    listing = out[4:-1]
    assert any("::set-output name=x::y" in line for line in listing)
    assert all(not line.startswith("::") for line in listing)


def test_hostile_text_cannot_start_a_command() -> None:
    hostile = "x\n::set-output name=x::y\r\n::add-mask::%0A ${{ secrets.X }}"
    found = collect_annotations(
        report(
            gate(
                "t.py::t",
                "fail",
                findings=[
                    {
                        "rule": "R,1",
                        "message": hostile,
                        "address": "a:b",
                        "file": "dir,x/m:n.tf",
                        "line": 4,
                    }
                ],
            )
        )
    )
    assert commands(found, 10) == [
        "::error file=dir%2Cx/m%3An.tf,line=4,title=FAIL R%2C1 a%3Ab::x%0A::set-output "
        "name=x::y%0D%0A::add-mask::%250A ${{ secrets.X }}%0AGate: t.py::t"
    ]


def test_soft_fail_is_a_warning_and_errors_come_first() -> None:
    found = collect_annotations(
        report(
            gate("a.py::soft", "fail", "tag missing", soft_fail=True),
            gate("b.py::hard", "error", "scanner crashed"),
            gate("c.py::ok", "pass"),
            gate("d.py::skip", "skip", "no hosts"),
        )
    )
    assert [a.command() for a in found] == [
        "::error title=ERROR b.py%3A%3Ahard::scanner crashed",
        "::warning title=SOFT-FAIL a.py%3A%3Asoft::tag missing",
    ]


def test_unlocated_findings_only_annotate_the_gate() -> None:
    found = collect_annotations(
        report(
            gate(
                "t.py::t",
                "fail",
                "",
                findings=[{"rule": "no-destroy", "message": "destroyed", "address": "aws_db.main"}],
            )
        )
    )
    assert [a.command() for a in found] == [
        "::error title=FAIL t.py%3A%3At::no-destroy aws_db.main: destroyed"
    ]


def test_count_is_capped_with_a_notice() -> None:
    findings = [{"rule": f"R{i}", "message": "m", "file": "x.tf", "line": i + 1} for i in range(30)]
    lines = commands(collect_annotations(report(gate("t.py::t", "fail", findings=findings))), 5)
    assert len(lines) == 6
    assert lines[4] == "::error file=x.tf,line=5,title=FAIL R4::m%0AGate: t.py::t"
    assert lines[5] == (
        "::notice title=pytest-devops::25 more annotations left out (limit 5); "
        "the job summary lists every finding."
    )


def test_max_annotations_from_the_report_settings(
    report_path: Path, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["github", "annotate", str(report_path), "--max-annotations", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("::error file=main.tf,line=3,")
    assert out[1] == (
        "::notice title=pytest-devops::2 more annotations left out (limit 1); "
        "the job summary lists every finding."
    )


def test_paths_are_made_relative_to_the_workspace(tmp_path: Path) -> None:
    assert relative(str(tmp_path / "infra" / "main.tf"), tmp_path) == "infra/main.tf"
    assert relative("/elsewhere/main.tf", tmp_path) == "/elsewhere/main.tf"
    assert relative("infra\\main.tf", tmp_path) == "infra/main.tf"
