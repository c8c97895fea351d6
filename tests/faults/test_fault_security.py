"""Security faults, with the real Checkov: coverage per path, a scanner that is missing,
crashes or hangs, files it cannot parse, and a secret in the scanned code."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from faultkit import run_gates, section
from faultkit import secrets_env as secrets_env
from leaks import SECRETS, assert_no_leak

BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
ONLY_DATA = 'resource "terraform_data" "marker" {\n  input = "x"\n}\n'
VOLUME = ('resource "aws_ebs_volume" "plain" {\n  availability_zone = "us-east-1a"\n'
          '  size = 8\n  encrypted = false\n}\n')


def security(checkov: str, paths: str, extra: str = "", checks: str = "[CKV_AWS_3]") -> str:
    selected = f"  checks: {checks}\n" if checks else ""
    return section(f"security:\n  paths: {paths}\n  checkov: {checkov}\n{selected}{extra}")


def test_nothing_to_check_is_said_and_not_an_error(
        pytester: pytest.Pytester, checkov_exe: str, secrets_env: dict[str, str]) -> None:
    out = run_gates(pytester, security(checkov_exe, "[infra, scratch]", checks=""),
        {"infra/main.tf": BUCKET, "scratch/main.tf": ONLY_DATA})
    gate = out.gate("::checkov")
    assert gate["outcome"] == "fail"  # the bucket fails several default checks
    assert gate["message"].splitlines()[0].startswith("checkov: ")
    sarif = json.loads((out.root / "s.sarif").read_text())
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]} == {"infra/main.tf"}


def test_scan_cli_reports_resources_scanned_per_path(
        pytester: pytest.Pytester, checkov_exe: str, secrets_env: dict[str, str],
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_devops.cli import main

    (pytester.path / "infra").mkdir()
    (pytester.path / "infra" / "main.tf").write_text(VOLUME)
    (pytester.path / "scratch").mkdir()
    (pytester.path / "scratch" / "main.tf").write_text(ONLY_DATA)
    pytester.makefile(".yaml", devops=security(checkov_exe, "[infra, scratch]"))
    monkeypatch.chdir(pytester.path)
    assert main(["scan", "--env", "staging", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["resources_scanned"] == {"infra": 1, "scratch": 0}
    assert doc["coverage"]["scratch"] == {"declared": 1, "resources_scanned": 0,
                                          "status": "nothing to check"}
    assert main(["scan", "--env", "staging"]) == 1
    assert capsys.readouterr().out.splitlines()[1] == (
        "paths: infra: 1 resources scanned; scratch: nothing to check (1 declared)")


def test_a_path_checkov_did_not_read_is_an_error_naming_it(
        pytester: pytest.Pytester, checkov_exe: str, secrets_env: dict[str, str]) -> None:
    config = security(checkov_exe, "[infra, more]", "  extra_args: ['--skip-path', 'more']\n",
                      checks="")
    out = run_gates(pytester, config, {"infra/main.tf": VOLUME, "more/main.tf": BUCKET})
    assert out.ret == 1
    assert out.outcomes() == {"checkov": "error"}
    out.shows("ERROR     devops.yaml::checkov: checkov scanned none of the resources declared "
              "under more (1 declared)")


def test_a_file_checkov_cannot_parse(pytester: pytest.Pytester, checkov_exe: str,
                                     secrets_env: dict[str, str]) -> None:
    broken = f'resource "aws_s3_bucket" "b" {{\n  bucket = "{SECRETS["DEVOPS_TOKEN"]}"\n'
    out = run_gates(pytester, security(checkov_exe, "[infra]"), {"infra/main.tf": broken})
    assert (out.ret, out.outcomes()) == (1, {"checkov": "error"})
    out.shows("ERROR     devops.yaml::checkov: checkov could not parse 1 file(s):")


def _script(root: Path, body: str) -> str:
    path = root / "fake-checkov"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.mark.parametrize(("body", "extra", "line"), [
    (f"echo 'Traceback: token={SECRETS['DEVOPS_TOKEN']}' >&2\nexit 3\n", "",
     "ERROR     devops.yaml::checkov: checkov exited with status 3:"),
    ("sleep 30\n", "  timeout: 1\n", "ERROR     devops.yaml::checkov: checkov*1*s*"),
    ("echo 'not json'\nexit 0\n", "", "ERROR     devops.yaml::checkov: *"),
], ids=["crash", "hang", "garbage"])
def test_a_broken_scanner_is_an_error(pytester: pytest.Pytester, secrets_env: dict[str, str],
                                      body: str, extra: str, line: str) -> None:
    exe = _script(pytester.path, body)
    out = run_gates(pytester, security(exe, "[infra]", extra), {"infra/main.tf": VOLUME})
    assert (out.ret, out.outcomes()) == (1, {"checkov": "error"})
    out.shows(line)


def test_missing_checkov_and_missing_path(pytester: pytest.Pytester,
                                          secrets_env: dict[str, str]) -> None:
    out = run_gates(pytester, security("/nonexistent/checkov", "[infra]"),
                    {"infra/main.tf": VOLUME})
    assert (out.ret, out.outcomes()) == (1, {"checkov": "error"})
    out.shows("ERROR     devops.yaml::checkov: *checkov*")
    out = run_gates(pytester, security("/nonexistent/checkov", "[nowhere]"))
    assert out.outcomes() == {"checkov": "error"}


def test_secret_in_scanned_code_is_masked_everywhere(
        pytester: pytest.Pytester, checkov_exe: str, secrets_env: dict[str, str]) -> None:
    code = VOLUME.replace("size = 8", f'size = 8\n  tags = {{ Key = "{SECRETS["DEVOPS_TOKEN"]}" }}')
    out = run_gates(pytester, security(checkov_exe, "[infra]"), {"infra/main.tf": code})
    assert (out.ret, out.outcomes()) == (1, {"checkov": "fail"})
    assert_no_leak([("sarif", (out.root / "s.sarif").read_bytes())])
