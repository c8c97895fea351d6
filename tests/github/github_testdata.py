"""Inputs of the real pytest run the GitHub reporting tests publish."""

from __future__ import annotations

SECRET = "s3cr3t-T0ken-value"
GH_TOKEN = "ghs_fakeTokenForTheLocalServer01"

#: What a plan/security/cost run could say, including everything a hostile plan or scanner
#: might put in its text.
HOSTILE = (
    "bucket is public ::set-output name=x::y %0A </details> <script>alert(1)</script> "
    "@octocat #1 ${{ secrets.X }}"
)

DEVOPS_YAML = """\
environments:
  staging:
    redact_env: [DEVOPS_TEST_SECRET]
    github:
      comment: on-failure
      max_annotations: 20
      title: Staging gates
"""

GATES = """\
import os

import pytest

from pytest_devops import Finding, GateError, GateFailure

SECRET = os.environ["DEVOPS_TEST_SECRET"]
HOSTILE = {hostile!r}


@pytest.mark.devops_plan
def test_plan_ok():
    pass


@pytest.mark.devops_security
def test_bucket():
    raise GateFailure(
        HOSTILE + "\\nsecond line " + SECRET,
        [
            Finding("CKV_AWS_20", "public ACL\\n::warning::pwn", address="aws_s3_bucket.logs",
                    file="main.tf", line=3, end_line=9, severity="HIGH"),
            Finding("CKV_AWS_18", "no access logging, key " + SECRET,
                    address="aws_s3_bucket.logs", file="modules/s3/main.tf", line=12),
            Finding("CKV_AWS_21", "no versioning", address="aws_s3_bucket.logs"),
        ],
    )


@pytest.mark.devops_cost
def test_budget():
    raise GateError("cannot price aws_instance.web: " + SECRET)


@pytest.mark.devops_postdeploy
def test_skipped():
    pytest.skip("no hosts")
"""

SECTIONS = """\
import os


def pytest_devops_report(report, config):
    secret = os.environ["DEVOPS_TEST_SECRET"]
    report["plan"] = {
        "format_version": "1.2",
        "counts": {"create": 1, "update": 1, "delete": 0, "replace": 1, "read": 0, "no-op": 2},
        "resources": [
            {"address": "aws_s3_bucket.logs", "type": "aws_s3_bucket", "actions": ["create"]},
            {"address": "aws_instance.web", "type": "aws_instance", "actions": ["update"]},
            {"address": "aws_db_instance.main", "type": "aws_db_instance",
             "actions": ["delete", "create"]},
            {"address": "aws_iam_role.ci", "type": "aws_iam_role", "actions": ["no-op"]},
        ],
        "digest": "sha256:0123abcd",
        "password": secret,
    }
    report["cost"] = {
        "currency": "USD",
        "monthly_before": "100.00",
        "monthly_after": "142.5",
        "monthly_delta": "42.5",
        "resources": [
            {"address": "aws_instance.web", "monthly_before": "100", "monthly_after": "130"},
            {"address": "aws_s3_bucket.logs", "monthly_before": "0", "monthly_after": "12.5"},
        ],
        "unpriced": [{"address": "aws_iam_role.ci", "reason": "free"}],
    }
    report["security"] = {
        "passed": 7,
        "failed": 1,
        "findings": [
            {"rule": "CKV_AWS_20", "message": "public ACL", "address": "aws_s3_bucket.logs",
             "file": "main.tf", "line": 3, "severity": "HIGH"},
        ],
    }
"""
