"""A change set and its settings, and the change set as the project's plan model, so
the plan-stage rules apply to it.

Each resource change becomes a :class:`~pytest_devops.plan.model.ResourceChange` whose
address is the logical id and whose type is the CloudFormation type. ``after`` holds
the template's properties; values that are intrinsic functions (``Ref``, ``Fn::*``)
are known only after apply, so they are marked unknown the way Terraform marks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.plan.model import Plan

#: change set action -> plan action.
ACTIONS = {"Add": "create", "Modify": "update", "Remove": "delete", "Import": "import",
           "Dynamic": "update"}

PROVIDER = "aws.cloudformation"
_TF_ACTIONS = {
    "create": ("create",),
    "update": ("update",),
    "delete": ("delete",),
    "replace": ("delete", "create"),
    "import": ("no-op",),
}


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

    def to_plan(self) -> Plan:
        """The change set as the project's :class:`~pytest_devops.plan.model.Plan`."""
        return to_plan(self)


def to_plan(cs: ChangeSetPlan) -> Plan:
    from pytest_devops.plan.model import Plan, ResourceChange

    resources = cs.template.get("Resources") or {}
    params = _parameters(cs)
    changes = []
    for c in cs.changes:
        props = _resolve((resources.get(c.logical_id) or {}).get("Properties") or {}, params)
        after = None if c.action == "delete" else props
        changes.append(ResourceChange(
            address=c.logical_id,
            type=c.resource_type,
            name=c.logical_id,
            actions=_TF_ACTIONS.get(c.action, (c.action,)),
            provider_name=PROVIDER,
            after=after,
            after_unknown=_unknown(after) if after is not None else None,
            action_reason=_reason(c),
            importing={"id": c.physical_id} if c.action == "import" else None,
        ))
    return Plan(
        format_version="cloudformation",
        resource_changes=changes,
        raw={"change_set": {"stack_name": cs.stack_name, "name": cs.change_set_name,
                            "id": cs.change_set_id, "type": cs.change_set_type,
                            "status": cs.status}},
        source=f"change set {cs.change_set_name} of stack {cs.stack_name}",
        applyable=cs.executable,
        complete=True,
    )


def _parameters(cs: ChangeSetPlan) -> dict[str, Any]:
    """Parameter values known at plan time (given, else the default); NoEcho ones stay
    unknown so a secret never lands in the plan."""
    from pytest_devops.cloudformation.template import no_echo_parameters

    declared = cs.template.get("Parameters") or {}
    secret = no_echo_parameters(dict(cs.template))
    out: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in secret:
            continue
        if name in cs.parameters:
            out[name] = cs.parameters[name]
        elif isinstance(spec, dict) and "Default" in spec:
            out[name] = spec["Default"]
    return out


def _resolve(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("Ref"), str) and value["Ref"] in params:
            return params[value["Ref"]]
        return {k: _resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, params) for v in value]
    return value


def _reason(c: CfnChange) -> str | None:
    if c.action == "replace":
        return f"replacement {c.replacement}" + (f" ({', '.join(c.scope)})" if c.scope else "")
    return None


def _unknown(value: Any) -> Any:
    """Terraform's ``after_unknown`` shape: True where the value is an intrinsic."""
    if isinstance(value, dict):
        if (len(value) == 1 and next(iter(value)) in ("Ref", "Condition")) or any(
            str(k).startswith("Fn::") for k in value
        ):
            return True
        return {k: _unknown(v) for k, v in value.items() if _unknown(v) not in (False, {}, [])}
    if isinstance(value, list):
        return [_unknown(v) for v in value]
    return False
