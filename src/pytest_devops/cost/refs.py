"""Which resource an attribute refers to, read from the plan's ``configuration`` block.

A plan's after-values cannot say which launch template an instance uses when the id is
known only after apply; the configuration can: ``launch_template[0].id`` has
``"references": ["aws_launch_template.web.id", "aws_launch_template.web"]``. This
module answers "which resource in the plan does this attribute point at".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["References"]

_INDEX = re.compile(r"\[[^\[\]]*\]$")
_RESOURCE_REF = re.compile(r"^(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)")


def _modules(module: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield prefix, module
    for name, call in (module.get("module_calls") or {}).items():
        child = call.get("module") if isinstance(call, Mapping) else None
        if isinstance(child, Mapping):
            yield from _modules(child, f"{prefix}.module.{name}" if prefix else f"module.{name}")


def _strip_module_keys(address: str) -> tuple[str, str]:
    """``module.a["x"].aws_instance.b[0]`` -> (``module.a``, ``aws_instance.b``)."""
    if not address.startswith("module."):
        cut = address.find("[")
        return "", address if cut < 0 else address[:cut]
    parts = re.split(r"\.(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", address)
    modules: list[str] = []
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        modules.append("module." + _INDEX.sub("", parts[i + 1]))
        i += 2
    local = ".".join(parts[i:])
    return ".".join(modules), _INDEX.sub("", local)


class References:
    """Configuration expressions of every resource, by module and ``type.name``."""

    def __init__(self, raw: Mapping[str, Any], addresses: Mapping[str, Any]) -> None:
        self._expressions: dict[tuple[str, str], Mapping[str, Any]] = {}
        self._addresses = addresses
        self._by_config: dict[tuple[str, str], list[str]] = {}
        config = raw.get("configuration") if isinstance(raw, Mapping) else None
        root = config.get("root_module") if isinstance(config, Mapping) else None
        if isinstance(root, Mapping):
            for prefix, module in _modules(root, ""):
                for res in module.get("resources") or ():
                    if isinstance(res, Mapping) and isinstance(res.get("address"), str):
                        self._expressions[(prefix, res["address"])] = res.get("expressions") or {}
        for address in addresses:
            self._by_config.setdefault(_strip_module_keys(address), []).append(address)

    def expressions(self, address: str) -> Mapping[str, Any]:
        return self._expressions.get(_strip_module_keys(address), {})

    def targets(self, address: str, *path: str | int) -> list[str]:
        """Addresses (in the plan) of the resources referenced at ``path`` of ``address``."""
        node: Any = self.expressions(address)
        for part in path:
            if isinstance(part, int):
                node = node[part] if isinstance(node, list) and len(node) > part else None
            else:
                node = node.get(part) if isinstance(node, Mapping) else None
            if node is None:
                return []
        refs = node.get("references") if isinstance(node, Mapping) else None
        module, _ = _strip_module_keys(address)
        index = _INDEX.search(address)
        out: list[str] = []
        for ref in refs or ():
            m = _RESOURCE_REF.match(ref)
            if not m or ref.startswith(("var.", "local.", "module.", "each.", "count.")):
                continue
            local = f"{m.group(1) or ''}{m.group(2)}.{m.group(3)}"
            candidates = self._by_config.get((module, local), [])
            if not candidates:
                continue
            same_index = [c for c in candidates if index and c.endswith(index.group(0))]
            pick = same_index[0] if same_index else candidates[0]
            if pick not in out:
                out.append(pick)
        return out

    def has_expression(self, address: str, name: str) -> bool:
        return name in self.expressions(address)
