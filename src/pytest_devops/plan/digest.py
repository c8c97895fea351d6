"""A digest of what a plan would do, stable across JSON formatting and key order.

It covers every resource change that is not a no-op, each as its address, deposed key,
Terraform's action list, its known after-values and the paths known only after apply,
ordered by address. Whitespace, key order, pretty-printing and unrelated parts of the
document (timestamps, prior state, configuration) do not change it; any change to what
would be applied does. Approvals bind to it: apply exactly the plan that was reviewed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from pytest_devops.plan.model import ResourceChange

__all__ = ["normalise", "plan_digest"]

PREFIX = "sha256:"


def _unknown_paths(marker: Any, prefix: str = "") -> Iterator[str]:
    if marker is True:
        yield prefix or "."
    elif isinstance(marker, dict):
        for key, value in marker.items():
            if value:
                yield from _unknown_paths(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(marker, list):
        for i, value in enumerate(marker):
            if value:
                yield from _unknown_paths(value, f"{prefix}[{i}]")


def normalise(changes: Iterable[ResourceChange]) -> list[list[Any]]:
    """The digest's input: ``[address, deposed, actions, after, unknown paths]`` per change."""
    rows = [
        [rc.address, rc.deposed or "", list(rc.actions), rc.after,
         sorted(_unknown_paths(rc.after_unknown)) if rc.after_unknown else []]
        for rc in changes
        if rc.action != "no-op"
    ]
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


def plan_digest(changes: Iterable[ResourceChange]) -> str:
    text = json.dumps(normalise(changes), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)
    return PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()
