"""Conformance against moto's server: a clean apply conforms; each drift injected
between apply and verify fails naming the exact resource and attribute; a sensitive
attribute's values never appear."""

from __future__ import annotations

import json
from typing import Any

import pytest
from stack import POLICY, SECRET, apply

from pytest_devops.conformance.check import check, judge
from pytest_devops.errors import GateFailure
from pytest_devops.plan.load import parse_plan


@pytest.fixture
def applied(boto: Any, aws_session: Any) -> Any:
    plan, state = apply(boto)
    yield parse_plan(plan, source="plan.json"), state
    # each test gets a fresh stack: remove what it made
    for b in boto("s3").list_buckets()["Buckets"]:
        boto("s3").delete_bucket_policy(Bucket=b["Name"])
        boto("s3").delete_bucket(Bucket=b["Name"])
    ec2 = boto("ec2")
    for r in ec2.describe_instances()["Reservations"]:
        ec2.terminate_instances(InstanceIds=[i["InstanceId"] for i in r["Instances"]])
    boto("rds").delete_db_instance(DBInstanceIdentifier="conf-main", SkipFinalSnapshot=True)
    boto("lambda").delete_function(FunctionName="conf-api")
    boto("iam").delete_role(RoleName="conf-api")
    boto("logs").delete_log_group(logGroupName="/conf/app")
    boto("ssm").delete_parameter(Name="/conf/db_password")
    for v in ec2.describe_volumes()["Volumes"]:
        ec2.delete_volume(VolumeId=v["VolumeId"])
    for g in ec2.describe_security_groups()["SecurityGroups"]:
        if g["GroupName"] == "conf-web":
            ec2.delete_security_group(GroupId=g["GroupId"])


def _mismatches(applied: Any, session: Any) -> list[tuple[str, str]]:
    plan, state = applied
    return [(m.address, m.attribute) for m in check(plan, session, state).mismatches]


def test_a_clean_apply_conforms(applied: Any, aws_session: Any) -> None:
    plan, state = applied
    report = check(plan, aws_session, state)
    assert {r.address: (r.status, r.checked) for r in report.resources} == {
        "aws_s3_bucket.assets": ("conforms", ["bucket", "tags"]),
        "aws_s3_bucket_policy.assets": ("conforms", ["bucket", "policy"]),
        "aws_instance.web": ("conforms", ["ami", "instance_type", "subnet_id", "tags"]),
        "aws_security_group.web": ("conforms", ["description", "ingress", "name", "tags"]),
        "aws_ebs_volume.data": ("conforms", ["availability_zone", "encrypted", "size",
                                             "tags", "type"]),
        "aws_db_instance.main": ("conforms", ["allocated_storage", "engine", "identifier",
                                              "instance_class", "tags", "username"]),
        "aws_lambda_function.api": ("conforms", ["function_name", "handler", "memory_size",
                                                 "runtime", "tags", "timeout"]),
        "aws_cloudwatch_log_group.app": ("conforms", ["name", "retention_in_days", "tags"]),
        "aws_ssm_parameter.db_password": ("conforms", ["name", "tags", "type", "value"]),
    }
    judge(report, "conformance")  # passes


def test_tag_changed(applied: Any, aws_session: Any, boto: Any) -> None:
    boto("logs").tag_log_group(logGroupName="/conf/app", tags={"Owner": "someone-else"})
    plan, state = applied
    report = check(plan, aws_session, state)
    assert [str(m) for m in report.mismatches] == [
        "aws_cloudwatch_log_group.app: tags: planned {\"Owner\": \"team-a\"}, "
        "actual {\"Owner\": \"someone-else\"}"]


def test_instance_type_changed(applied: Any, aws_session: Any, boto: Any) -> None:
    plan, state = applied
    instance = state["values"]["root_module"]["resources"][0]["values"]["id"]
    boto("ec2").modify_instance_attribute(InstanceId=instance,
                                          InstanceType={"Value": "m5.large"})
    assert _mismatches(applied, aws_session) == [("aws_instance.web", "instance_type")]
    with pytest.raises(GateFailure) as info:
        judge(check(plan, aws_session, state), "conformance[aws_instance]")
    assert str(info.value).splitlines() == [
        "conformance[aws_instance]: 1 difference(s) between the plan and what is live",
        "  - conformance aws_instance.web: instance_type: planned 't3.micro', "
        "actual 'm5.large'"]
    assert [f.address for f in info.value.findings] == ["aws_instance.web"]


def test_bucket_policy_changed(applied: Any, aws_session: Any, boto: Any) -> None:
    opened = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Effect": "Allow"}]}
    boto("s3").put_bucket_policy(Bucket="conf-assets", Policy=json.dumps(opened))
    assert _mismatches(applied, aws_session) == [("aws_s3_bucket_policy.assets", "policy")]


def test_ssm_parameter_value_changed_and_never_shown(applied: Any, aws_session: Any,
                                                     boto: Any) -> None:
    other = SECRET.replace("w", "v")
    boto("ssm").put_parameter(Name="/conf/db_password", Type="SecureString", Value=other,
                              Overwrite=True)
    plan, state = applied
    report = check(plan, aws_session, state)
    assert [(m.address, m.attribute) for m in report.mismatches] == [
        ("aws_ssm_parameter.db_password", "value")]
    with pytest.raises(GateFailure) as info:
        judge(report, "conformance[aws_ssm_parameter]")
    text = str(info.value) + json.dumps([f.to_dict() for f in info.value.findings])
    assert "aws_ssm_parameter.db_password: value: the live value differs" in text
    for secret in (SECRET, other, "w" * 12, "v" * 12, 'db-"pa55"'):
        assert secret not in text


def test_a_deleted_resource_is_missing(applied: Any, aws_session: Any, boto: Any) -> None:
    boto("logs").delete_log_group(logGroupName="/conf/app")
    plan, state = applied
    report = check(plan, aws_session, state, types=["aws_cloudwatch_log_group"])
    assert [(r.address, r.status) for r in report.resources] == [
        ("aws_cloudwatch_log_group.app", "missing")]
    boto("logs").create_log_group(logGroupName="/conf/app")  # for the fixture's cleanup
