"""A change set priced by the cost engine through its Terraform twin types."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pytest_devops.cloudformation.cost import terraform_view
from pytest_devops.cloudformation.model import CfnChange, ChangeSetPlan
from pytest_devops.config import Environment
from pytest_devops.cost.settings import cost_settings, estimate_with

TEMPLATE = {
    "Parameters": {"Size": {"Type": "String", "Default": "t3.micro"}},
    "Resources": {
        "Web": {"Type": "AWS::EC2::Instance", "Properties": {
            "InstanceType": {"Ref": "Size"}, "Monitoring": True,
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}},
                {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 100, "VolumeType": "gp3"}},
            ]}},
        "Net": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
    },
}


def _plan(size: str) -> ChangeSetPlan:
    return ChangeSetPlan(
        stack_name="s", change_set_name="c", change_set_id="arn:c", change_set_type="CREATE",
        status="CREATE_COMPLETE",
        changes=tuple(CfnChange(k, v["Type"], "create") for k, v in TEMPLATE["Resources"].items()),
        template=TEMPLATE, parameters={"Size": size},
    )


def test_view_maps_types_and_attributes() -> None:
    view = terraform_view(_plan("t3.large").to_plan(), "us-east-1")
    assert [(rc.address, rc.type) for rc in view] == [
        ("Web", "aws_instance"), ("Net", "aws_vpc"), ("Topic", "AWS::SNS::Topic")]
    assert view["Web"].after == {
        "instance_type": "t3.large", "monitoring": True,
        "root_block_device": [{"device_name": "/dev/xvda", "volume_size": 8,
                               "volume_type": "gp3"}],
        "ebs_block_device": [{"device_name": "/dev/sdf", "volume_size": 100,
                              "volume_type": "gp3"}],
    }
    assert view.provider_region("aws") == "us-east-1"


def test_change_set_priced_from_the_catalog() -> None:
    env = Environment(name="e", config_file=None, root=Path("."),
                      sections={"cost": {"region": "us-east-1"}})
    est = estimate_with(terraform_view(_plan("t3.micro").to_plan(), "us-east-1"),
                        cost_settings(env))
    # t3.micro 730 h x $0.0104 + 108 GB gp3 x $0.08 + 7 detailed-monitoring metrics x $0.30
    assert est.resource("Web").monthly_after == Decimal("18.3320")
    assert est.monthly_after == Decimal("18.3320")
    assert [(u.address, u.reason) for u in est.unpriced] == [
        ("Topic", "AWS::SNS::Topic is not covered by the cost engine")]
