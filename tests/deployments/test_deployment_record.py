"""The deployment record model, its Markdown, console links and a Terraform state's view."""

from __future__ import annotations

import pytest

from pytest_devops.deployments.collect import from_state
from pytest_devops.deployments.console import console_url
from pytest_devops.deployments.model import DeployedResource, DeploymentRecord
from pytest_devops.deployments.render import markdown
from pytest_devops.errors import DevopsError

RECORD = DeploymentRecord(
    env="staging", deployed_at="2026-12-06T04:00:00Z", source="Terraform state",
    gate_outcome="pass", region="eu-west-1", commit="abc123", plan_digest="sha256:ff",
    resources=(DeployedResource("aws_instance.web", "aws_instance", "i-0123",
                                console_url=console_url("aws_instance", "i-0123", "eu-west-1")),
               DeployedResource("terraform_data.x", "terraform_data", "d-1")),
    outputs={"url": "https://x|y", "admin": "(sensitive)", "n": 2},
)


def test_round_trip_through_the_schema() -> None:
    doc = RECORD.to_dict()
    assert doc["schema"] == "pytest-devops/deployment@1"
    assert DeploymentRecord.from_dict(doc) == RECORD


def test_an_invalid_record_is_one_line_naming_the_key() -> None:
    doc = RECORD.to_dict()
    doc["resources"][0].pop("type")
    with pytest.raises(DevopsError) as info:
        DeploymentRecord.from_dict(doc, where="local.json")
    assert str(info.value) == "local.json: resources.0: 'type' is a required property"


def test_console_links() -> None:
    assert console_url("AWS::S3::Bucket", "b1", "us-east-1") == \
        "https://s3.console.aws.amazon.com/s3/buckets/b1?region=us-east-1"
    assert console_url("aws_cloudwatch_log_group", "/a/b", "eu-west-1") == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
        "#logsV2:log-groups/log-group/%2Fa%2Fb")
    assert console_url("AWS::Foo::Bar", "x", "us-east-1", "arn:aws:cloudformation:s/1") == (
        "https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1"
        "#/stacks/resources?stackId=arn%3Aaws%3Acloudformation%3As%2F1")
    assert console_url("terraform_data", "x", "us-east-1") is None


def test_markdown() -> None:
    assert markdown(RECORD) == (
        "# Deployed: staging\n\n"
        "- **When**: 2026-12-06T04:00:00Z\n"
        "- **What**: Terraform state (eu-west-1)\n"
        "- **Gates**: pass\n"
        "- **Commit**: abc123\n"
        "- **Plan digest**: sha256:ff\n\n"
        "## Resources\n\n"
        "| resource | type | id | console |\n| --- | --- | --- | --- |\n"
        "| `aws_instance.web` | aws_instance | `i-0123` | [open](https://eu-west-1.console."
        "aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0123) |\n"
        "| `terraform_data.x` | terraform_data | `d-1` |  |\n\n"
        "## Outputs\n\n| output | value |\n| --- | --- |\n"
        "| `admin` | `(sensitive)` |\n| `n` | `2` |\n| `url` | `https://x\\|y` |\n"
    )


def test_terraform_state_masks_sensitive_outputs() -> None:
    state = {"values": {
        "outputs": {"pw": {"value": 'p"w\\d-' + "s" * 40, "sensitive": True},
                    "url": {"value": "http://a", "sensitive": False}},
        "root_module": {"resources": [
            {"address": "data.x.y", "mode": "data", "type": "x", "values": {"id": "1"}}],
            "child_modules": [{"resources": [
                {"address": "module.m.aws_s3_bucket.b", "mode": "managed",
                 "type": "aws_s3_bucket", "values": {"id": "bkt", "arn": "arn:aws:s3:::bkt"}}]}]},
    }}
    resources, outputs = from_state(state, "us-east-1")
    assert resources == [DeployedResource(
        "module.m.aws_s3_bucket.b", "aws_s3_bucket", "bkt", "arn:aws:s3:::bkt",
        "https://s3.console.aws.amazon.com/s3/buckets/bkt?region=us-east-1")]
    assert outputs == {"pw": "(sensitive)", "url": "http://a"}
