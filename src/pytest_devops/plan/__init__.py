"""Terraform plans: the model, loading, built-in plan rules and the Terraform runner.

The model and loader are a pure library (no pytest import)::

    from pytest_devops.plan import load_plan

    plan = load_plan("plan.json")
    for rc in plan.changes(type="aws_instance", action="create"):
        assert rc.value("instance_type") == "t3.micro"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_devops.lazy import exports

if TYPE_CHECKING:
    from pytest_devops.plan.load import load_plan, parse_plan
    from pytest_devops.plan.model import ACTIONS, OutputChange, Plan, ResourceChange, StateResource
    from pytest_devops.plan.values import UNKNOWN, Sensitive, Unknown

__all__ = [
    "ACTIONS",
    "UNKNOWN",
    "OutputChange",
    "Plan",
    "ResourceChange",
    "Sensitive",
    "StateResource",
    "Unknown",
    "load_plan",
    "parse_plan",
]

__getattr__ = exports(
    __name__,
    {
        "ACTIONS": "pytest_devops.plan.model",
        "OutputChange": "pytest_devops.plan.model",
        "Plan": "pytest_devops.plan.model",
        "ResourceChange": "pytest_devops.plan.model",
        "Sensitive": "pytest_devops.plan.values",
        "StateResource": "pytest_devops.plan.model",
        "UNKNOWN": "pytest_devops.plan.values",
        "Unknown": "pytest_devops.plan.values",
        "load_plan": "pytest_devops.plan.load",
        "parse_plan": "pytest_devops.plan.load",
    },
)
