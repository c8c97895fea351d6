"""``planned_values`` and ``prior_state`` resources, flattened across nested modules."""

from __future__ import annotations

from typing import Any

from pytest_devops.plan.address import split_address
from pytest_devops.plan.model import StateResource

__all__ = ["flatten", "iter_modules"]


def iter_modules(values: Any) -> list[dict[str, Any]]:
    """The root module and every nested ``child_modules`` entry (breadth first)."""
    root = values.get("root_module") if isinstance(values, dict) else None
    if not isinstance(root, dict):
        return []
    out: list[dict[str, Any]] = []
    queue = [root]
    while queue:
        module = queue.pop()
        out.append(module)
        children = module.get("child_modules")
        if isinstance(children, list):
            queue.extend(reversed([c for c in children if isinstance(c, dict)]))
    return out


def flatten(values: Any) -> list[StateResource]:
    """Every resource of a ``values`` object (``planned_values``, ``prior_state.values``)."""
    out: list[StateResource] = []
    for module in iter_modules(values):
        module_address = module.get("address") or ""
        for res in module.get("resources") or ():
            if not isinstance(res, dict) or not isinstance(res.get("address"), str):
                continue
            parts = split_address(res["address"])
            out.append(StateResource(
                address=res["address"],
                type=res.get("type") or parts.type,
                name=res.get("name") or parts.name,
                mode=res.get("mode") or parts.mode,
                module_address=module_address or parts.module_address,
                index=res.get("index", parts.index),
                provider_name=res.get("provider_name") or "",
                values=res.get("values"),
                sensitive_values=res.get("sensitive_values"),
                deposed=res.get("deposed_key"),
                tainted=res.get("tainted") is True,
            ))
    return out
