"""CloudFormation as the deploy engine, against moto's server: plan, apply, outputs, destroy."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.aws.session import AwsSession
from pytest_devops.cloudformation.changeset import CloudFormation
from pytest_devops.cloudformation.model import CfnChange, CfnSettings, ChangeSetPlan
from pytest_devops.cloudformation.template import MAX_BODY, load_template
from pytest_devops.errors import ConfigError, GateError
from pytest_devops.plan.values import UNKNOWN
from pytest_devops.redact import Redactor

YAML = """\
Parameters:
  Size:
    Type: String
    Default: t3.micro
  Password:
    Type: String
    NoEcho: true
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - {Key: team, Value: !Ref Size}
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/app/${AWS::StackName}"
      RetentionInDays: 7
Outputs:
  BucketName:
    Value: !Ref Bucket
  LogGroup:
    Value: !Ref Logs
"""


def _change(action: str, replacement: str | None = None) -> dict[str, Any]:
    rc: dict[str, Any] = {"Action": action, "LogicalResourceId": "Web",
                          "ResourceType": "AWS::EC2::Instance"}
    if replacement:
        rc["Replacement"] = replacement
    return {"Type": "Resource", "ResourceChange": rc}


@pytest.mark.parametrize(
    ("action", "replacement", "expected"),
    [
        ("Add", None, "create"),
        ("Modify", "False", "update"),
        ("Modify", "True", "replace"),
        ("Modify", "Conditional", "replace"),
        ("Remove", None, "delete"),
        ("Import", None, "import"),
        ("Dynamic", None, "update"),
    ],
)
def test_change_actions(action: str, replacement: str | None, expected: str) -> None:
    assert CfnChange.from_api(_change(action, replacement)).action == expected


def test_change_set_as_plan_model(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(YAML)
    doc = load_template(template)[1]
    cs = ChangeSetPlan(
        stack_name="app", change_set_name="cs1", change_set_id="arn:cs1",
        change_set_type="UPDATE", status="CREATE_COMPLETE",
        changes=(CfnChange("Bucket", "AWS::S3::Bucket", "replace", "b-1", "True", ("Properties",)),
                 CfnChange("Logs", "AWS::Logs::LogGroup", "update"),
                 CfnChange("Old", "AWS::SNS::Topic", "delete", "arn:topic")),
        template=doc, parameters={"Size": "t3.large", "Password": "hunter2-secret"},
    )
    plan = cs.to_plan()
    assert [(rc.address, rc.type, rc.action, rc.actions) for rc in plan] == [
        ("Bucket", "AWS::S3::Bucket", "replace", ("delete", "create")),
        ("Logs", "AWS::Logs::LogGroup", "update", ("update",)),
        ("Old", "AWS::SNS::Topic", "delete", ("delete",)),
    ]
    assert plan.counts() == {"create": 0, "update": 1, "delete": 1, "replace": 1, "read": 0,
                             "no-op": 0}
    assert plan["Bucket"].value("Tags.0.Value") == "t3.large"  # a parameter, known at plan
    assert plan["Logs"].value("LogGroupName") is UNKNOWN  # Fn::Sub: known after apply
    assert plan["Logs"].value("RetentionInDays") == 7
    assert plan["Bucket"].action_reason == "replacement True (Properties)"
    assert [rc.address for rc in plan if rc.destroys] == ["Bucket", "Old"]
    assert "hunter2-secret" not in json.dumps(plan.raw) + repr(plan)


def test_template_loading_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("Parameters: {}\n")
    with pytest.raises(ConfigError, match="no `Resources:` mapping"):
        load_template(bad)
    big = tmp_path / "big.json"
    big.write_text('{"Resources": {}, "Description": "' + "x" * MAX_BODY + '"}')
    with pytest.raises(ConfigError, match="nested stacks"):
        load_template(big)
    with pytest.raises(ConfigError, match="cannot read template"):
        load_template(tmp_path / "missing.yaml")


@pytest.fixture
def stack(tmp_path: Path, aws_session: AwsSession) -> CloudFormation:
    template = tmp_path / "template.yaml"
    template.write_text(YAML)
    settings = CfnSettings(stack_name=f"t-{uuid.uuid4().hex[:8]}", template=template,
                           parameters={"Password": "s3cret-pass-1"}, tags={"owner": "tests"})
    return CloudFormation(aws_session, settings, Redactor())


def test_plan_apply_outputs_destroy(stack: CloudFormation, boto: Any) -> None:
    assert stack.stack() is None
    cs = stack.plan()
    assert (cs.change_set_type, cs.executable) == ("CREATE", True)
    assert {(c.logical_id, c.action) for c in cs.changes} == {("Bucket", "create"),
                                                             ("Logs", "create")}
    assert stack.redactor is not None
    assert stack.redactor.redact("pw s3cret-pass-1") == "pw ***"  # NoEcho value masked
    done = stack.execute(cs)
    assert done["StackStatus"] == "CREATE_COMPLETE"
    outputs = stack.outputs()
    assert set(outputs) == {"BucketName", "LogGroup"}
    assert outputs["LogGroup"] == f"/app/{stack.settings.stack_name}"
    boto("s3").head_bucket(Bucket=outputs["BucketName"])
    again = stack.describe(cs.change_set_id)
    assert not again.executable  # executed: a plan is applied once
    with pytest.raises(GateError, match="cannot be executed \\(execution status EXECUTE_COMPLETE"):
        stack.execute(again)

    stack.settings.template.write_text(YAML.replace("RetentionInDays: 7", "RetentionInDays: 14"))
    update = stack.plan()
    assert update.change_set_type == "UPDATE"
    assert [(c.logical_id, c.action) for c in update.changes] == [("Logs", "update")]

    stack.destroy()
    assert stack.stack() is None
    stack.destroy()  # idempotent


@pytest.mark.filterwarnings("ignore:Exception\\(InvalidSubnetIdError\\):UserWarning")
def test_invalid_change_set_is_an_error(stack: CloudFormation) -> None:
    stack.settings.template.write_text(
        "Resources:\n  Bad:\n    Type: AWS::EC2::Instance\n"
        "    Properties: {ImageId: ami-12c6146b, SubnetId: subnet-0000dead}\n")
    cs = stack.plan()
    with pytest.raises(GateError, match=f"stack {stack.settings.stack_name}") as info:
        stack.execute(cs)
    assert "InvalidSubnetID" in str(info.value)


def test_outputs_of_a_missing_stack_is_an_error(stack: CloudFormation) -> None:
    with pytest.raises(GateError, match="does not exist"):
        stack.outputs()


def test_rollback_reasons_come_from_this_runs_failed_events() -> None:
    import datetime as dt

    from pytest_devops.cloudformation.changeset import failed_events

    def at(sec: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(1_700_000_000 + sec, dt.timezone.utc)

    events = [  # newest first, as DescribeStackEvents returns them
        {"Timestamp": at(30), "LogicalResourceId": "app", "ResourceStatus": "ROLLBACK_COMPLETE"},
        {"Timestamp": at(20), "LogicalResourceId": "Web", "ResourceStatus": "CREATE_FAILED",
         "ResourceStatusReason": "Resource creation cancelled"},
        {"Timestamp": at(10), "LogicalResourceId": "Bucket", "ResourceStatus": "CREATE_FAILED",
         "ResourceStatusReason": "demo-bucket already exists"},
        {"Timestamp": at(-600), "LogicalResourceId": "Old", "ResourceStatus": "UPDATE_FAILED",
         "ResourceStatusReason": "an earlier run"},
    ]
    assert failed_events(events, since=1_700_000_000) == [
        "Bucket CREATE_FAILED: demo-bucket already exists",
        "Web CREATE_FAILED: Resource creation cancelled",
    ]
