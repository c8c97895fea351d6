"""Where a ``devops.yaml`` problem is and how to say it: the line of a key path, and a
JSON Schema error turned into "expected X, got Y" with a did-you-mean.

Pure library: no pytest import; yaml and jsonschema are imported when a problem is shown.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Path_ = tuple[str | int, ...]
_JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@dataclass
class Problem:
    key: str
    message: str
    line: int | None
    hint: str | None
    where: str

    def __str__(self) -> str:
        loc = self.where + (f":{self.line}" if self.line else "")
        text = f"{loc}: {self.key}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


def describe(error: Any, where: str, name: str, file: Path | None, chain: list[str]) -> Problem:
    if error.validator in ("oneOf", "anyOf") and error.context:
        inner = _alternative(error)
        if inner is not None:
            return describe(inner, where, name, file, chain)
    path: Path_ = tuple(error.absolute_path)
    hint = None
    expected = expected_types(error)
    if expected:
        wanted = " or ".join(_JSON_TYPES.get(t, t) for t in expected)
        message = f"expected {wanted}, got {type_name(error.instance)}"
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        key = extra[0] if extra else "?"
        path = (*path, key)
        message = f"unknown key {key!r}; expected one of: {', '.join(sorted(allowed))}"
        hint = did_you_mean(str(key), allowed)
    elif error.validator == "enum":
        message = f"expected one of {error.validator_value}, got {error.instance!r}"
        close = difflib.get_close_matches(str(error.instance), map(str, error.validator_value), 1)
        hint = f"did you mean {close[0]!r}?" if close else None
    elif error.validator == "required":
        message = error.message.replace("is a required property", "is required")
    else:
        message = error.message
    return Problem(
        key=key_path(name, path),
        message=message,
        line=line_in_chain(file, chain, path),
        hint=hint,
        where=where,
    )


def expected_types(error: Any) -> list[str]:
    """The JSON types a value of the wrong type should have had: from a ``type`` error, or
    from a ``oneOf`` none of whose alternatives has the value's type; else ``[]``."""
    if error.validator == "type":
        value = error.validator_value
        return [str(t) for t in value] if isinstance(value, list) else [str(value)]
    if error.validator in ("oneOf", "anyOf") and error.context:
        return [t for e in error.context if not e.relative_path for t in expected_types(e)]
    return []


def _alternative(error: Any) -> Any:
    """Of a ``oneOf``'s alternatives, the error of the one whose type the value has (a
    list for a list, a mapping for a mapping), or ``None`` when no alternative has it."""
    from jsonschema.exceptions import best_match

    branches: dict[Any, list[Any]] = {}
    for e in error.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    typed = [
        errors
        for errors in branches.values()
        if not any(e.validator == "type" and not e.relative_path for e in errors)
    ]
    if len(typed) != 1:
        return None
    errors = typed[0]
    # An unknown key says the most (and suggests the right one).
    return next((e for e in errors if e.validator == "additionalProperties"), None) or best_match(
        errors
    )


def did_you_mean(key: str, allowed: set[str]) -> str | None:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f"did you mean {close[0]!r}?" if close else None


def key_path(name: str, path: Path_) -> str:
    out = f"environments.{name}"
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out


#: Python type -> JSON type, most specific first (a bool is an int to isinstance).
_PY_TO_JSON = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def json_type(value: Any) -> str:
    return next((name for py, name in _PY_TO_JSON if isinstance(value, py)), "null")


def type_name(value: Any) -> str:
    return _JSON_TYPES[json_type(value)]


def line_in_chain(file: Path | None, chain: list[str], path: Path_) -> int | None:
    for env in chain:
        line = line_of(file, ("environments", env, *path), partial=False)
        if line is not None:
            return line
    return line_of(file, ("environments", chain[0], *path)) if chain else None


_KEY_STEP = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def line_of_key(file: str | os.PathLike[str], key: str) -> int | None:
    """The line of a key path spelt as errors spell it (``environments.staging.hosts[0]``),
    or of its deepest parent found in ``file``; ``None`` when nothing matches."""
    steps: list[str | int] = [
        int(m[1]) if m[1] is not None else m[2] for m in _KEY_STEP.finditer(key)
    ]
    if not steps or steps[0] != "environments":
        return None
    node = _compose(Path(file))
    line = None
    i = 0
    while node is not None and i < len(steps):
        found, used = None, 1
        # An environment name may itself contain dots: try the longest run of names first.
        for used in range(len(steps) - i, 0, -1):
            run = steps[i : i + used]
            step = run[0] if used == 1 else ".".join(map(str, run))
            if used == 1 or all(isinstance(s, str) for s in run):
                found = _child(node, step)
                if found is not None:
                    break
        if found is None:
            break
        (line, node), i = found, i + used
    return line


def _compose(file: Path) -> Any:
    import yaml

    try:
        return yaml.compose(file.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def line_of(file: Path | None, path: Path_, *, partial: bool = True) -> int | None:
    """The 1-based line of a key path in a YAML file (or of its deepest existing parent
    when ``partial``), or ``None``."""
    node = _compose(file) if file is not None else None
    if node is None:
        return None
    line = None
    for step in path:
        found = _child(node, step)
        if found is None:
            return line if partial else None
        line, node = found
    return line


def _child(node: Any, step: str | int) -> tuple[int, Any] | None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(step):
                return key.start_mark.line + 1, value
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        item = node.value[step]
        return item.start_mark.line + 1, item
    return None
