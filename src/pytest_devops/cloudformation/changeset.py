"""CloudFormation as a deploy engine: the change set is the plan, executing it the apply.

``plan_change_set`` creates (and waits for) a change set; :class:`ChangeSetPlan` holds
its changes and converts them into the project's plan model so the plan-stage gates
apply to CloudFormation as to Terraform. ``execute`` runs it with waiters and turns a
rollback into an error that quotes the stack events' reasons.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_devops.cloudformation.model import CfnChange, CfnSettings, ChangeSetPlan
from pytest_devops.cloudformation.template import load_template, no_echo_parameters
from pytest_devops.errors import GateError

if TYPE_CHECKING:
    from pytest_devops.aws.session import AwsSession
    from pytest_devops.redact import Redactor
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


class ApplyFailed(GateError):
    """Executing the change set failed; the message quotes the failed resources' reasons."""


class CloudFormation:
    """Plan, apply, read and destroy one stack."""

    def __init__(self, session: AwsSession, settings: CfnSettings,
                 redactor: Redactor | None = None) -> None:
        self.session = session
        self.settings = settings
        self.redactor = redactor
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.session.client("cloudformation")
        return self._client

    def stack(self) -> dict[str, Any] | None:
        """The stack's description, or ``None`` when it does not exist."""
        try:
            stacks = self.client.describe_stacks(StackName=self.settings.stack_name)["Stacks"]
        except Exception as exc:
            if "does not exist" in str(exc):
                return None
            raise GateError(f"cannot describe stack {self.settings.stack_name}: {exc}") from None
        return stacks[0] if stacks else None

    def plan(self, name: str | None = None) -> ChangeSetPlan:
        """Create a change set for the template and wait until CloudFormation computed it."""
        s = self.settings
        body, doc = load_template(s.template)
        if self.redactor is not None:
            secret = no_echo_parameters(doc)
            self.redactor.add_all(v for k, v in s.parameters.items() if k in secret)
        current = self.stack()
        if current and current["StackStatus"] == "ROLLBACK_COMPLETE":
            raise GateError(
                f"stack {s.stack_name} is ROLLBACK_COMPLETE (its creation failed) and "
                "cannot be updated",
                hint="delete it (aws cloudformation delete-stack) and plan again",
            )
        kind = "UPDATE" if current and current["StackStatus"] != "REVIEW_IN_PROGRESS" else "CREATE"
        name = name or f"pytest-devops-{int(time.time() * 1000)}"
        params: dict[str, Any] = {
            "StackName": s.stack_name, "ChangeSetName": name, "ChangeSetType": kind,
            "TemplateBody": body,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                           for k, v in s.parameters.items()],
            "Tags": [{"Key": k, "Value": v} for k, v in s.tags.items()],
        }
        if s.capabilities:
            params["Capabilities"] = list(s.capabilities)
        try:
            created = self.client.create_change_set(**params)
        except Exception as exc:
            raise GateError(f"stack {s.stack_name}: cannot create change set: {exc}",
                            hint=f"check the template {s.template} and cloudformation.*") from None
        return self.describe(created["Id"], doc, wait=True, kind=kind)

    def describe(self, change_set: str, template: Mapping[str, Any] | None = None,
                 wait: bool = False, kind: str | None = None) -> ChangeSetPlan:
        """Read a change set (name or ARN); with ``wait``, until it is computed."""
        stack = self.settings.stack_name
        if wait:
            # A FAILED change set may just mean "no changes": decided below from its status.
            with contextlib.suppress(Exception):
                self.client.get_waiter("change_set_create_complete").wait(
                    StackName=stack, ChangeSetName=change_set,
                    WaiterConfig={"Delay": 2, "MaxAttempts": 150},
                )
        changes: list[dict[str, Any]] = []
        token = None
        while True:
            kw: dict[str, str] = {"NextToken": token} if token else {}
            try:
                resp = self.client.describe_change_set(StackName=stack, ChangeSetName=change_set,
                                                       **kw)
            except Exception as exc:
                raise GateError(f"stack {stack}: cannot read change set {change_set}: {exc}"
                                ) from None
            changes += resp.get("Changes", [])
            token = resp.get("NextToken")
            if not token:
                break
        status, reason = resp["Status"], resp.get("StatusReason") or ""
        if status == "FAILED" and not any(m in reason for m in _NO_CHANGES):
            raise GateError(f"stack {stack}: change set {resp['ChangeSetName']} failed: {reason}")
        if status != "FAILED" and status != "CREATE_COMPLETE":
            raise GateError(
                f"stack {stack}: change set {resp['ChangeSetName']} is {status}, not ready "
                "to be read as a plan",
                hint="wait until CloudFormation has computed it (status CREATE_COMPLETE)",
            )
        if template is None:
            template = load_template(self.settings.template)[1]
        if kind is None:
            current = self.stack()
            review = current is None or current["StackStatus"] == "REVIEW_IN_PROGRESS"
            kind = "CREATE" if review else "UPDATE"
        return ChangeSetPlan(
            stack_name=stack,
            change_set_name=resp["ChangeSetName"],
            change_set_id=resp["ChangeSetId"],
            change_set_type=kind,
            status=status if status != "FAILED" else "NO_CHANGES",
            execution_status=resp.get("ExecutionStatus", "UNAVAILABLE"),
            changes=tuple(CfnChange.from_api(c) for c in changes if c.get("Type") == "Resource"),
            template=template,
            parameters=self.settings.parameters,
        )

    def execute(self, plan: ChangeSetPlan) -> dict[str, Any]:
        """Execute the change set (the apply); returns the stack once it is complete."""
        stack = self.settings.stack_name
        if plan.no_changes:
            found = self.stack()
            if found is None:
                raise GateError(f"stack {stack}: change set {plan.change_set_name} has no "
                                "changes and the stack does not exist")
            return found
        if not plan.executable:
            raise GateError(
                f"stack {stack}: change set {plan.change_set_name} cannot be executed "
                f"(execution status {plan.execution_status})",
                hint="a change set is applied once and goes stale when the stack changes: "
                "plan again and apply the new change set",
            )
        started = time.time()
        try:
            self.client.execute_change_set(StackName=stack, ChangeSetName=plan.change_set_id)
        except Exception as exc:
            raise GateError(f"stack {stack}: cannot execute change set: {exc}") from None
        waiter = "stack_create_complete" if plan.change_set_type == "CREATE" else (
            "stack_update_complete")
        self._wait(waiter, started)
        found = self.stack()
        assert found is not None
        return found

    def destroy(self) -> None:
        """Delete the stack and wait until it is gone (no-op when it does not exist)."""
        if self.stack() is None:
            return
        started = time.time()
        try:
            self.client.delete_stack(StackName=self.settings.stack_name)
        except Exception as exc:
            raise GateError(f"stack {self.settings.stack_name}: cannot delete: {exc}") from None
        self._wait("stack_delete_complete", started)

    def outputs(self) -> dict[str, str]:
        """The stack's outputs (``OutputKey -> OutputValue``)."""
        return stack_outputs(self)

    def _wait(self, waiter: str, started: float) -> None:
        delay = 5 if self.session.settings.endpoint_url is None else 1
        attempts = max(1, self.settings.timeout_minutes * 60 // delay)
        try:
            self.client.get_waiter(waiter).wait(
                StackName=self.settings.stack_name,
                WaiterConfig={"Delay": delay, "MaxAttempts": attempts},
            )
        except Exception:
            status = (self.stack() or {}).get("StackStatus", "DELETED")
            reasons = "".join(f"\n  {line}" for line in self.failure_reasons(started))
            raise ApplyFailed(
                f"stack {self.settings.stack_name}: {waiter.replace('_', ' ')} did not succeed "
                f"(status {status}){reasons or ' and no stack event gives a reason'}",
                hint="fix the template or parameters; the stack events say why",
            ) from None

    def failure_reasons(self, since: float) -> list[str]:
        """``LogicalId STATUS: reason`` for every failed event since ``since`` (epoch)."""
        try:
            events = self.client.describe_stack_events(
                StackName=self.settings.stack_name)["StackEvents"]
        except Exception:
            return []
        return failed_events(events, since)


def failed_events(events: list[dict[str, Any]], since: float) -> list[str]:
    """The failed resource events (newest first from the API) in time order, as
    ``LogicalId STATUS: reason``; events before ``since`` (epoch seconds) are older runs."""
    out = []
    for e in reversed(events):
        if e["Timestamp"].timestamp() + 1 < since or not e["ResourceStatus"].endswith("_FAILED"):
            continue
        out.append(f"{e['LogicalResourceId']} {e['ResourceStatus']}: "
                   f"{e.get('ResourceStatusReason', '')}")
    return out


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
    from pytest_devops.cloudformation.template import load_template

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
