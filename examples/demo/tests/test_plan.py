"""Plan-stage gates on the CloudFormation change set (the plan of this deploy)."""

from __future__ import annotations

import pytest

from pytest_devops import ChangeSetPlan, Plan

EXPECTED = {
    ("Vpc", "AWS::EC2::VPC"),
    ("ArtifactBucket", "AWS::S3::Bucket"),
    ("WebInstance", "AWS::EC2::Instance"),
    ("WebTargets", "AWS::ElasticLoadBalancingV2::TargetGroup"),
    ("WebCpuAlarm", "AWS::CloudWatch::Alarm"),
    ("AppLogs", "AWS::Logs::LogGroup"),
}


@pytest.mark.devops_plan
def test_first_deploy_creates_exactly_the_stack(devops_changeset: ChangeSetPlan) -> None:
    assert devops_changeset.change_set_type == "CREATE"
    assert {(c.logical_id, c.resource_type) for c in devops_changeset.changes} == EXPECTED
    assert {c.action for c in devops_changeset.changes} == {"create"}


@pytest.mark.devops_plan
def test_nothing_is_destroyed(devops_cfn_plan: Plan) -> None:
    assert [rc.address for rc in devops_cfn_plan if rc.destroys] == []


@pytest.mark.devops_security
def test_bucket_is_private_and_encrypted_by_the_template(devops_cfn_plan: Plan) -> None:
    bucket = devops_cfn_plan["ArtifactBucket"]
    block = bucket.value("PublicAccessBlockConfiguration")
    assert block == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                     "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    sse = bucket.value("BucketEncryption.ServerSideEncryptionConfiguration.0")
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
