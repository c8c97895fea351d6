"""pytest-devops: infrastructure gates written as pytest tests.

Names are imported lazily so that loading the plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_devops.lazy import exports

__version__ = "0.1.0"

_EXPORTS = {
    "Environment": "pytest_devops.config",
    "ConfigError": "pytest_devops.errors",
    "GateError": "pytest_devops.errors",
    "GateFailure": "pytest_devops.errors",
    "GateTimeout": "pytest_devops.errors",
    "ToolMissing": "pytest_devops.errors",
    "Finding": "pytest_devops.findings",
    "Redactor": "pytest_devops.redact",
    "BuiltinGate": "pytest_devops.gates",
    "Probe": "pytest_devops.verify.http_model",
    "HttpExpectation": "pytest_devops.verify.http_model",
    "ProbeResult": "pytest_devops.verify.http",
    "Observation": "pytest_devops.verify.http_transport",
    "HttpProber": "pytest_devops.verify.http_prober",
    "HostTarget": "pytest_devops.verify.hosts",
    "AwsVerifier": "pytest_devops.verify.aws_checks",
    "InstanceState": "pytest_devops.verify.aws_checks",
    "TargetHealth": "pytest_devops.verify.aws_checks",
    "BucketSecurity": "pytest_devops.verify.aws_checks",
    "AlarmStates": "pytest_devops.verify.aws_checks",
    "LogScan": "pytest_devops.verify.aws_checks",
    "ChangeSetPlan": "pytest_devops.verify.cfn",
    "CfnChange": "pytest_devops.verify.cfn",
    "Deployment": "pytest_devops.verify.ephemeral",
    "Plan": "pytest_devops.plan.model",
    "ResourceChange": "pytest_devops.plan.model",
    "OutputChange": "pytest_devops.plan.model",
    "UNKNOWN": "pytest_devops.plan.values",
    "Sensitive": "pytest_devops.plan.values",
    "load_plan": "pytest_devops.plan.load",
    "CostEstimate": "pytest_devops.cost.model",
    "ResourceCost": "pytest_devops.cost.model",
    "CostComponent": "pytest_devops.cost.model",
    "Unpriced": "pytest_devops.cost.model",
    "ScanReport": "pytest_devops.security.model",
    "ScanResult": "pytest_devops.security.model",
    "SecurityPolicy": "pytest_devops.security.policy",
    "GateReport": "pytest_devops.github.model",
    "load_report": "pytest_devops.github.model",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.cost.model import CostComponent, CostEstimate, ResourceCost, Unpriced
    from pytest_devops.errors import ConfigError, GateError, GateFailure, GateTimeout, ToolMissing
    from pytest_devops.findings import Finding
    from pytest_devops.gates import BuiltinGate
    from pytest_devops.github.model import GateReport, load_report
    from pytest_devops.plan.load import load_plan
    from pytest_devops.plan.model import OutputChange, Plan, ResourceChange
    from pytest_devops.plan.values import UNKNOWN, Sensitive
    from pytest_devops.redact import Redactor
    from pytest_devops.security.model import ScanReport, ScanResult
    from pytest_devops.security.policy import SecurityPolicy
    from pytest_devops.verify.aws_checks import (
        AlarmStates,
        AwsVerifier,
        BucketSecurity,
        InstanceState,
        LogScan,
        TargetHealth,
    )
    from pytest_devops.verify.cfn import CfnChange, ChangeSetPlan
    from pytest_devops.verify.ephemeral import Deployment
    from pytest_devops.verify.hosts import HostTarget
    from pytest_devops.verify.http import ProbeResult
    from pytest_devops.verify.http_model import HttpExpectation, Probe
    from pytest_devops.verify.http_prober import HttpProber
    from pytest_devops.verify.http_transport import Observation


__getattr__ = exports(__name__, _EXPORTS)
