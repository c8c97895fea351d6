"""The security gate as users see it, end to end through pytester with the real Checkov."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from pathlib import Path
from typing import Any

import pytest
from security_testdata import VOLUMES

MAIN_TF = VOLUMES + """
resource "aws_db_instance" "db" {
  engine            = "mysql"
  instance_class    = "db.t3.micro"
  password          = "correct-horse-battery"
  storage_encrypted = false
}
"""

CONFIG = """\
x-scan: &scan
  paths: [infra]
  frameworks: [terraform]
  checks: [CKV_AWS_3, CKV_AWS_16]
  checkov: {checkov}
environments:
  ci:
    redact_env: [DB_PASSWORD]
    security: *scan
  soft:
    extends: ci
    soft_fail: [security]
  waived:
    security:
      <<: *scan
      skip_checks:
        - {{id: CKV_AWS_16, reason: dev database, expires: 2020-01-01}}
        - {{id: CKV_AWS_3, reason: scratch volumes}}
  checks_soft:
    security:
      <<: *scan
      soft_fail: [CKV_AWS_16]
      skip_checks: [{{id: CKV_AWS_3, reason: scratch volumes}}]
  nocheckov:
    security:
      paths: [infra]
      checkov: {missing}
  typo:
    security:
      path: [infra]
"""

USER_TESTS = """
import pytest
from pytest_devops import ScanReport

@pytest.mark.devops_security
def test_only_the_plain_volume_is_unencrypted(devops_scan: ScanReport) -> None:
    assert devops_scan.resources("CKV_AWS_3") == {"aws_ebs_volume.plain"}
    assert devops_scan.resources("CKV_AWS_3", "passed") == {"aws_ebs_volume.encrypted"}
"""


def wrapper(directory: Path, real: str) -> Path:
    """Checkov, counting its runs (the real executable does the work)."""
    script = directory / "checkov"
    script.write_text(f'#!/bin/sh\necho run >> "{directory}/calls.log"\nexec "{real}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def calls(directory: Path) -> int:
    log = directory / "calls.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, checkov_exe: str) -> Path:
    """One project for the module; its scan cache is shared, so Checkov runs once."""
    root = tmp_path_factory.mktemp("project")
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text(MAIN_TF)
    exe = wrapper(root, checkov_exe)
    (root / "devops.yaml").write_text(CONFIG.format(checkov=exe, missing=root / "no-checkov"))
    return root


def run(pytester: pytest.Pytester, root: Path, env: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "-p", "no:xdist", "--devops-config", str(root / "devops.yaml"), "--devops-env", env,
        "-o", f"cache_dir={root / '.cache'}", "--devops-report", str(pytester.path / "report.json"),
        *args,
    )


def gate_report(pytester: pytest.Pytester) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((pytester.path / "report.json").read_text())
    return {g["nodeid"].rsplit("::", 1)[-1]: g for g in doc["gates"]}


def test_failing_checks_are_reported_one_by_one(
    pytester: pytest.Pytester, shared: Path, sarif_schema: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jsonschema import Draft7Validator

    monkeypatch.setenv("DB_PASSWORD", "correct-horse-battery")
    pytester.makepyfile(test_user=USER_TESTS)
    result = run(pytester, shared, "ci", "--devops-sarif", str(pytester.path / "out.sarif"),
                 "--junitxml", "junit.xml")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*checkov: 2 check(s) failed on 2 resource(s) (3 resources scanned, checkov *)",
        "*CKV_AWS_16 Ensure all data stored in the RDS is securely encrypted at rest [[]1]*",
        "*CKV_AWS_3 Ensure all data stored in the EBS is securely encrypted [[]1]*",
        "*- CKV_AWS_16 aws_db_instance.db (infra/main.tf:12): *",
        "*- CKV_AWS_3 aws_ebs_volume.plain (infra/main.tf:7): *",
    ])
    gates = gate_report(pytester)
    assert gates["checkov"]["outcome"] == "fail"
    assert [(f["rule"], f["address"], f["file"], f["line"], f["end_line"])
            for f in gates["checkov"]["findings"]] == [
        ("CKV_AWS_16", "aws_db_instance.db", "infra/main.tf", 12, 17),
        ("CKV_AWS_3", "aws_ebs_volume.plain", "infra/main.tf", 7, 10),
    ]
    assert gates["test_only_the_plain_volume_is_unencrypted"]["outcome"] == "pass"
    assert calls(shared) == 1  # the gate and the fixture share one scan
    sarif = json.loads((pytester.path / "out.sarif").read_text())
    Draft7Validator(sarif_schema).validate(sarif)
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in sarif["runs"][0]["results"]] == [("CKV_AWS_16", 12), ("CKV_AWS_3", 7)]
    junit = (pytester.path / "junit.xml").read_text()
    assert "aws_ebs_volume.plain (infra/main.tf:7)" in junit
    for output in (junit, json.dumps(sarif), result.stdout.str()):
        assert "correct-horse-battery" not in output


def test_unchanged_rerun_reads_the_cache(pytester: pytest.Pytester, shared: Path) -> None:
    before = calls(shared)
    run(pytester, shared, "ci").assert_outcomes(failed=1)
    assert calls(shared) == before
    # A policy that changes what Checkov reports is a new scan; skips and soft-fail are not.
    run(pytester, shared, "checks_soft").assert_outcomes(passed=2)
    assert calls(shared) == before


def test_environment_soft_fail_downgrades_the_failure(
    pytester: pytest.Pytester, shared: Path
) -> None:
    result = run(pytester, shared, "soft")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*SOFT-FAIL *devops.yaml::checkov: checkov: 2 check(s) failed*"])
    assert gate_report(pytester)["checkov"]["soft_fail"] is True


def test_soft_failed_checks_are_warnings(pytester: pytest.Pytester, shared: Path) -> None:
    result = run(pytester, shared, "checks_soft")
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(["*SecuritySoftFailWarning: 1 failed check(s) not failing "
                                 "the gate: CKV_AWS_16 aws_db_instance.db (infra/main.tf:12-17)*"])


def test_expired_skip_fails_and_no_longer_applies(pytester: pytest.Pytester, shared: Path) -> None:
    result = run(pytester, shared, "waived")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*1 security skip(s) expired: CKV_AWS_16*",
        "*- expired-skip CKV_AWS_16 (*devops.yaml): skip of CKV_AWS_16 expired on 2020-01-01*",
    ])
    gates = gate_report(pytester)
    assert [f["rule"] for f in gates["checkov"]["findings"]] == ["CKV_AWS_16"]


def test_missing_checkov_is_an_error_not_a_pass(pytester: pytest.Pytester, shared: Path) -> None:
    result = run(pytester, shared, "nocheckov", "--devops-sarif", "err.sarif")
    assert result.ret == 1
    sarif = json.loads((pytester.path / "err.sarif").read_text())
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "was not found" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert sarif["runs"][0]["results"] == []
    result.stdout.fnmatch_lines(["*checkov (*no-checkov, from security.checkov) was not found*",
                                 "*hint: install Checkov apart from the project: "
                                 "`pipx install checkov`*"])
    assert gate_report(pytester)["checkov"]["outcome"] == "error"


def test_invalid_security_section_is_a_usage_error(pytester: pytest.Pytester, shared: Path) -> None:
    result = run(pytester, shared, "typo")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*environments.typo.security.path: unknown key 'path'*"])


def test_xdist_workers_share_one_scan(pytester: pytest.Pytester, checkov_exe: str) -> None:
    pytest.importorskip("xdist")
    root = pytester.path
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text(MAIN_TF)
    exe = wrapper(root, checkov_exe)
    (root / "devops.yaml").write_text(CONFIG.format(checkov=exe, missing="x"))
    tests = USER_TESTS + "".join(textwrap.dedent(f"""
        def test_more_{i}(devops_scan):
            assert devops_scan.resource_count == 3
        """) for i in range(4))
    pytester.makepyfile(test_user=tests)
    result = pytester.runpytest_subprocess("-n", "2", "--devops-env", "ci")
    result.assert_outcomes(passed=5, failed=1)
    assert calls(root) == 1


def test_xdist_workers_share_one_failed_scan(pytester: pytest.Pytester, checkov_exe: str) -> None:
    """A scan that cannot run is tried once per run, not once per worker."""
    root = pytester.path
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text(MAIN_TF)
    exe = wrapper(root, checkov_exe)
    (root / "devops.yaml").write_text(
        "environments:\n  ci:\n    security:\n      paths: [infra]\n"
        f"      checkov: {exe}\n      extra_args: [--no-such-option]\n"
    )
    pytester.makepyfile(test_user="".join(
        f"\ndef test_{i}(devops_scan):\n    pass\n" for i in range(4)))
    result = pytester.runpytest_subprocess("-n", "2", "--devops-env", "ci")
    result.assert_outcomes(errors=5)  # the gate and the four tests
    assert calls(root) == 1
    result.stdout.fnmatch_lines(["*checkov exited with status 2*"])


def test_the_plugin_module_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = ("import sys, pytest_devops.security.plugin; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('checkov', 'yaml', 'jsonschema', 'boto3')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ})
    assert out.stdout.strip() == "[]"


def test_reports_written_into_the_scanned_tree_keep_the_cache(
    pytester: pytest.Pytester, checkov_exe: str, tmp_path: Path
) -> None:
    """The gate report and JUnit change on every run; they do not key the scan cache."""
    exe = wrapper(tmp_path, checkov_exe)
    (pytester.path / "main.tf").write_text(MAIN_TF)
    (pytester.path / "devops.yaml").write_text(
        "environments:\n  ci:\n    security:\n      frameworks: [terraform]\n"
        f"      checks: [CKV_AWS_3]\n      checkov: {exe}\n"
    )
    for _ in range(2):
        result = pytester.runpytest("-p", "no:xdist", "--devops-env", "ci",
                                    "--devops-report", "gates.json", "--junitxml", "junit.xml")
        result.assert_outcomes(failed=1)
    assert calls(tmp_path) == 1
