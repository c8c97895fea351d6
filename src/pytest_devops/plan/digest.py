"""A digest of what a plan would do, stable across JSON formatting and key order.

It covers every change apply would make: each resource change that is not a no-op, and
each no-op that moves or imports a resource (apply writes that to the state), as its
address, deposed key, Terraform's action list, its known after-values, the paths known
only after apply, the address it moves from and what it imports; and each root output
that changes, as ``output.NAME`` with the same fields. Rows are ordered by address.
Whitespace, key order, pretty-printing and unrelated parts of the document (timestamps,
prior state, configuration) do not change it; any change to what would be applied does.
Approvals bind to it: apply exactly the plan that was reviewed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pytest_devops.plan.model import OutputChange, ResourceChange

__all__ = ["normalise", "plan_digest"]

PREFIX = "sha256:"


def _unknown_paths(marker: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[str]:
    """Each path marked unknown, as a JSON list (``["tags","a.b"]`` and ``["tags","a","b"]``
    stay apart, as a dotted string would not keep them)."""
    if marker is True:
        yield json.dumps(prefix, ensure_ascii=False)
    elif isinstance(marker, dict):
        for key, value in marker.items():
            if value:
                yield from _unknown_paths(value, (*prefix, str(key)))
    elif isinstance(marker, list):
        for i, value in enumerate(marker):
            if value:
                yield from _unknown_paths(value, (*prefix, i))


def _applies(rc: ResourceChange) -> bool:
    return rc.action != "no-op" or bool(rc.previous_address) or rc.importing is not None


def normalise(
    changes: Iterable[ResourceChange], outputs: Mapping[str, OutputChange] | None = None
) -> list[list[Any]]:
    """The digest's input: ``[address, deposed, actions, after, unknown paths, previous
    address, importing]`` per change that apply makes."""
    rows = [
        [rc.address, rc.deposed or "", list(rc.actions), rc.after,
         sorted(_unknown_paths(rc.after_unknown)) if rc.after_unknown else [],
         rc.previous_address or "", rc.importing]
        for rc in changes
        if _applies(rc)
    ]
    rows += [
        [f"output.{name}", "", list(oc.actions), oc.after,
         sorted(_unknown_paths(oc.after_unknown)) if oc.after_unknown else [], "", None]
        for name, oc in (outputs or {}).items()
        if oc.action != "no-op"
    ]
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


def plan_digest(
    changes: Iterable[ResourceChange], outputs: Mapping[str, OutputChange] | None = None
) -> str:
    text = json.dumps(normalise(changes, outputs), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)
    return PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()
