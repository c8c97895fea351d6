"""``pytest-devops scan`` and ``pytest-devops baseline`` with the real Checkov."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from security_testdata import VOLUMES

from pytest_devops.cli import main


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, checkov_exe: str) -> Path:
    root = tmp_path_factory.mktemp("repo")
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text(VOLUMES)
    (root / "empty").mkdir()
    (root / "devops.yaml").write_text(
        "environments:\n  ci:\n    security:\n"
        f"      paths: [infra]\n      checks: [CKV_AWS_3]\n      checkov: {checkov_exe}\n"
        "  base:\n    extends: ci\n    security:\n      baseline: security-baseline.json\n"
    )
    return root


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["scan", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_scan_exits_1_on_findings(repo: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, doc = scan_json(capsys, "--env", "ci")
    assert code == 1
    assert doc["resource_count"] == 2
    assert doc["parsing_errors"] == []
    assert [(f["check_id"], f["resource"], f["file"], f["lines"]) for f in doc["failed"]] == [
        ("CKV_AWS_3", "aws_ebs_volume.plain", "infra/main.tf", [7, 10])]
    assert [(p["check_id"], p["resource"]) for p in doc["passed"]] == [
        ("CKV_AWS_3", "aws_ebs_volume.encrypted")]
    assert doc["skipped"] == []


def test_scan_table_and_sarif(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    sarif_schema: dict[str, Any],
) -> None:
    from jsonschema import Draft7Validator

    monkeypatch.chdir(repo)
    assert main(["scan", "--env", "ci"]) == 1
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("checkov 3.")
    assert table[0].endswith(" (cached)")
    assert table[1] == "paths: infra: 2 resources scanned"
    assert table[2].split() == ["FAILED", "CKV_AWS_3", "aws_ebs_volume.plain", "infra/main.tf:7-10"]
    assert main(["scan", "--env", "ci", "--format", "sarif"]) == 1
    doc = json.loads(capsys.readouterr().out)
    Draft7Validator(sarif_schema).validate(doc)
    assert len(doc["runs"][0]["results"]) == 1


def test_baseline_then_only_new_findings_fail(repo: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert main(["scan", "--env", "base"]) == 2
    assert "security-baseline.json: security.baseline: baseline file not found" in (
        capsys.readouterr().err)
    assert main(["baseline", "--env", "base"]) == 0
    assert "wrote 1 finding(s) to" in capsys.readouterr().out
    recorded = json.loads((repo / "security-baseline.json").read_text())
    assert recorded["findings"] == [
        {"check_id": "CKV_AWS_3", "file": "infra/main.tf", "resource": "aws_ebs_volume.plain"}]
    code, doc = scan_json(capsys, "--env", "base")
    assert code == 0
    assert doc["failed"] == []
    assert [b["resource"] for b in doc["baselined"]] == ["aws_ebs_volume.plain"]
    (repo / "security-baseline.json").unlink()


def test_scan_errors_exit_2(repo: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert main(["scan", str(repo / "empty"), "--no-cache"]) == 2
    assert "empty contains no files Checkov can scan" in capsys.readouterr().err
    assert main(["scan"]) == 2
    assert "nothing to scan" in capsys.readouterr().err
    assert main(["baseline", str(repo / "infra")]) == 2
    assert "no baseline file to write" in capsys.readouterr().err


def test_framework_takes_one_value_so_paths_after_it_stay_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_devops.cli import build_parser
    from pytest_devops.security.cli_common import resolve_source

    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(
        ["scan", "--framework", "terraform", "infra", "--framework", "secrets, terraform"]
    )
    src = resolve_source(args)
    assert src.policy.paths == (str(tmp_path / "infra"),)
    assert src.policy.frameworks == ("terraform", "secrets")
