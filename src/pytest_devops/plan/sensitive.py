"""Every value a plan marks sensitive, for the redactor.

Terraform marks sensitive values in several places, depending on the format version:
``before_sensitive``/``after_sensitive`` of resource changes, drift and outputs,
``sensitive`` outputs in ``planned_values``/``prior_state``/``configuration``,
``sensitive_values`` of state resources, and ``sensitive`` root variables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pytest_devops.plan.state import iter_modules
from pytest_devops.plan.values import sensitive_leaves

if TYPE_CHECKING:
    from pytest_devops.plan.model import Plan, ResourceChange

__all__ = ["collect"]


def _changes(changes: Iterable[ResourceChange]) -> Iterator[Any]:
    for rc in changes:
        if rc.before_sensitive:
            yield from sensitive_leaves(rc.before, rc.before_sensitive)
        if rc.after_sensitive:
            yield from sensitive_leaves(rc.after, rc.after_sensitive)


def _state(values: Any) -> Iterator[Any]:
    if not isinstance(values, dict):
        return
    for output in (values.get("outputs") or {}).values():
        if isinstance(output, dict) and output.get("sensitive") is True:
            yield output.get("value")
    for module in iter_modules(values):
        for res in module.get("resources") or ():
            if isinstance(res, dict) and res.get("sensitive_values"):
                yield from sensitive_leaves(res.get("values"), res["sensitive_values"])


def _declared_sensitive_outputs(raw: dict[str, Any]) -> set[str]:
    config = raw.get("configuration")
    root = config.get("root_module") if isinstance(config, dict) else None
    outputs = root.get("outputs") if isinstance(root, dict) else None
    if not isinstance(outputs, dict):
        return set()
    return {n for n, o in outputs.items() if isinstance(o, dict) and o.get("sensitive") is True}


def _all(plan: Plan) -> Iterator[Any]:
    yield from _changes(plan.resource_changes)
    yield from _changes(plan.resource_drift)
    declared = _declared_sensitive_outputs(plan.raw)
    for name, oc in plan.output_changes.items():
        if name in declared:
            yield oc.before
            yield oc.after
            continue
        yield from sensitive_leaves(oc.before, oc.before_sensitive)
        yield from sensitive_leaves(oc.after, oc.after_sensitive)
    yield from _state(plan.raw.get("planned_values"))
    prior = plan.raw.get("prior_state")
    if isinstance(prior, dict):
        yield from _state(prior.get("values"))
    for name in plan.sensitive_variables:
        yield plan.variables.get(name)


def collect(plan: Plan) -> list[Any]:
    """Sensitive values, each once, in the order found (``None`` left out)."""
    seen: set[str] = set()
    out: list[Any] = []
    for value in _all(plan):
        if value is None:
            continue
        key = repr(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out
