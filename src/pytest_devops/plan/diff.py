"""A readable plan diff: per resource, the attributes that change (before -> after).

Pure library. The diff is plain JSON-ready data whose values are already text: a
sensitive value is the redactor's mask, a value known only after apply is
``(known after apply)``, so a diff can be written, uploaded and rendered anywhere without
a secret in it. Which attribute forces a replacement (``replace_paths``), moved
(``previous_address``) and imported (``importing``) resources and Terraform's action
reason are kept per resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_devops.plan.model import COUNT_KEYS, OutputChange, Plan, ResourceChange
from pytest_devops.plan.values import UNKNOWN, PathPart, Sensitive, wrap
from pytest_devops.redact import MASK, Redactor

__all__ = ["SCHEMA", "AttributeChange", "PlanDiff", "ResourceDiff", "from_dict", "plan_diff"]

SCHEMA = "pytest-devops/plan-diff@1"
UNKNOWN_TEXT = "(known after apply)"
ABSENT = "null"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

#: Terraform's action reasons, as a reviewer reads them.
REASONS = {
    "replace_because_tainted": "tainted: the object is replaced",
    "replace_because_cannot_update": "an attribute that cannot be updated in place changes",
    "replace_by_request": "replacement requested (-replace)",
    "replace_by_triggers": "replace_triggered_by changed",
    "delete_because_no_resource_config": "no longer in the configuration",
    "delete_because_no_module": "its module is no longer in the configuration",
    "delete_because_wrong_repetition": "count/for_each was added or removed",
    "delete_because_count_index": "its count index is out of range",
    "delete_because_each_key": "its for_each key is no longer in the map",
    "delete_because_no_move_target": "moved to an address that does not exist",
    "read_because_config_unknown": "read during apply: its configuration is known after apply",
    "read_because_dependency_pending": "read during apply: a dependency has pending changes",
    "read_because_check_nested": "read during apply: a check block's nested data source",
}


@dataclass(frozen=True)
class AttributeChange:
    path: str
    before: str
    after: str
    forces_replacement: bool = False


@dataclass(frozen=True)
class ResourceDiff:
    address: str
    action: str
    attributes: tuple[AttributeChange, ...] = ()
    reason: str | None = None
    previous_address: str | None = None
    importing: str | None = None
    replace_paths: tuple[str, ...] = ()
    deposed: str | None = None


@dataclass(frozen=True)
class PlanDiff:
    """The changes of one root's plan (no-ops left out), with the plan's digest."""

    root: str
    counts: dict[str, int]
    resources: tuple[ResourceDiff, ...]
    outputs: tuple[AttributeChange, ...] = ()
    digest: str = ""
    unchanged: int = 0
    #: objects Terraform found changed outside it since the last apply (``resource_drift``)
    drifted: tuple[ResourceDiff, ...] = ()
    #: the plan gates' outcome (pass, fail, error) when the diff was written beside them
    outcome: str | None = None

    @property
    def has_changes(self) -> bool:
        return bool(self.resources) or bool(self.outputs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "root": self.root,
            "counts": dict(self.counts),
            "unchanged": self.unchanged,
            "digest": self.digest,
            "resources": [_resource_dict(r) for r in self.resources],
            "outputs": [_attr_dict(a) for a in self.outputs],
            "drifted": [_resource_dict(r) for r in self.drifted],
            **({"outcome": self.outcome} if self.outcome else {}),
        }


def _attr_dict(a: AttributeChange) -> dict[str, Any]:
    out: dict[str, Any] = {"path": a.path, "before": a.before, "after": a.after}
    if a.forces_replacement:
        out["forces_replacement"] = True
    return out


def _resource_dict(r: ResourceDiff) -> dict[str, Any]:
    out: dict[str, Any] = {"address": r.address, "action": r.action}
    for key in ("reason", "previous_address", "importing", "deposed"):
        if getattr(r, key) is not None:
            out[key] = getattr(r, key)
    if r.replace_paths:
        out["replace_paths"] = list(r.replace_paths)
    out["attributes"] = [_attr_dict(a) for a in r.attributes]
    return out


# -- building ------------------------------------------------------------------------------


def plan_diff(plan: Plan, root: str = "", redactor: Redactor | None = None) -> PlanDiff:
    """The readable diff of ``plan``. Every text passes through ``redactor`` (one is made
    from the plan's sensitive values when none is given)."""
    redactor = redactor or Redactor(plan.sensitive_values())
    resources = tuple(
        _resource(rc, redactor) for rc in plan.resource_changes if rc.action != "no-op"
    )
    outputs = tuple(
        change
        for name, oc in sorted(plan.output_changes.items())
        if oc.action not in ("no-op", "read")
        for change in _output(name, oc, redactor)
    )
    counts = plan.counts()
    return PlanDiff(
        root=root,
        counts={key: counts[key] for key in COUNT_KEYS if key != "no-op"},
        resources=resources,
        outputs=outputs,
        digest=plan.digest(),
        unchanged=counts["no-op"],
        drifted=tuple(_resource(rc, redactor) for rc in plan.resource_drift),
    )


def path_text(parts: Sequence[PathPart]) -> str:
    """``tags["Name"]``, ``ingress[0].from_port``: Terraform's own attribute path form."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def value_text(value: Any) -> str:
    """One value as a reviewer reads it: JSON, the mask, or ``(known after apply)``."""
    if value is UNKNOWN:
        return UNKNOWN_TEXT
    if isinstance(value, Sensitive):
        return MASK
    if isinstance(value, (dict, list)):
        if not _has_markers(value):
            return json.dumps(value, sort_keys=True, ensure_ascii=False)
        inner = (
            ", ".join(f"{json.dumps(k)}: {value_text(v)}" for k, v in sorted(value.items()))
            if isinstance(value, dict)
            else ", ".join(value_text(v) for v in value)
        )
        return "{" + inner + "}" if isinstance(value, dict) else "[" + inner + "]"
    return json.dumps(value, ensure_ascii=False)


def _has_markers(value: Any) -> bool:
    if value is UNKNOWN or isinstance(value, Sensitive):
        return True
    if isinstance(value, dict):
        return any(_has_markers(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_markers(v) for v in value)
    return False


def _changed(
    old: Any, new: Any, path: tuple[PathPart, ...] = ()
) -> Iterator[tuple[tuple[PathPart, ...], Any, Any]]:
    """``(path, before, after)`` of every leaf that differs (``None``: absent or null).

    Containers are compared element by element; an unknown or sensitive value, or a
    container facing a scalar, is compared whole.
    """
    if (isinstance(new, dict) and isinstance(old, (dict, type(None))) and (new or old)) or (
        isinstance(old, dict) and old and new is None
    ):
        old_d, new_d = old or {}, new or {}
        for key in dict.fromkeys([*old_d, *new_d]):
            yield from _changed(old_d.get(key), new_d.get(key), (*path, key))
    elif (isinstance(new, list) and isinstance(old, (list, type(None))) and (new or old)) or (
        isinstance(old, list) and old and new is None
    ):
        old_l, new_l = old or [], new or []
        for i in range(max(len(old_l), len(new_l))):
            yield from _changed(
                old_l[i] if i < len(old_l) else None, new_l[i] if i < len(new_l) else None,
                (*path, i),
            )
    elif new is UNKNOWN or isinstance(old, Sensitive) or isinstance(new, Sensitive):
        if new is UNKNOWN or not _same(old, new):
            yield path, old, new
    elif old != new and not (old is None and new is None):
        yield path, old, new


def _same(old: Any, new: Any) -> bool:
    reveal = [v.reveal() if isinstance(v, Sensitive) else v for v in (old, new)]
    return bool(reveal[0] == reveal[1])


def _forces(path: tuple[PathPart, ...], replace: Sequence[tuple[PathPart, ...]]) -> bool:
    return any(path[: len(p)] == p or p[: len(path)] == path for p in replace)


def _resource(rc: ResourceChange, redactor: Redactor) -> ResourceDiff:
    replace = [tuple(p) for p in rc.replace_paths if isinstance(p, list)]
    attributes: tuple[AttributeChange, ...] = ()
    if rc.action in ("create", "update", "replace", "read") or (
        rc.action == "forget" and rc.after is not None
    ):
        before = wrap(rc.before, None, rc.before_sensitive) if rc.action != "read" else None
        after = wrap(rc.after, rc.after_unknown, rc.after_sensitive)
        attributes = tuple(
            AttributeChange(
                redactor.redact(path_text(path)),
                redactor.redact(value_text(old)) if old is not None else ABSENT,
                redactor.redact(value_text(new)) if new is not None else ABSENT,
                _forces(path, replace),
            )
            for path, old, new in _changed(before, after)
        )
    return ResourceDiff(
        address=rc.address,
        action=rc.action,
        attributes=attributes,
        reason=REASONS.get(rc.action_reason or "", rc.action_reason) if rc.action_reason else None,
        previous_address=rc.previous_address
        if rc.previous_address and rc.previous_address != rc.address
        else None,
        importing=_importing(rc.importing, redactor),
        replace_paths=tuple(redactor.redact(path_text(p)) for p in replace),
        deposed=rc.deposed,
    )


def _importing(importing: Any, redactor: Redactor) -> str | None:
    if not isinstance(importing, Mapping):
        return None
    if importing.get("id"):
        return redactor.redact(f"id {json.dumps(importing['id'], ensure_ascii=False)}")
    if isinstance(importing.get("identity"), Mapping):
        return redactor.redact(f"identity {value_text(importing['identity'])}")
    return "yes"


def _output(name: str, oc: OutputChange, redactor: Redactor) -> Iterator[AttributeChange]:
    if oc.sensitive:
        yield AttributeChange(name, MASK if oc.before is not None else ABSENT, MASK)
        return
    before = wrap(oc.before, None, oc.before_sensitive)
    after = wrap(oc.after, oc.after_unknown, oc.after_sensitive)
    old = redactor.redact(value_text(before)) if oc.action != "create" else ABSENT
    new = redactor.redact(value_text(after)) if oc.action != "delete" else ABSENT
    yield AttributeChange(name, old, new)


# -- reading back (an uploaded diff, from another job) -------------------------------------


def from_dict(doc: Any, where: str = "<diff>") -> PlanDiff:
    """A diff written by :meth:`PlanDiff.to_dict`; ``ValueError`` naming what is wrong."""
    if not isinstance(doc, Mapping) or doc.get("schema") != SCHEMA:
        raise ValueError(f"{where}: not a plan diff (expected \"schema\": \"{SCHEMA}\")")
    try:
        resources = tuple(_resource_of(r) for r in doc["resources"])
        counts = {str(k): int(v) for k, v in doc["counts"].items()}
        return PlanDiff(
            root=str(doc.get("root", "")),
            counts=counts,
            resources=resources,
            outputs=tuple(_attr(a) for a in doc.get("outputs", ())),
            digest=str(doc.get("digest", "")),
            unchanged=int(doc.get("unchanged", 0)),
            drifted=tuple(_resource_of(r) for r in doc.get("drifted", ())),
            outcome=doc["outcome"] if doc.get("outcome") in ("pass", "fail", "error") else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{where}: malformed plan diff ({type(exc).__name__}: {exc})") from None


def _resource_of(r: Mapping[str, Any]) -> ResourceDiff:
    return ResourceDiff(
        address=str(r["address"]),
        action=str(r["action"]),
        attributes=tuple(_attr(a) for a in r.get("attributes", ())),
        reason=r.get("reason"),
        previous_address=r.get("previous_address"),
        importing=r.get("importing"),
        replace_paths=tuple(str(p) for p in r.get("replace_paths", ())),
        deposed=r.get("deposed"),
    )


def _attr(a: Mapping[str, Any]) -> AttributeChange:
    return AttributeChange(
        str(a["path"]), str(a["before"]), str(a["after"]), bool(a.get("forces_replacement"))
    )
