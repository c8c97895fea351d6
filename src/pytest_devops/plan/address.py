"""Terraform resource addresses: split into parts, build from parts, match with globs."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, NamedTuple

__all__ = ["AddressParts", "build_address", "glob_match", "module_path", "split_address"]


class AddressParts(NamedTuple):
    module_address: str
    mode: str
    type: str
    name: str
    index: Any


def _segments(address: str) -> list[str]:
    """Dot-separated segments; dots inside ``["..."]`` keys do not split."""
    out: list[str] = []
    start = 0
    depth = 0
    quoted = False
    i = 0
    while i < len(address):
        ch = address[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "." and depth == 0:
            out.append(address[start:i])
            start = i + 1
        i += 1
    out.append(address[start:])
    return out


def _name_index(segment: str) -> tuple[str, Any]:
    if not segment.endswith("]") or "[" not in segment:
        return segment, None
    name, _, key = segment.partition("[")
    key = key[:-1]
    if key.isdigit():
        return name, int(key)
    if key.startswith('"'):
        try:
            return name, json.loads(key)
        except ValueError:
            return name, key
    return name, key


def split_address(address: str) -> AddressParts:
    """``module.a["x"].data.aws_ami.ubuntu[0]`` -> module, mode, type, name, index."""
    segs = _segments(address)
    modules: list[str] = []
    i = 0
    while i + 1 < len(segs) and segs[i] == "module":
        modules.append(f"module.{segs[i + 1]}")
        i += 2
    rest = segs[i:]
    mode = "managed"
    if rest and rest[0] == "data":
        mode = "data"
        rest = rest[1:]
    rtype = rest[0] if rest else ""
    name, index = _name_index(".".join(rest[1:])) if len(rest) > 1 else ("", None)
    return AddressParts(".".join(modules), mode, rtype, name, index)


def module_path(module_address: str) -> tuple[str, ...]:
    """``("module.a", 'module.b["x"]')`` for ``module.a.module.b["x"]``."""
    if not module_address:
        return ()
    segs = _segments(module_address)
    return tuple(f"module.{segs[i + 1]}" for i in range(0, len(segs) - 1, 2))


def format_index(index: Any) -> str:
    if index is None:
        return ""
    if isinstance(index, int) and not isinstance(index, bool):
        return f"[{index}]"
    return f"[{json.dumps(str(index))}]"


def build_address(module_address: str, mode: str, rtype: str, name: str, index: Any) -> str:
    local = f"{'data.' if mode == 'data' else ''}{rtype}.{name}{format_index(index)}"
    return f"{module_address}.{local}" if module_address else local


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """``*`` matches any run of characters (dots too), ``?`` one; brackets are literal."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def glob_match(pattern: str, address: str) -> bool:
    """Whether ``address`` matches ``pattern`` (``aws_instance.web[*]``, ``module.db.*``)."""
    return _glob(pattern).fullmatch(address) is not None
