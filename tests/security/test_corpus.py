"""Acceptance: Checkov, run through the scanner, gives exactly the results the Checkov
project's own tests assert for the corpus inputs (tf/, cfn/ and plans/)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.errors import GateError
from pytest_devops.security.model import ScanReport, ScanResult
from pytest_devops.security.policy import SecurityPolicy
from pytest_devops.security.scanner import scan

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("PYTEST_DEVOPS_CORPUS", ROOT.parent / "shared" / "corpus"))
#: A plan captured through the setup-terraform wrapper (noise lines around the JSON).
WRAPPED_PLAN = "negative/infracost__terraform_wrapper.json"
#: Plan cases whose checks are custom checks of Checkov's own test suite, not built in.
CUSTOM_CHECKS = {
    "plans/checkov__change_keys_updates.json": "CUSTOM_CHANGE_1 is a custom check of "
    "Checkov's test suite (tests/terraform/runner/extra_tf_plan_checks), not a built-in check",
    "plans/checkov__deleted_resources_replace.json": "CUSTOM_DELETE_1/2 are custom checks of "
    "Checkov's test suite, not built-in checks",
}


def expectations(name: str) -> list[Any]:
    path = CORPUS / "expected" / f"checkov__{name}_expectations.json"
    if not path.is_file():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{path} not found"))]
    data = json.loads(path.read_text(encoding="utf-8"))
    params = []
    for key, case in data.items():
        if key.startswith("_"):
            continue
        if key not in CUSTOM_CHECKS:  # those have their own test below
            params.append(pytest.param(key, case, id=key))
    return params


def _keys(name: str) -> tuple[str, ...]:
    path = CORPUS / "expected" / f"checkov__{name}_expectations.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(k.rstrip("/") for k in data if not k.startswith("_"))


@pytest.fixture(scope="session")
def corpus_report(corpus: Path, checkov_exe: str, scan_cache: Path) -> ScanReport:
    """One Checkov run over every tf/ and cfn/ case directory and every plan case."""
    paths = (*_keys("tf"), *_keys("cfn"), *_keys("plan"), WRAPPED_PLAN)
    policy = SecurityPolicy(paths=paths, checkov=checkov_exe,
                            frameworks=("terraform", "cloudformation", "terraform_plan"))
    return scan(policy, corpus, cache_dir=scan_cache)


def _of(results: tuple[ScanResult, ...], checks: Any) -> list[ScanResult]:
    wanted = set(checks) if isinstance(checks, list) else None
    return [r for r in results if wanted is None or r.check_id in wanted]


@pytest.mark.parametrize(("key", "case"), expectations("tf"))
def test_terraform_directory(corpus_report: ScanReport, key: str, case: dict[str, Any]) -> None:
    part = corpus_report.under(key)
    assert part.resources(case["check_id"], "failed") == set(case["failing_resources"])
    assert part.resources(case["check_id"], "passed") == set(case["passing_resources"])


@pytest.mark.parametrize(("key", "case"), expectations("cfn"))
def test_cloudformation_directory(
    corpus_report: ScanReport, key: str, case: dict[str, Any]
) -> None:
    part = corpus_report.under(key)
    check = case["check_id"]
    failed = [r for r in part.failed if r.check_id == check]
    passed = [r for r in part.passed if r.check_id == check]
    assert (len(passed), len(failed)) == (case["summary"]["passed"], case["summary"]["failed"])
    assert part.parsing_errors == ()
    if "failing_resources" in case:
        assert {r.resource for r in failed} == set(case["failing_resources"])
        assert {r.resource for r in passed} == set(case["passing_resources"])


@pytest.mark.parametrize(("key", "case"), expectations("plan"))
def test_plan(corpus_report: ScanReport, key: str, case: dict[str, Any]) -> None:
    part = corpus_report.under(key)
    failed, passed = _of(part.failed, case["checks"]), _of(part.passed, case["checks"])
    summary = case.get("summary", {})
    for name, results in (("failed", failed), ("passed", passed)):
        expected = summary.get(name)
        if expected == ">0":
            assert results, f"expected some {name} checks"
        elif expected is not None:
            assert len(results) == expected, name
    assert part.parsing_errors == ()
    if "failed_resources" in case:
        assert {r.resource for r in failed} == set(case["failed_resources"])
    if "passed_resources" in case:
        assert {r.resource for r in passed} == set(case["passed_resources"])
    if "failed_check_ids" in case:
        assert {r.check_id for r in failed} == set(case["failed_check_ids"])


def test_findings_carry_file_lines_and_guideline(corpus_report: ScanReport) -> None:
    failed = corpus_report.under("tf/checkov__EBSEncryption").by_check()["CKV_AWS_3"]
    assert [(r.resource, r.file, r.lines) for r in failed] == [
        ("aws_ebs_volume.default", "tf/checkov__EBSEncryption/aws_ebs_volume.tf", (12, 15)),
        ("aws_ebs_volume.disabled", "tf/checkov__EBSEncryption/aws_ebs_volume.tf", (17, 22)),
    ]
    finding = failed[0].to_finding()
    assert finding.summary() == (
        "CKV_AWS_3 aws_ebs_volume.default (tf/checkov__EBSEncryption/aws_ebs_volume.tf:12): "
        "Ensure all data stored in the EBS is securely encrypted"
    )
    assert finding.guideline == "https://www.checkov.io/5.Policy%20Index/terraform.html"
    assert failed[0].framework == "terraform"
    assert 'resource "aws_ebs_volume" "default"' in failed[0].code


def test_secrets_in_code_snippets_are_masked(corpus_report: ScanReport) -> None:
    part = corpus_report.under("cfn/checkov__LambdaEnvironmentCredentials")
    secret = [r for r in part.failed if r.check_id == "CKV_AWS_45"]
    assert secret
    for result in secret:
        raw = (CORPUS / result.file).read_text(encoding="utf-8")
        keys = re.findall(r"AKIA[0-9A-Z]{16}", raw)
        assert keys, result.file
        assert not any(key in result.code for key in keys), result.code
        assert "***" in result.code


def test_plan_captured_through_the_wrapper_is_read(corpus_report: ScanReport) -> None:
    part = corpus_report.under(WRAPPED_PLAN)
    assert part.resources("CKV_AWS_126") == {"aws_instance.web_app"}
    assert part.resources("CKV_AWS_117") == {"aws_lambda_function.hello_world"}
    assert {r.file for r in part.failed} == {WRAPPED_PLAN}
    assert {r.lines for r in part.failed} == {None}  # no lines of a de-noised copy


def test_a_state_is_not_scanned_as_a_plan(corpus: Path, checkov_exe: str) -> None:
    policy = SecurityPolicy(paths=("negative/checkov__state_not_plan.json",), checkov=checkov_exe)
    expected = r"checkov__state_not_plan\.json: this is a Terraform state"
    with pytest.raises(GateError, match=expected):
        scan(policy, corpus)


def test_only_the_custom_check_cases_are_left_out(corpus_report: ScanReport) -> None:
    """The two plan cases judged by Checkov's own test-suite checks are the only ones not
    compared; Checkov scans them cleanly and, having no such checks built in, reports none
    of their ids."""
    data = json.loads((CORPUS / "expected" / "checkov__plan_expectations.json").read_text())
    custom = {
        key for key, case in data.items()
        if not key.startswith("_") and any(str(c).startswith("CUSTOM_") for c in case["checks"])
    }
    assert custom == set(CUSTOM_CHECKS)
    for key in sorted(custom):
        part = corpus_report.under(key)
        assert part.parsing_errors == ()
        assert part.passed or part.failed, key
        ids = {r.check_id for r in (*part.passed, *part.failed)}
        assert not {i for i in ids if i.startswith("CUSTOM_")}, key
