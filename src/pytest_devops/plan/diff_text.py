"""A plan diff as lines a reviewer reads (the body of ``pytest-devops diff`` and of the
markdown renderer). Every value in a :class:`PlanDiff` is already redacted text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pytest_devops.plan.diff import AttributeChange, PlanDiff, ResourceDiff

__all__ = ["SIGNS", "headline", "lines", "render_text", "resource_lines"]

#: The first character of a resource line; ``diff`` highlighting colours + - and !.
SIGNS = {"create": "+", "delete": "-", "update": "!", "replace": "!", "read": "#",
         "forget": "#"}
VERBS = {"create": "create", "update": "update in place", "delete": "destroy",
         "replace": "replace", "read": "read", "forget": "forget (left in place)"}
#: A value longer than this is cut in the rendering (the diff JSON keeps it whole).
VALUE_LIMIT = 400
_COUNT_WORDS = (("create", "to create"), ("update", "to update"), ("replace", "to replace"),
                ("delete", "to destroy"), ("read", "to read"), ("forget", "to forget"))


def headline(diff: PlanDiff) -> str:
    """``1 to create, 2 to update`` or ``no changes``."""
    parts = [f"{diff.counts[k]} {w}" for k, w in _COUNT_WORDS if diff.counts.get(k)]
    if diff.outputs:
        n = len(diff.outputs)
        parts.append(f"{n} output{'s' if n != 1 else ''} changed")
    return ", ".join(parts) if parts else "no changes"


def _value(text: str) -> str:
    if len(text) <= VALUE_LIMIT:
        return text
    return f"{text[:VALUE_LIMIT]}… ({len(text):,} characters)"


def _attribute(a: AttributeChange) -> str:
    tail = "  # forces replacement" if a.forces_replacement else ""
    return f"      {a.path}: {_value(a.before)} -> {_value(a.after)}{tail}"


def _notes(r: ResourceDiff) -> Iterator[str]:
    if r.previous_address:
        yield f"moved from {r.previous_address}"
    if r.importing:
        yield f"imported by {r.importing}"
    if r.deposed:
        yield f"deposed object {r.deposed}"
    if r.reason:
        yield r.reason
    if r.replace_paths:
        yield "forces replacement: " + ", ".join(r.replace_paths)


def resource_lines(r: ResourceDiff, attributes: bool = True) -> list[str]:
    notes = "; ".join(_notes(r))
    head = f"{SIGNS.get(r.action, '?')} {r.address}: {VERBS.get(r.action, r.action)}"
    out = [f"{head} ({notes})" if notes else head]
    if attributes:
        out += [_attribute(a) for a in r.attributes]
    return out


def lines(diff: PlanDiff) -> list[str]:
    out: list[str] = []
    if diff.drifted:
        out.append("# changed outside Terraform since the last apply")
        for r in diff.drifted:
            out.append(f"# {r.address}: {'deleted' if r.action == 'delete' else 'changed'}")
            out += [_attribute(a) for a in r.attributes]
    for r in diff.resources:
        out += resource_lines(r)
    if diff.outputs:
        out.append("# outputs")
        out += [_attribute(a) for a in diff.outputs]
    if not diff.resources and not diff.outputs:
        out.append("# no changes")
    return out


def render_text(diffs: Sequence[PlanDiff]) -> str:
    out: list[str] = []
    for diff in diffs:
        name = f"{diff.root}: " if diff.root else ""
        out.append(f"== {name}{headline(diff)}")
        out += lines(diff)
        if diff.unchanged:
            out.append(f"# {diff.unchanged} unchanged not listed")
        if diff.digest:
            out.append(f"digest: {diff.digest}")
        out.append("")
    return "\n".join(out)
