"""Parsing Checkov's output and judging it by the policy: pure functions, exact results."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.errors import ConfigError, GateError, GateFailure
from pytest_devops.redact import Redactor
from pytest_devops.security import baseline, sarif
from pytest_devops.security.gates import judge_scan
from pytest_devops.security.inputs import Targets
from pytest_devops.security.parse import RawScan, mask_code, parse
from pytest_devops.security.policy import SecurityPolicy, parse_policy
from pytest_devops.security.scanner import _redact, fail_closed, judge

ROOT = Path("/repo")
TODAY = dt.date(2026, 6, 1)


def check(check_id: str, resource: str, file: str, lines: list[int], **kw: Any) -> dict[str, Any]:
    return {"check_id": check_id, "check_name": f"name of {check_id}", "resource": resource,
            "file_abs_path": f"/repo/{file}", "file_path": f"/{file}", "file_line_range": lines,
            "code_block": [[lines[0], f'resource "{resource}" {{\n'],
                           [lines[0] + 1, '  password = "hunter2-hunter2"\n']],
            "guideline": None, "severity": None, **kw}


def report(framework: str, count: int, failed: list[Any], passed: list[Any] = (),  # type: ignore[assignment]
           errors: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"check_type": framework,
            "results": {"passed_checks": list(passed), "failed_checks": failed,
                        "skipped_checks": [], "parsing_errors": list(errors)},
            "summary": {"resource_count": count, "checkov_version": "3.3.30"}}


A = check("CKV_AWS_3", "aws_ebs_volume.a", "infra/main.tf", [1, 4])
B = check("CKV_AWS_20", "aws_s3_bucket.site", "infra/s3.tf", [10, 20])
C = check("CKV_AWS_3", "aws_ebs_volume.b", "other/main.tf", [5, 9])
OUTPUT = "\n".join([
    json.dumps(report("terraform", 2, [A, B])),
    # Checkov's report for a second -d repeats the first one's results.
    json.dumps([report("terraform", 3, [A, B, C]), report("secrets", 0, [])]),
    json.dumps({"passed": 0, "failed": 0, "resource_count": 0, "checkov_version": "3.3.30"}),
])


@pytest.fixture
def raw() -> RawScan:
    return parse(OUTPUT, ROOT)


def test_parse_merges_and_deduplicates(raw: RawScan) -> None:
    assert raw.checkov_version == "3.3.30"
    assert raw.resource_counts == {"terraform": 3, "secrets": 0}
    assert [(r.check_id, r.resource, r.file, r.lines) for r in raw.results] == [
        ("CKV_AWS_3", "aws_ebs_volume.a", "infra/main.tf", (1, 4)),
        ("CKV_AWS_20", "aws_s3_bucket.site", "infra/s3.tf", (10, 20)),
        ("CKV_AWS_3", "aws_ebs_volume.b", "other/main.tf", (5, 9)),
    ]
    assert raw.results[0].code == 'resource "aws_ebs_volume.a" {\n  password = "***"\n'


@pytest.mark.parametrize("text", ["", "   \n", "Traceback (most recent call last):\n  boom\n"])
def test_no_report_is_an_error(text: str) -> None:
    with pytest.raises(GateError, match="checkov printed no JSON report"):
        parse(text, ROOT)


def test_malformed_json_is_an_error() -> None:
    with pytest.raises(GateError, match="malformed JSON"):
        parse('{"check_type": "terraform", "results": {', ROOT)


def test_judge_applies_skips_baseline_and_soft_fail(raw: RawScan) -> None:
    policy = parse_policy({"skip_checks": [{"id": "CKV_AWS_20", "reason": "public site"}],
                           "soft_fail": ["CKV_AWS_3"]})
    known = {("CKV_AWS_3", "infra/main.tf", "aws_ebs_volume.a")}
    result = judge(raw, policy, known, TODAY)
    assert result.failed == ()
    assert [(r.resource, r.note) for r in result.skipped] == [
        ("aws_s3_bucket.site", "skipped: CKV_AWS_20: public site")]
    assert [r.resource for r in result.baselined] == ["aws_ebs_volume.a"]
    assert [(r.resource, r.note) for r in result.soft_failed] == [("aws_ebs_volume.b", "soft-fail")]
    with pytest.warns(UserWarning, match=r"1 failed check\(s\) not failing the gate: CKV_AWS_3 "
                      r"aws_ebs_volume\.b \(other/main\.tf:5-9\)"):
        judge_scan(result)


def test_expired_skip_no_longer_applies(raw: RawScan) -> None:
    policy = parse_policy({"skip_checks": [
        {"id": "CKV_AWS_20", "reason": "public site", "expires": "2026-05-31"}]})
    result = judge(raw, policy, set(), TODAY)
    assert {r.resource for r in result.failed} == {
        "aws_ebs_volume.a", "aws_s3_bucket.site", "aws_ebs_volume.b"}


def test_failure_lists_each_check_and_each_resource(raw: RawScan) -> None:
    result = judge(raw, SecurityPolicy(), set(), TODAY)
    with pytest.raises(GateFailure) as info:
        judge_scan(result)
    assert str(info.value).splitlines() == [
        "checkov: 2 check(s) failed on 3 resource(s) (3 resources scanned, checkov 3.3.30)",
        "  CKV_AWS_20 name of CKV_AWS_20 [1] — "
        "https://www.checkov.io/5.Policy%20Index/terraform.html",
        "  CKV_AWS_3 name of CKV_AWS_3 [2] — https://www.checkov.io/5.Policy%20Index/terraform.html",
        "  - CKV_AWS_20 aws_s3_bucket.site (infra/s3.tf:10): name of CKV_AWS_20",
        "  - CKV_AWS_3 aws_ebs_volume.a (infra/main.tf:1): name of CKV_AWS_3",
        "  - CKV_AWS_3 aws_ebs_volume.b (other/main.tf:5): name of CKV_AWS_3",
    ]
    assert info.value.findings[0].to_dict() == {
        "rule": "CKV_AWS_20", "message": "name of CKV_AWS_20", "address": "aws_s3_bucket.site",
        "file": "infra/s3.tf", "line": 10, "end_line": 20,
        "guideline": "https://www.checkov.io/5.Policy%20Index/terraform.html",
        "details": {"framework": "terraform"},
    }


def test_severity_threshold_without_severities_is_a_config_error(raw: RawScan) -> None:
    with pytest.raises(ConfigError, match=r"severity_threshold is HIGH, but Checkov reported no "
                       r"severity for CKV_AWS_3"):
        judge(raw, SecurityPolicy(severity_threshold="HIGH"), set(), TODAY)


def test_severity_threshold_with_severities() -> None:
    out = json.dumps(report("terraform", 2, [
        check("CUSTOM_1", "aws_s3_bucket.a", "s3.tf", [1, 2], severity="LOW"),
        check("CUSTOM_2", "aws_s3_bucket.b", "s3.tf", [3, 4], severity="CRITICAL")]))
    result = judge(parse(out, ROOT), SecurityPolicy(severity_threshold="HIGH"), set(), TODAY)
    assert [r.check_id for r in result.failed] == ["CUSTOM_2"]
    assert [(r.check_id, r.note) for r in result.soft_failed] == [
        ("CUSTOM_1", "below severity HIGH")]


def test_zero_resources_where_declared_is_an_error(raw: RawScan) -> None:
    targets = Targets(expected={"kubernetes": ["/repo/k8s/deploy.yaml"]})
    with pytest.raises(GateError, match=r"scanned no kubernetes resources, but k8s/deploy\.yaml"):
        fail_closed(raw, targets, SecurityPolicy(), ROOT)
    fail_closed(raw, targets, SecurityPolicy(frameworks=("terraform",)), ROOT)  # not asked for


def test_known_secrets_are_redacted(raw: RawScan) -> None:
    result = _redact(judge(raw, SecurityPolicy(), set(), TODAY), Redactor(["aws_ebs_volume.a"]))
    # Any 8 characters of a secret are masked wherever they are: here the neighbour
    # address shares "aws_ebs_volume." with the secret.
    assert {r.resource for r in result.failed} == {"***", "aws_s3_bucket.site", "***b"}


def test_mask_code() -> None:
    code = ('  secret_key = "abcd1234efgh"\n  db_password = var.password\n'
            '  AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE\n  token: ""\n  name = "ok"\n')
    assert mask_code(code) == ('  secret_key = "***"\n  db_password = var.password\n'
                               '  AWS_ACCESS_KEY_ID: ***\n  token: ""\n  name = "ok"\n')
    assert "BEGIN" not in mask_code("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n")


def test_baseline_round_trip(raw: RawScan, tmp_path: Path) -> None:
    first = judge(raw, SecurityPolicy(), set(), TODAY)
    path = baseline.write(tmp_path / "baseline.json", first)
    known = baseline.load(path)
    assert known == {r.identity() for r in first.failed}
    again = judge(raw, SecurityPolicy(), known, TODAY)
    assert again.failed == ()
    assert len(again.baselined) == 3


def test_baseline_must_be_ours(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text('{"failed_checks": []}')
    with pytest.raises(ConfigError, match="not a security baseline"):
        baseline.load(path)
    with pytest.raises(ConfigError, match="baseline file not found"):
        baseline.load(tmp_path / "missing.json")


def test_sarif_is_valid_and_locates_each_result(raw: RawScan, sarif_schema: dict[str, Any]) -> None:
    from jsonschema import Draft7Validator

    policy = parse_policy({"skip_checks": [{"id": "CKV_AWS_20", "reason": "public site"}]})
    doc = sarif.build(judge(raw, policy, set(), TODAY), ROOT)
    Draft7Validator(sarif_schema).validate(doc)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["CKV_AWS_3", "CKV_AWS_20"]
    places = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"])
              for r in run["results"]]
    located = [(rule, level, where["artifactLocation"]["uri"], where["region"]["startLine"])
               for rule, level, where in places]
    assert located == [("CKV_AWS_3", "error", "infra/main.tf", 1),
                       ("CKV_AWS_3", "error", "other/main.tf", 5),
                       ("CKV_AWS_20", "note", "infra/s3.tf", 10)]
    assert run["results"][2]["suppressions"] == [
        {"kind": "external", "justification": "skipped: CKV_AWS_20: public site"}]
    assert "hunter2" not in json.dumps(doc)


def test_sarif_uris_are_percent_encoded(raw: RawScan) -> None:
    from dataclasses import replace

    odd = replace(raw.results[0], file="my infra/50% #1:a.tf")
    outside = replace(raw.results[0], file="/elsewhere/main file.tf")
    report = judge(RawScan(results=[odd, outside]), SecurityPolicy(), set(), TODAY)
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"]
                 for r in sarif.build(report, ROOT)["runs"][0]["results"]]
    assert locations == [
        {"uri": "file:///elsewhere/main%20file.tf"},
        {"uri": "my%20infra/50%25%20%231%3Aa.tf", "uriBaseId": "SRCROOT"},
    ]


def test_sarif_of_a_scan_that_could_not_run(tmp_path: Path, sarif_schema: dict[str, Any]) -> None:
    from jsonschema import Draft7Validator

    path = sarif.write_error(tmp_path / "out.sarif", "checkov exited with status 2 (s3cr3t-value)",
                             Redactor(["s3cr3t-value"]))
    doc = json.loads(path.read_text())
    Draft7Validator(sarif_schema).validate(doc)
    invocation = doc["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == (
        "checkov exited with status 2 (***)")
    assert doc["runs"][0]["results"] == []


def test_checkov_log_quoted_in_an_error_is_masked() -> None:
    from pytest_devops.security.scanner import _tail

    log = (
        "2026-01-01 10:00:00,000 [MainThread  ] [ERROR]  Failed to parse main.tf\n"
        '    password = "hunter2-Sup3rSecret" [\n'
        "Traceback (most recent call last):\n"
    )
    assert _tail(log) == (
        ":\n    2026-01-01 10:00:00,000 [MainThread  ] [ERROR]  Failed to parse main.tf"
        '\n        password = "***" [\n    Traceback (most recent call last):'
    )


def test_with_checks_one_framework_that_read_resources_is_enough(raw: RawScan) -> None:
    targets = Targets(expected={"terraform": ["/repo/infra/main.tf"],
                                "kubernetes": ["/repo/k8s/deploy.yaml"]})
    fail_closed(raw, targets, SecurityPolicy(checks=("CKV_AWS_3",)), ROOT)
    only_k8s = Targets(expected={"kubernetes": ["/repo/k8s/deploy.yaml"]})
    with pytest.raises(GateError, match=r"scanned no kubernetes resources, but k8s/deploy\.yaml"):
        fail_closed(raw, only_k8s, SecurityPolicy(checks=("CKV_K8S_1",)), ROOT)
