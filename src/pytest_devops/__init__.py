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
    "GateContext": "pytest_devops.context",
    "Probe": "pytest_devops.http.model",
    "HttpExpectation": "pytest_devops.http.model",
    "ProbeResult": "pytest_devops.http.probes",
    "Observation": "pytest_devops.http.transport",
    "HttpProber": "pytest_devops.http.prober",
    "HostTarget": "pytest_devops.hosts.targets",
    "AwsVerifier": "pytest_devops.aws.checks",
    "InstanceState": "pytest_devops.aws.checks",
    "TargetHealth": "pytest_devops.aws.checks",
    "BucketSecurity": "pytest_devops.aws.checks",
    "AlarmStates": "pytest_devops.aws.checks",
    "LogScan": "pytest_devops.aws.checks",
    "ChangeSetPlan": "pytest_devops.cloudformation.model",
    "CfnChange": "pytest_devops.cloudformation.model",
    "Deployment": "pytest_devops.cloudformation.ephemeral",
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
    "GateReport": "pytest_devops.report.model",
    "load_report": "pytest_devops.report.model",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from pytest_devops.aws.checks import (
        AlarmStates,
        AwsVerifier,
        BucketSecurity,
        InstanceState,
        LogScan,
        TargetHealth,
    )
    from pytest_devops.cloudformation.ephemeral import Deployment
    from pytest_devops.cloudformation.model import CfnChange, ChangeSetPlan
    from pytest_devops.config import Environment
    from pytest_devops.context import GateContext
    from pytest_devops.cost.model import CostComponent, CostEstimate, ResourceCost, Unpriced
    from pytest_devops.errors import ConfigError, GateError, GateFailure, GateTimeout, ToolMissing
    from pytest_devops.findings import Finding
    from pytest_devops.gates import BuiltinGate
    from pytest_devops.hosts.targets import HostTarget
    from pytest_devops.http.model import HttpExpectation, Probe
    from pytest_devops.http.prober import HttpProber
    from pytest_devops.http.probes import ProbeResult
    from pytest_devops.http.transport import Observation
    from pytest_devops.plan.load import load_plan
    from pytest_devops.plan.model import OutputChange, Plan, ResourceChange
    from pytest_devops.plan.values import UNKNOWN, Sensitive
    from pytest_devops.redact import Redactor
    from pytest_devops.report.model import GateReport, load_report
    from pytest_devops.security.model import ScanReport, ScanResult
    from pytest_devops.security.policy import SecurityPolicy


__getattr__ = exports(__name__, _EXPORTS)
