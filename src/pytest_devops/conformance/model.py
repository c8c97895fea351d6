"""What a conformance check found, and the comparison itself: pure, no pytest, no boto3.

Only what the plan knew is compared: an attribute the plan left unknown (computed at
apply), null (left to a default) or that the reader cannot see is not compared. Values
are normalised as providers do (JSON documents parsed, numbers and booleans by value,
rule lists in any order). A sensitive attribute's values are never kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_devops.findings import Finding

SENSITIVE = "(sensitive)"


@dataclass(frozen=True)
class Mismatch:
    address: str
    attribute: str
    planned: Any
    actual: Any
    sensitive: bool = False

    def __str__(self) -> str:
        if self.sensitive:
            return f"{self.address}: {self.attribute}: the live value differs from the " \
                   f"planned one (sensitive: values not shown)"
        return f"{self.address}: {self.attribute}: planned {_show(self.planned)}, " \
               f"actual {_show(self.actual)}"

    def to_finding(self) -> Finding:
        return Finding("conformance", str(self).split(": ", 1)[1], self.address,
                       severity="error", details={
                           "attribute": self.attribute,
                           "planned": SENSITIVE if self.sensitive else self.planned,
                           "actual": SENSITIVE if self.sensitive else self.actual})


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)


@dataclass
class ResourceResult:
    address: str
    type: str
    status: str  # conforms | drift | missing | unchecked
    checked: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    note: str = ""


@dataclass
class ConformanceReport:
    resources: list[ResourceResult] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Mismatch]:
        return [m for r in self.resources for m in r.mismatches]

    def of_type(self, rtype: str) -> ConformanceReport:
        return ConformanceReport([r for r in self.resources if r.type == rtype])

    def lines(self) -> Iterator[str]:
        for r in self.resources:
            if r.status == "drift":
                yield from (str(m) for m in r.mismatches)
            elif r.status == "missing":
                yield f"{r.address}: not found ({r.note})"


def _canon(value: Any) -> Any:
    """A value as providers normalise it, for comparison."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "{[":
            try:
                return _canon(json.loads(text))
            except ValueError:
                return value
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _canon(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        items = [_canon(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _known(planned: Any, unknown: Any) -> Any:
    """``planned`` without what the plan marks unknown (``None`` when all of it is)."""
    if unknown is True:
        return None
    if isinstance(planned, Mapping) and isinstance(unknown, Mapping):
        return {k: _known(v, unknown.get(k)) for k, v in planned.items()}
    return planned


def _sensitive(marks: Any, key: str) -> bool:
    mark = marks.get(key) if isinstance(marks, Mapping) else marks
    if mark is True:
        return True
    if isinstance(mark, Mapping):
        return any(_sensitive(mark, k) for k in mark)
    if isinstance(mark, list):
        return any(m is True or (isinstance(m, Mapping) and any(_sensitive(m, k) for k in m))
                   for m in mark)
    return False


def compare(address: str, planned: Mapping[str, Any], unknown: Any, sensitive: Any,
            live: Mapping[str, Any], ignore: frozenset[str] = frozenset(),
            always_sensitive: frozenset[str] = frozenset()) -> tuple[list[str], list[Mismatch]]:
    """The attributes compared and the mismatches between ``planned`` (a plan's ``after``)
    and ``live`` (what a reader saw, in the plan's attribute names)."""
    checked: list[str] = []
    out: list[Mismatch] = []
    for key in sorted(live):
        if key in ignore or key not in planned:
            continue
        want = _known(planned[key], unknown.get(key) if isinstance(unknown, Mapping) else None)
        if want is None or (want == {} and key != "tags"):
            continue
        secret = key in always_sensitive or _sensitive(sensitive, key)
        have = live[key]
        if key == "tags" and isinstance(want, Mapping) and isinstance(have, Mapping):
            have = {k: have.get(k) for k in want}  # tags added beside the plan's are allowed
        checked.append(key)
        if _canon(want) != _canon(have):
            out.append(Mismatch(address, key, None if secret else want,
                                None if secret else have, secret))
    return checked, out
