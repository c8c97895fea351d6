"""Stack outputs, the inputs of post-deploy verification."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_devops.errors import GateError

if TYPE_CHECKING:
    from pytest_devops.verify.cfn import CloudFormation


def stack_outputs(cfn: CloudFormation) -> dict[str, str]:
    """``OutputKey -> OutputValue`` of the stack.

    An emulator may report no outputs for a stack created from a change set (moto 5
    does not evaluate them then). Outputs the template declares but the stack does not
    report are resolved when they are a plain ``Ref`` to a stack resource; others stay
    absent (asking for one is an error that lists the outputs there are).
    """
    stack = cfn.stack()
    if stack is None:
        raise GateError(f"stack {cfn.settings.stack_name} does not exist",
                        hint="deploy it first, or check cloudformation.stack_name and aws.region")
    out = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or ()}
    from pytest_devops.verify.cfn_template import load_template

    declared: dict[str, Any] = load_template(cfn.settings.template)[1].get("Outputs") or {}
    missing = {k: v for k, v in declared.items() if k not in out}
    if not missing:
        return out
    resources = cfn.client.describe_stack_resources(StackName=cfn.settings.stack_name)
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                for r in resources["StackResources"]
                if r.get("LogicalResourceId") and r.get("PhysicalResourceId")}
    for key, spec in missing.items():
        value = spec.get("Value") if isinstance(spec, dict) else None
        ref = value.get("Ref") if isinstance(value, dict) and len(value) == 1 else None
        if isinstance(ref, str) and ref in physical:
            out[key] = physical[ref]
    return out
