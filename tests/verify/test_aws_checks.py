"""AwsVerifier against moto's server: each check passes, fails naming the resource, or errors."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import pytest

from pytest_devops.aws.checks import AwsVerifier
from pytest_devops.aws.session import AwsSession, AwsSettings
from pytest_devops.errors import GateError, GateFailure

NOW = dt.datetime.now(dt.timezone.utc)
PAB = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
       "RestrictPublicBuckets": True}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def aws(aws_session: AwsSession) -> AwsVerifier:
    return AwsVerifier(aws_session)


def _instance(boto: Any) -> str:
    resp = boto("ec2").run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                     InstanceType="t3.micro")
    return str(resp["Instances"][0]["InstanceId"])


def test_instance_running_passes_and_returns_state(aws: AwsVerifier, boto: Any) -> None:
    iid = _instance(boto)
    result = aws.instance_running(iid)
    assert (result.instance_id, result.state, result.instance_type) == (iid, "running", "t3.micro")


def test_stopped_instance_fails_naming_it(aws: AwsVerifier, boto: Any) -> None:
    iid = _instance(boto)
    boto("ec2").stop_instances(InstanceIds=[iid])
    with pytest.raises(GateFailure) as info:
        aws.instance_running(iid)
    assert [(f.rule, f.address, f.message) for f in info.value.findings] == [
        ("aws-instance-running", iid, "instance is stopped, expected running")
    ]


def test_missing_instance_is_a_failure_not_an_error(aws: AwsVerifier) -> None:
    with pytest.raises(GateFailure) as info:
        aws.instance_running("i-0123456789abcdef0")
    assert [(f.rule, f.address, f.message) for f in info.value.findings] == [
        ("aws-instance-running", "i-0123456789abcdef0", "not found (InvalidInstanceID.NotFound)")
    ]


def test_secure_bucket_passes(aws: AwsVerifier, boto: Any) -> None:
    bucket = _name("secure")
    s3 = boto("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PAB)
    result = aws.bucket_secure(bucket)
    assert result.encryption == "aws:kms"
    assert dict(result.public_access_block) == PAB


def test_open_bucket_fails_with_each_missing_control(aws: AwsVerifier, boto: Any) -> None:
    bucket = _name("open")
    s3 = boto("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        **PAB, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    with pytest.raises(GateFailure) as info:
        aws.bucket_secure(bucket)
    messages = [f.message for f in info.value.findings]
    if messages[0] == "default encryption is not enabled":
        # moto >= 5 encrypts new buckets with SSE-S3 like AWS does since 2023; older not.
        messages = messages[1:]
    assert messages == [
        "public access is not blocked: BlockPublicPolicy, RestrictPublicBuckets off"]
    assert {f.address for f in info.value.findings} == {bucket}


def test_missing_bucket_fails(aws: AwsVerifier) -> None:
    with pytest.raises(GateFailure, match="no-such-bucket-x1"):
        aws.bucket_secure("no-such-bucket-x1")


def _target_group(boto: Any) -> str:
    vpc = boto("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    tg = boto("elbv2").create_target_group(Name=_name("tg")[:32], Protocol="HTTP", Port=80,
                                           VpcId=vpc, TargetType="instance")
    return str(tg["TargetGroups"][0]["TargetGroupArn"])


def test_targets_healthy_and_unhealthy(aws: AwsVerifier, boto: Any) -> None:
    arn = _target_group(boto)
    up, down = _instance(boto), _instance(boto)
    boto("elbv2").register_targets(TargetGroupArn=arn, Targets=[{"Id": up}, {"Id": down}])
    assert dict(aws.targets_healthy(arn).targets) == {up: "healthy", down: "healthy"}
    boto("ec2").stop_instances(InstanceIds=[down])
    with pytest.raises(GateFailure) as info:
        aws.targets_healthy(arn)
    assert [(f.address, f.details["target"], f.details["state"])
            for f in info.value.findings] == [(arn, down, "unused")]


def test_empty_target_group_fails(aws: AwsVerifier, boto: Any) -> None:
    arn = _target_group(boto)
    with pytest.raises(GateFailure) as info:
        aws.targets_healthy(arn)
    assert [f.message for f in info.value.findings] == [
        "0 targets registered, expected at least 1"]


def _alarm(boto: Any, name: str) -> None:
    boto("cloudwatch").put_metric_alarm(
        AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average",
        Period=60, EvaluationPeriods=1, Threshold=80.0, ComparisonOperator="GreaterThanThreshold")


def test_alarms_ok_and_in_alarm(aws: AwsVerifier, boto: Any) -> None:
    prefix = _name("alarm")
    ok, firing = f"{prefix}-ok", f"{prefix}-firing"
    _alarm(boto, ok)
    _alarm(boto, firing)
    assert dict(aws.alarms_ok([ok]).states) == {ok: "OK"}
    boto("cloudwatch").set_alarm_state(AlarmName=firing, StateValue="ALARM",
                                       StateReason="test")
    with pytest.raises(GateFailure) as info:
        aws.alarms_ok(prefix=prefix)
    assert [(f.address, f.message) for f in info.value.findings] == [(firing, "alarm is ALARM")]
    with pytest.raises(GateFailure) as info:
        aws.alarms_ok([ok, f"{prefix}-absent"])
    assert [(f.address, f.message) for f in info.value.findings] == [
        (f"{prefix}-absent", "alarm not found")]


def test_log_errors_since_the_deploy(aws: AwsVerifier, boto: Any) -> None:
    group = f"/test/{_name('app')}"
    logs = boto("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="web")
    now_ms = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="web", logEvents=[
        {"timestamp": now_ms - 3_600_000, "message": "ERROR old failure before the deploy"},
        {"timestamp": now_ms - 1000, "message": "INFO started"},
    ])
    deploy = dt.datetime.fromtimestamp((now_ms - 60_000) / 1000, dt.timezone.utc)
    assert aws.no_log_errors(group, deploy).matches == ()
    logs.put_log_events(logGroupName=group, logStreamName="web", logEvents=[
        {"timestamp": now_ms, "message": "ERROR db connection refused"}])
    with pytest.raises(GateFailure) as info:
        aws.no_log_errors(group, deploy)
    assert [(f.address, f.message) for f in info.value.findings] == [
        (group, "ERROR db connection refused")]


def test_missing_log_group_fails(aws: AwsVerifier) -> None:
    with pytest.raises(GateFailure, match="/no/such/group"):
        aws.no_log_errors("/no/such/group", NOW)


def test_unreachable_endpoint_is_an_error_not_a_failure() -> None:
    dead = AwsSession(AwsSettings(region="us-east-1", endpoint_url="http://127.0.0.1:9",
                                  retry_mode="standard", max_attempts=1))
    with pytest.raises(GateError, match="cannot query i-0123"):
        AwsVerifier(dead).instance_running("i-0123")
