"""Plan documents for cost tests, built from plain dicts, and a reader of Infracost's
published breakdowns (the ``*.golden`` files of the corpus)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pytest_devops.plan import Plan, parse_plan

ACTIONS = {
    "create": ["create"], "update": ["update"], "delete": ["delete"],
    "replace": ["delete", "create"], "no-op": ["no-op"], "read": ["read"], "forget": ["forget"],
}


def res(
    address: str,
    after: dict[str, Any] | None,
    *,
    action: str = "create",
    before: dict[str, Any] | None = None,
    refs: dict[str, list[str]] | None = None,
    provider: str = "registry.terraform.io/hashicorp/aws",
    mode: str = "managed",
    after_sensitive: Any = None,
) -> dict[str, Any]:
    """A resource change (and, in ``refs``, its configuration's references by attribute
    path: ``{"launch_template.0.id": ["aws_launch_template.lt.id", ...]}``)."""
    local = address.split(".", 2) if address.startswith("data.") else None
    rtype, name = (local[1], local[2]) if local else address.split(".", 1)
    change: dict[str, Any] = {
        "address": address,
        "mode": mode,
        "type": rtype,
        "name": name.split("[", 1)[0],
        "provider_name": provider,
        "change": {
            "actions": ACTIONS[action],
            "before": before,
            "after": after,
            "after_unknown": {},
        },
    }
    if after_sensitive is not None:
        change["change"]["after_sensitive"] = after_sensitive
    change["_refs"] = refs or {}
    return change


def _expressions(refs: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, targets in refs.items():
        node: Any = out
        parts = path.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = parts[i + 1] if not last else None
            leaf = {"references": targets}
            if part.isdigit():
                idx = int(part)
                while len(node) <= idx:
                    node.append({})
                node[idx] = leaf if last else node[idx]
                node = node[idx]
            else:
                if last:
                    node[part] = leaf
                else:
                    node = node.setdefault(part, [] if nxt and nxt.isdigit() else {})
    return out


def plan_doc(changes: list[dict[str, Any]], region: str | None = "us-east-1") -> dict[str, Any]:
    provider: dict[str, Any] = {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}
    if region:
        provider["expressions"] = {"region": {"constant_value": region}}
    config_resources = []
    clean = []
    for c in changes:
        refs = c.pop("_refs", {})
        clean.append(c)
        base = c["address"].split("[", 1)[0]
        if not any(r["address"] == base for r in config_resources):
            config_resources.append({
                "address": base, "mode": c["mode"], "type": c["type"], "name": c["name"],
                "provider_config_key": "aws", "expressions": _expressions(refs),
            })
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "resource_changes": clean,
        "configuration": {
            "provider_config": {"aws": provider},
            "root_module": {"resources": config_resources},
        },
    }


def make_plan(changes: list[dict[str, Any]], region: str | None = "us-east-1") -> Plan:
    return parse_plan(plan_doc(changes, region), "<test plan>")


# -- Infracost's breakdown tables ---------------------------------------------------------

_COST = re.compile(r"\$([0-9,]+\.[0-9]+)\s*\*?\s*$")
_DEPENDS = re.compile(r"Monthly cost depends on usage: \$([0-9.,]+) per (.+?)\s*$")
_NAME = re.compile(r"^[│ ]*[├└]─ (.+?)(?:\s{2,}|$)")


def read_golden(path: Path) -> dict[str, dict[str, Decimal | tuple[str, Decimal]]]:
    """``{address: {"group: component": monthly cost | ("per-unit", price)}}``.

    Nested lines (block devices) are keyed ``"root_block_device: Storage (...)"``.
    """
    out: dict[str, dict[str, Decimal | tuple[str, Decimal]]] = {}
    current: dict[str, Decimal | tuple[str, Decimal]] | None = None
    group = ""
    for line in path.read_text("utf-8").splitlines():
        if re.match(r"^ aws_[a-z0-9_]+\.", line):
            current = out.setdefault(line.split()[0], {})
            group = ""
            continue
        if current is None or "─ " not in line or "OVERALL" in line:
            if not line.strip():
                current = None
            continue
        m = _NAME.match(line)
        if m is None:
            continue
        name = m.group(1).strip()
        depth = line.index("─")
        cost = _COST.search(line)
        depends = _DEPENDS.search(line)
        if cost is None and depends is None:
            group = name  # a sub-resource heading (root_block_device, ebs_block_device[0])
            continue
        label = f"{group}: {name}" if group and depth > 3 else name
        if depends is not None:
            current[label] = ("per-unit", Decimal(depends.group(1).replace(",", "")))
        else:
            assert cost is not None
            current[label] = Decimal(cost.group(1).replace(",", ""))
    return out
