"""A local AWS emulator: moto in server mode on 127.0.0.1, in a thread of this process.

Tests and the offline demo point boto3 at :attr:`Emulator.endpoint_url`; nothing leaves
the machine. moto is imported when the emulator starts.

moto's CloudFormation does not act on a few properties real CloudFormation applies
(see :data:`CFN_GAPS`); :func:`complete_stack` applies those properties from the
template with the equivalent API calls, so what the gates verify matches the template.
It is for the emulator only: against AWS the stack itself does this work.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_devops.aws.session import EMULATOR_CREDENTIALS
from pytest_devops.errors import GateError, ToolMissing

if TYPE_CHECKING:
    from pytest_devops.aws.session import AwsSession

LOOPBACK = "127.0.0.1"
#: (resource type, property) pairs moto's CloudFormation ignores, in moto 5.
CFN_GAPS = (
    ("AWS::S3::Bucket", "PublicAccessBlockConfiguration"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "Targets"),
    ("AWS::CloudWatch::Alarm", "*"),
)


class Emulator:
    """moto's server on a free loopback port. Use as a context manager or start/stop."""

    def __init__(self, port: int = 0, quiet: bool = True) -> None:
        self._port = port
        self._quiet = quiet
        self._server: Any = None
        self.endpoint_url = ""

    def start(self) -> Emulator:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise ToolMissing("moto", "pip install 'moto[server]>=5'") from None
        for name, value in EMULATOR_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        if self._quiet:
            _quiet_known_gaps()
        server = ThreadedMotoServer(ip_address=LOOPBACK, port=self._port, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _KnownGaps(logging.Filter):
    """Drop moto's complaints about the resource types :func:`complete_stack` handles."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not any(kind in text and prop == "*" for kind, prop in CFN_GAPS)


def _quiet_known_gaps() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request
    parsing = logging.getLogger("moto")
    if not any(isinstance(f, _KnownGaps) for f in parsing.filters):
        parsing.addFilter(_KnownGaps())
    for kind, prop in CFN_GAPS:
        if prop == "*":
            warnings.filterwarnings("ignore", f"Tried to parse {kind}", UserWarning)


def complete_stack(session: AwsSession, stack_name: str, template: Mapping[str, Any]) -> list[str]:
    """Apply the template properties moto's CloudFormation ignores. Returns what it did."""
    cfn = session.client("cloudformation")
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
    done: list[str] = []
    for logical, resource in (template.get("Resources") or {}).items():
        props = resource.get("Properties") or {}
        kind = resource.get("Type")
        if kind == "AWS::S3::Bucket" and "PublicAccessBlockConfiguration" in props:
            session.client("s3").put_public_access_block(
                Bucket=physical[logical],
                PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"],
            )
            done.append(f"{logical}: public access block")
        elif kind == "AWS::ElasticLoadBalancingV2::TargetGroup" and props.get("Targets"):
            targets = [_target(t, physical) for t in props["Targets"]]
            session.client("elbv2").register_targets(
                TargetGroupArn=physical[logical], Targets=targets
            )
            done.append(f"{logical}: {len(targets)} target(s) registered")
        elif kind == "AWS::CloudWatch::Alarm":
            session.client("cloudwatch").put_metric_alarm(**_alarm(logical, props, stack_name,
                                                                   physical))
            done.append(f"{logical}: alarm created")
    return done


def _ref(value: Any, physical: Mapping[str, str]) -> Any:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        try:
            return physical[value["Ref"]]
        except KeyError:
            raise GateError(f"cannot resolve Ref {value['Ref']} in the emulator") from None
    if isinstance(value, dict):
        raise GateError(
            f"the emulator completes only literal or Ref values, got {json.dumps(value)}"
        )
    return value


def _target(target: Mapping[str, Any], physical: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": _ref(target["Id"], physical)}
    if "Port" in target:
        out["Port"] = int(target["Port"])
    return out


def _alarm(
    logical: str, props: Mapping[str, Any], stack: str, physical: Mapping[str, str]
) -> dict[str, Any]:
    keys = ("MetricName", "Namespace", "Statistic", "Period", "EvaluationPeriods",
            "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmDescription")
    out: dict[str, Any] = {k: _ref(props[k], physical) for k in keys if k in props}
    for k in ("Period", "EvaluationPeriods"):
        if k in out:
            out[k] = int(out[k])
    if "Threshold" in out:
        out["Threshold"] = float(out["Threshold"])
    out["AlarmName"] = _ref(props.get("AlarmName"), physical) or f"{stack}-{logical}"
    if "Dimensions" in props:
        out["Dimensions"] = [
            {"Name": d["Name"], "Value": _ref(d["Value"], physical)} for d in props["Dimensions"]
        ]
    return out
