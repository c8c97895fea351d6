"""What was deployed: a CloudFormation stack's resources and outputs, or a Terraform
state's. Each resource with its physical id, ARN and console link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_devops.deployments.console import console_url
from pytest_devops.deployments.model import DeployedResource

SENSITIVE = "(sensitive)"


def _template_resources(cfn: Any, stack_name: str) -> dict[str, str]:
    """Logical id -> type, from the stack's template."""
    from pytest_devops.cloudformation.template import parse_yaml

    body = cfn.get_template(StackName=stack_name)["TemplateBody"]
    doc = body if isinstance(body, dict) else parse_yaml(body)
    return {k: str(v.get("Type", "")) for k, v in ((doc or {}).get("Resources") or {}).items()
            if isinstance(v, dict)}


def from_stack(cfn: Any, stack_name: str, region: str | None,
               outputs: Mapping[str, Any] | None = None) -> tuple[
        list[DeployedResource], dict[str, Any], str]:
    """Every resource of the stack, its outputs (``outputs`` when the caller already has
    them) and its id. A resource the API describes without its names is listed from the
    template, linked to the stack's page."""
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    stack_id = stack["StackId"]
    described = {r["LogicalResourceId"]: r for r in
                 cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
                 if r.get("LogicalResourceId")}
    declared = _template_resources(cfn, stack_name)
    resources: list[DeployedResource] = []
    for logical in [*declared, *(k for k in described if k not in declared)]:
        r = described.get(logical, {})
        rtype = r.get("ResourceType") or declared.get(logical, "")
        pid = r.get("PhysicalResourceId") or None
        resources.append(DeployedResource(
            address=logical, type=rtype, id=pid,
            arn=pid if isinstance(pid, str) and pid.startswith("arn:") else None,
            console_url=console_url(rtype, pid, region, stack_id)))
    if outputs is None:
        outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs") or ()}
    return resources, dict(outputs), stack_id


def from_state(state: Mapping[str, Any], region: str | None) -> tuple[
        list[DeployedResource], dict[str, Any]]:
    """Managed resources and outputs of a ``terraform show -json`` state."""
    resources: list[DeployedResource] = []

    def walk(module: Mapping[str, Any]) -> None:
        for r in module.get("resources", ()):
            if r.get("mode", "managed") != "managed":
                continue
            values = r.get("values") or {}
            rid = values.get("id")
            resources.append(DeployedResource(
                address=str(r["address"]), type=str(r["type"]),
                id=str(rid) if rid is not None else None, arn=values.get("arn"),
                console_url=console_url(str(r["type"]), rid if isinstance(rid, str) else None,
                                        values.get("region") or region)))
        for child in module.get("child_modules", ()):
            walk(child)

    root = (state.get("values") or {})
    walk(root.get("root_module") or {})
    outputs = {k: SENSITIVE if o.get("sensitive") else o.get("value")
               for k, o in (root.get("outputs") or {}).items()}
    return resources, outputs
