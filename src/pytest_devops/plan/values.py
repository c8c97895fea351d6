"""Attribute values of a plan: real, unknown until apply, or sensitive.

Terraform's JSON keeps a value and its markers apart: ``after`` holds the known values,
``after_unknown`` mirrors it with ``true`` where a value is known only after apply, and
``after_sensitive`` mirrors it with ``true`` where a value is sensitive. This module
reads a value at a path with both markers applied, so a test never mistakes an unknown
for ``null`` and never prints a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from pytest_devops.redact import MASK

__all__ = ["UNKNOWN", "Sensitive", "Unknown", "lookup", "parse_path", "sensitive_leaves"]

PathPart = str | int
_SEGMENT = re.compile(r'\[(?:(\d+)|"((?:[^"\\]|\\.)*)")\]|\.?([^.\[\]]+)')


class Unknown:
    """A value Terraform knows only after apply (``after_unknown``). One instance: ``UNKNOWN``.

    It refuses truth testing, so ``if rc.value("arn"):`` cannot silently pass; compare
    with ``is UNKNOWN`` instead.
    """

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __str__(self) -> str:
        return "(known after apply)"

    def __bool__(self) -> bool:
        raise TypeError(
            "the value is unknown until apply; test it with `value is UNKNOWN` "
            "rather than its truth"
        )

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = Unknown()


class Sensitive:
    """A value Terraform marks sensitive. Its text is masked; ``reveal()`` gives the value.

    It compares equal to the value it wraps (``rc.value("password") != "changeme"``) so
    rules can be written against it without printing it.
    """

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def reveal(self) -> Any:
        """The real value. Never print it; register it with the redactor if you must."""
        return self._value

    def __repr__(self) -> str:
        return f"Sensitive({MASK})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sensitive):
            return bool(self._value == other._value)
        return bool(self._value == other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        try:
            return hash(self._value)
        except TypeError:
            return hash(repr(self._value))


def parse_path(path: str | Sequence[PathPart]) -> tuple[PathPart, ...]:
    """``"tags.Owner"``, ``"ebs_block_device[0].size"``, ``'tags["a.b"]'`` or a sequence.

    A segment of digits addresses a list element (``"ingress.0.from_port"``).
    """
    if not isinstance(path, str):
        return tuple(path)
    parts: list[PathPart] = []
    pos = 0
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot read attribute path {path!r} at character {pos + 1}")
        index, quoted, bare = m.groups()
        if index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(re.sub(r"\\(.)", r"\1", quoted))
        else:
            parts.append(int(bare) if bare.isdigit() else bare)
        pos = m.end()
    return tuple(parts)


def _step(node: Any, part: PathPart) -> tuple[bool, Any]:
    if isinstance(node, Mapping):
        key = str(part)
        return (True, node[key]) if key in node else (False, None)
    if isinstance(node, list) and isinstance(part, int) and -len(node) <= part < len(node):
        return True, node[part]
    return False, None


def lookup(
    values: Any,
    unknown: Any,
    sensitive: Any,
    path: Sequence[PathPart],
) -> tuple[bool, Any]:
    """``(found, value)`` at ``path`` with markers applied.

    The value is :data:`UNKNOWN` when the path (or a parent) is unknown, a
    :class:`Sensitive` when it (or a parent) is sensitive; ``found`` is ``False`` when
    the path does not exist.
    """
    node, unk, sens = values, unknown, sensitive
    for part in path:
        if unk is True:
            return True, UNKNOWN
        found, node = _step(node, part)
        unk = _step(unk, part)[1]
        if sens is not True:
            sens = _step(sens, part)[1]
        if not found:
            return (True, UNKNOWN) if unk is True else (False, None)
    if unk is True:
        return True, UNKNOWN
    if sens is True:
        return True, Sensitive(node)
    return True, wrap(node, unk, sens)


def wrap(values: Any, unknown: Any, sensitive: Any) -> Any:
    """A copy of ``values`` with unknown parts as :data:`UNKNOWN` and sensitive parts wrapped.

    Containers without markers are returned as they are (no copy).
    """
    if unknown is True:
        return UNKNOWN
    if sensitive is True:
        return Sensitive(values)
    if not _marked(unknown) and not _marked(sensitive):
        return values
    if isinstance(values, Mapping) or (values is None and isinstance(unknown, Mapping)):
        out: dict[str, Any] = {}
        keys = dict.fromkeys([*(values or {}), *(unknown if isinstance(unknown, Mapping) else {})])
        for key in keys:
            if values and key in values:
                out[key] = wrap(values[key], _step(unknown, key)[1], _step(sensitive, key)[1])
            elif _step(unknown, key)[1] is True:
                out[key] = UNKNOWN
        return out
    if isinstance(values, list):
        return [
            wrap(v, _step(unknown, i)[1], _step(sensitive, i)[1]) for i, v in enumerate(values)
        ]
    return values


def _marked(marker: Any) -> bool:
    if marker is True:
        return True
    if isinstance(marker, Mapping):
        return any(_marked(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_marked(v) for v in marker)
    return False


def sensitive_leaves(values: Any, sensitive: Any) -> Iterator[Any]:
    """Every value under a ``true`` of the ``sensitive`` mask (walks only the mask)."""
    if sensitive is True:
        if values is not None:
            yield values
        return
    if isinstance(sensitive, Mapping) and isinstance(values, Mapping):
        for key, marker in sensitive.items():
            if marker is not False and key in values:
                yield from sensitive_leaves(values[key], marker)
    elif isinstance(sensitive, list) and isinstance(values, list):
        for marker, value in zip(sensitive, values, strict=False):
            if marker is not False:
                yield from sensitive_leaves(value, marker)
