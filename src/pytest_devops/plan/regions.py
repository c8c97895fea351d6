"""Regions of providers and resources, read from the plan's configuration.

A resource's region is its own ``region`` attribute when it has a known one (Google
resources, AWS provider v6), else the ``region`` of the provider block it uses. A
provider's region is the ``constant_value`` of its ``region`` expression, or the value of
the root variable it references (``region = var.region``). Providers inside modules that
inherit their configuration fall back to the root provider of the same name and alias.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.plan.model import Plan, ResourceChange

__all__ = ["provider_region", "resource_region"]


def _provider_config(plan: Plan) -> dict[str, Any]:
    config = plan.raw.get("configuration")
    pc = config.get("provider_config") if isinstance(config, dict) else None
    return pc if isinstance(pc, dict) else {}


def _region_of(plan: Plan, entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    expr = (entry.get("expressions") or {}).get("region")
    if not isinstance(expr, dict):
        return None
    value = expr.get("constant_value")
    if isinstance(value, str) and value:
        return value
    for ref in expr.get("references") or ():
        if isinstance(ref, str) and ref.startswith("var.") and not entry.get("module_address"):
            var = plan.variables.get(ref[4:])
            if isinstance(var, str) and var:
                return var
    return None


def provider_region(plan: Plan, provider_name: str, alias: str | None = None) -> str | None:
    pc = _provider_config(plan)
    key = f"{provider_name}.{alias}" if alias else provider_name
    if key in pc:
        return _region_of(plan, pc[key])
    short = provider_name.rsplit("/", 1)[-1]
    for entry in pc.values():
        if not isinstance(entry, dict) or entry.get("module_address"):
            continue
        if (entry.get("alias") or None) != alias:
            continue
        if entry.get("name") == short or entry.get("full_name") == provider_name:
            return _region_of(plan, entry)
    return None


def _config_keys(plan: Plan) -> dict[tuple[str, str], str]:
    """(module path without instance keys, local address) -> provider_config_key."""
    cached: dict[tuple[str, str], str] | None = plan._cache.get("provider_keys")
    if cached is not None:
        return cached  # asked once per resource: never copied
    out: dict[tuple[str, str], str] = {}
    config = plan.raw.get("configuration")
    root = config.get("root_module") if isinstance(config, dict) else None
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        path, module = stack.pop()
        if not isinstance(module, dict):
            continue
        for res in module.get("resources") or ():
            if isinstance(res, dict) and isinstance(res.get("provider_config_key"), str):
                out[(path, str(res.get("address")))] = res["provider_config_key"]
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                child = f"{path}.module.{name}" if path else f"module.{name}"
                stack.append((child, call.get("module")))
    plan._cache["provider_keys"] = out
    return out


def _strip_keys(module_path: tuple[str, ...]) -> str:
    return ".".join(part.split("[", 1)[0] for part in module_path)


def resource_region(plan: Plan, rc: ResourceChange) -> str | None:
    for values in (rc.after, rc.before):
        if isinstance(values, dict) and isinstance(values.get("region"), str) and values["region"]:
            return str(values["region"])
    local = f"{'data.' if rc.mode == 'data' else ''}{rc.type}.{rc.name}"
    key = _config_keys(plan).get((_strip_keys(rc.module_path), local))
    pc = _provider_config(plan)
    if key is not None:
        region = _region_of(plan, pc.get(key))
        if region:
            return region
        provider = key.rsplit(":", 1)[-1]
        name, _, alias = provider.partition(".")
        return provider_region(plan, name, alias or None)
    return provider_region(plan, rc.provider_name)
