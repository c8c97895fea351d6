"""Real-world CloudFormation templates (the shared corpus): load, plan, deploy, price."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.aws.session import AwsSession
from pytest_devops.cloudformation.changeset import CloudFormation
from pytest_devops.cloudformation.cost import terraform_view
from pytest_devops.cloudformation.model import CfnChange, CfnSettings, ChangeSetPlan
from pytest_devops.cloudformation.template import load_template
from pytest_devops.config import Environment
from pytest_devops.cost.settings import cost_settings, estimate_with
from pytest_devops.plan.values import UNKNOWN
from pytest_devops.redact import Redactor

RESOURCES = {
    "awscfn__CloudFormation__fn-foreach-s3-outputs.yaml": {"Fn::ForEach::Buckets"},
    "awscfn__DynamoDB__DynamoDB_Table.json": {"myDynamoDBTable"},
    "awscfn__EC2__EC2InstanceWithSecurityGroupSample.yaml": {"EC2Instance",
                                                             "InstanceSecurityGroup"},
    "awscfn__Lambda__LambdaSample.yaml": {"LambdaRole", "LambdaFunction"},
    "awscfn__RDS__RDS_PIOPS.json": {"DBCredential", "myDB"},
}


@pytest.fixture
def cfn_dir(corpus: Path) -> Path:
    return corpus / "cfn"


def test_every_template_loads(cfn_dir: Path) -> None:
    files = sorted(p for p in cfn_dir.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    assert len(files) == 20
    for path in files:
        assert load_template(path)[1]["Resources"], path
    for name, logical_ids in RESOURCES.items():
        assert set(load_template(cfn_dir / name)[1]["Resources"]) == logical_ids


def test_short_form_intrinsics_become_long_form(cfn_dir: Path) -> None:
    doc = load_template(cfn_dir / "awscfn__EC2__EC2InstanceWithSecurityGroupSample.yaml")[1]
    props = doc["Resources"]["EC2Instance"]["Properties"]
    assert props["InstanceType"] == {"Ref": "InstanceType"}
    assert props["SubnetId"] == {"Fn::Select": [0, {"Ref": "Subnets"}]}
    assert props["SecurityGroupIds"] == [{"Fn::GetAtt": ["InstanceSecurityGroup", "GroupId"]}]


def _all_created(doc: dict[str, Any], parameters: dict[str, str]) -> ChangeSetPlan:
    changes = tuple(CfnChange(k, v["Type"], "create") for k, v in doc["Resources"].items())
    return ChangeSetPlan("s", "c", "arn:c", "CREATE", "CREATE_COMPLETE", changes,
                         template=doc, parameters=parameters)


def test_rds_template_plan_and_cost(cfn_dir: Path) -> None:
    doc = load_template(cfn_dir / "awscfn__RDS__RDS_PIOPS.json")[1]
    plan = _all_created(doc, {"DBUser": "dbadmin"}).to_plan()
    assert plan["myDB"].value("DBInstanceClass") == "db.t3.small"
    assert plan["myDB"].value("MasterUsername") is UNKNOWN  # NoEcho: never in the plan
    env = Environment(name="e", config_file=None, root=Path("."),
                      sections={"cost": {"region": "us-east-1"}})
    est = estimate_with(terraform_view(plan, "us-east-1"), cost_settings(env))
    # db.t3.small MySQL 730 h x $0.034 + 100 GB io1 x $0.125 + 1000 IOPS x $0.10; secret $0.40
    assert est.resource("myDB").monthly_after == Decimal("137.320")
    assert est.resource("DBCredential").monthly_after == Decimal("0.40")
    assert est.monthly_after == Decimal("137.720")


def test_dynamodb_template_deploys_to_the_emulator(
    cfn_dir: Path, aws_session: AwsSession, boto: Any
) -> None:
    settings = CfnSettings(
        stack_name=f"corpus-{uuid.uuid4().hex[:8]}",
        template=cfn_dir / "awscfn__DynamoDB__DynamoDB_Table.json",
        parameters={"HashKeyElementName": "Id"},
    )
    stack = CloudFormation(aws_session, settings, Redactor())
    cs = stack.plan()
    assert [(c.logical_id, c.resource_type, c.action) for c in cs.changes] == [
        ("myDynamoDBTable", "AWS::DynamoDB::Table", "create")]
    assert cs.to_plan()["myDynamoDBTable"].value("KeySchema.0.AttributeName") == "Id"
    stack.execute(cs)
    table = stack.outputs()["TableName"]
    described = boto("dynamodb").describe_table(TableName=table)["Table"]
    assert described["KeySchema"] == [{"AttributeName": "Id", "KeyType": "HASH"}]
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    stack.destroy()
    assert stack.stack() is None
