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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_devops.errors import GateError
from pytest_devops.verify.cfn_template import load_template, no_echo_parameters

if TYPE_CHECKING:
    from pytest_devops.redact import Redactor
    from pytest_devops.verify.aws import AwsSession

#: change set action -> plan action.
ACTIONS = {"Add": "create", "Modify": "update", "Remove": "delete", "Import": "import",
           "Dynamic": "update"}
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


class ApplyFailed(GateError):
    """Executing the change set failed; the message quotes the failed resources' reasons."""


@dataclass(frozen=True)
class CfnSettings:
    """The parsed ``cloudformation:`` section."""

    stack_name: str
    template: Path
    parameters: Mapping[str, str] = field(default_factory=dict)
    capabilities: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    timeout_minutes: int = 30

    @classmethod
    def from_section(cls, raw: Mapping[str, Any], root: Path) -> CfnSettings:
        template = Path(raw["template"]).expanduser()  # as Environment.path reads it
        return cls(
            stack_name=raw["stack_name"],
            template=template if template.is_absolute() else root / template,
            parameters={k: str(v) for k, v in (raw.get("parameters") or {}).items()},
            capabilities=tuple(raw.get("capabilities") or ()),
            tags={k: str(v) for k, v in (raw.get("tags") or {}).items()},
            timeout_minutes=int(raw.get("timeout_minutes", 30)),
        )


@dataclass(frozen=True)
class CfnChange:
    """One resource change of a change set."""

    logical_id: str
    resource_type: str
    action: str  # create | update | delete | replace | import
    physical_id: str | None = None
    replacement: str | None = None  # True | False | Conditional (CloudFormation's words)
    scope: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, change: Mapping[str, Any]) -> CfnChange:
        rc = change["ResourceChange"]
        action = ACTIONS.get(rc["Action"], rc["Action"].lower())
        replacement = rc.get("Replacement")
        # "Conditional" may replace: the conservative reading is a replacement.
        if action == "update" and replacement in ("True", "Conditional"):
            action = "replace"
        return cls(
            logical_id=rc["LogicalResourceId"],
            resource_type=rc["ResourceType"],
            action=action,
            physical_id=rc.get("PhysicalResourceId"),
            replacement=replacement,
            scope=tuple(rc.get("Scope") or ()),
        )


@dataclass(frozen=True)
class ChangeSetPlan:
    """A created change set: the CloudFormation plan."""

    stack_name: str
    change_set_name: str
    change_set_id: str
    change_set_type: str  # CREATE | UPDATE
    status: str
    changes: tuple[CfnChange, ...]
    execution_status: str = "AVAILABLE"
    template: Mapping[str, Any] = field(default_factory=dict, compare=False)
    parameters: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def executable(self) -> bool:
        return self.status == "CREATE_COMPLETE" and self.execution_status == "AVAILABLE"

    @property
    def no_changes(self) -> bool:
        """CloudFormation found nothing to change: applying it is a no-op."""
        return self.status == "NO_CHANGES"

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("create", "update", "delete", "replace", "import"), 0)
        for c in self.changes:
            out[c.action] = out.get(c.action, 0) + 1
        return out

    def to_plan(self) -> Any:
        """The change set as the project's :class:`~pytest_devops.plan.model.Plan`."""
        from pytest_devops.verify.cfn_plan import to_plan

        return to_plan(self)


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
        from pytest_devops.verify.cfn_outputs import stack_outputs

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
