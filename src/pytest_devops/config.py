"""``devops.yaml``: environments, inheritance, ``${VAR}`` interpolation, schema validation.

Pure library: no pytest import. Every problem is a :class:`ConfigError` naming the file,
the key path, the line when it can be found, and what was expected.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pytest_devops.config_problems import (
    Path_,
    describe,
    did_you_mean,
    expected_types,
    json_type,
    key_path,
    line_in_chain,
    line_of,
    type_name,
)
from pytest_devops.errors import ConfigError
from pytest_devops.gates import KINDS

DEFAULT_FILENAME = "devops.yaml"
_VAR = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}")


@dataclass(frozen=True)
class Environment:
    """The resolved settings of one environment (after ``extends`` and ``${VAR}``)."""

    name: str
    config_file: Path | None
    root: Path
    description: str = ""
    protected: bool = False
    soft_fail: frozenset[str] = frozenset()
    redact_env: tuple[str, ...] = ()
    chain: tuple[str, ...] = ()
    sections: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Any:
        """The validated raw settings of a section (``{}`` when absent)."""
        return self.sections.get(name, {})

    def path(self, value: str | os.PathLike[str]) -> Path:
        """A path from the config, relative to the config file's directory."""
        p = Path(os.path.expanduser(os.fspath(value)))
        return p if p.is_absolute() else self.root / p

    def error(self, key: str, message: str, hint: str | None = None) -> ConfigError:
        """The error of a setting of this environment, named ``environments.NAME.KEY``."""
        return ConfigError(message, file=str(self.config_file) if self.config_file else None,
                           key=f"environments.{self.name}.{key}", hint=hint)


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of ``devops.yaml``, with every section's schema in ``$defs``."""
    base = resources.files("pytest_devops") / "schema"
    doc: dict[str, Any] = json.loads((base / "devops.schema.json").read_text("utf-8"))
    for entry in sorted((base / "sections").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            doc["$defs"][entry.name[:-5]] = json.loads(entry.read_text("utf-8"))
    return doc


def load_document(path: Path) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            "config file not found",
            file=str(path),
            hint="create it with `pytest-devops init` or pass --devops-config PATH",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", file=str(path)) from None
    try:
        doc = yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"invalid YAML: {problem}",
            file=str(path),
            line=mark.line + 1 if mark else None,
        ) from None
    if not isinstance(doc, dict):
        raise ConfigError(
            f"expected a mapping with an `environments:` key, got {type_name(doc)}",
            file=str(path),
        )
    return doc


def _loader() -> type[Any]:
    """A SafeLoader that refuses a key written twice in one mapping: YAML keeps the last
    silently, so a second ``staging:`` would replace the first without a word."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    line = first.setdefault(key, key_node.start_mark.line + 1)
                except TypeError:  # an unhashable key: the base class reports it
                    continue
                if line != key_node.start_mark.line + 1:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"key {key!r} is repeated (first at line {line})",
                        key_node.start_mark,
                    )
            return super().construct_mapping(node, deep)

        def construct_yaml_timestamp(self, node: Any) -> Any:
            """A value that looks like a date but is none (``2026-13-01``) stays text, so
            the setting that reads it names its key and line instead of YAML crashing."""
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError:
                return self.construct_scalar(node)

    UniqueKeyLoader.add_constructor(
        "tag:yaml.org,2002:timestamp", UniqueKeyLoader.construct_yaml_timestamp
    )
    return UniqueKeyLoader


def load_environment(
    path: Path, name: str, environ: Mapping[str, str] | None = None
) -> Environment:
    """Load ``path`` and resolve environment ``name`` from it."""
    return resolve(load_document(path), name, path, environ)


def environment_names(doc: Mapping[str, Any]) -> list[str]:
    envs = doc.get("environments")
    return sorted(envs) if isinstance(envs, dict) else []


def resolve(
    doc: Mapping[str, Any],
    name: str,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Environment:
    environ = os.environ if environ is None else environ
    where = str(path) if path else "<config>"
    validate_top(doc, path)
    envs: dict[str, Any] = doc["environments"]
    if name not in envs:
        known = ", ".join(sorted(envs)) or "(none)"
        close = difflib.get_close_matches(name, list(envs), n=1)
        raise ConfigError(
            f"unknown environment {name!r}; known environments: {known}",
            file=where,
            key="environments",
            line=line_of(path, ("environments",)),
            hint=f"did you mean {close[0]!r}?" if close else "add it under `environments:`",
        )
    chain = _chain(envs, name, where, path)
    merged: dict[str, Any] = {}
    for link in reversed(chain):
        settings = envs[link]
        if not isinstance(settings, dict):
            raise ConfigError(
                f"expected a mapping of settings, got {type_name(settings)}",
                file=where,
                key=f"environments.{link}",
                line=line_of(path, ("environments", link)),
            )
        merged = _merge(merged, {k: v for k, v in settings.items() if k != "extends"})
    interpolated: set[Path_] = set()
    merged = _interpolate(merged, (), environ, interpolated, where, name, path, chain)
    _validate_env(merged, interpolated, where, name, path, chain)
    return _environment(name, path, chain, merged)


def _environment(
    name: str, path: Path | None, chain: list[str], settings: dict[str, Any]
) -> Environment:
    soft = settings.pop("soft_fail", False)
    soft_kinds = frozenset(KINDS if soft is True else (soft or ()))
    return Environment(
        name=name,
        config_file=path,
        root=path.parent if path else Path.cwd(),
        description=settings.pop("description", ""),
        protected=settings.pop("protected", False),
        soft_fail=soft_kinds,
        redact_env=tuple(settings.pop("redact_env", ())),
        chain=tuple(chain),
        sections=settings,
    )


def validate_top(doc: Mapping[str, Any], path: Path | None = None) -> None:
    """Check the document outside its environments: ``environments`` is a non-empty
    mapping with string names, no unknown top-level key, a supported ``version``."""
    where = str(path) if path else "<config>"
    envs = doc.get("environments")
    if not isinstance(envs, dict) or not envs:
        raise ConfigError(
            "expected a non-empty mapping of environment name -> settings",
            file=where,
            key="environments",
            line=line_of(path, ("environments",)),
        )
    top = schema()
    allowed = set(top["properties"])
    for key in doc:
        if key not in allowed and not str(key).startswith("x-"):
            raise ConfigError(
                f"unknown key {key!r}",
                file=where,
                key=str(key),
                line=line_of(path, (str(key),)),
                hint=did_you_mean(str(key), allowed),
            )
    if "version" in doc and doc["version"] != 1:
        raise ConfigError(
            f"unsupported version {doc['version']!r}",
            file=where,
            key="version",
            line=line_of(path, ("version",)),
            hint="this release reads `version: 1`",
        )
    for env in envs:
        if not isinstance(env, str):
            raise ConfigError(
                f"an environment name is a string, got {type_name(env)} {env!r}",
                file=where,
                key=f"environments.{env}",
                line=line_of(path, ("environments", str(env))),
                hint=f"quote it: '{env}':",
            )


def _chain(envs: Mapping[str, Any], name: str, where: str, path: Path | None) -> list[str]:
    chain = [name]
    current = envs[name]
    while isinstance(current, dict) and "extends" in current:
        parent = current["extends"]
        key = f"environments.{chain[-1]}.extends"
        if not isinstance(parent, str) or parent not in envs:
            raise ConfigError(
                f"extends unknown environment {parent!r}; known environments: "
                + ", ".join(sorted(envs)),
                file=where,
                key=key,
                line=line_of(path, ("environments", chain[-1], "extends")),
            )
        if parent in chain:
            cycle = " -> ".join([*chain, parent])
            raise ConfigError(
                f"extends cycle: {cycle}",
                file=where,
                key=key,
                line=line_of(path, ("environments", chain[-1], "extends")),
                hint="remove one of the `extends:` links",
            )
        chain.append(parent)
        current = envs[parent]
    return chain


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _interpolate(
    value: Any,
    path: Path_,
    environ: Mapping[str, str],
    seen: set[Path_],
    where: str,
    name: str,
    file: Path | None,
    chain: list[str],
) -> Any:
    if isinstance(value, dict):
        return {
            k: _interpolate(v, (*path, k), environ, seen, where, name, file, chain)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _interpolate(v, (*path, i), environ, seen, where, name, file, chain)
            for i, v in enumerate(value)
        ]
    if not isinstance(value, str) or "$" not in value:
        return value

    def sub(m: re.Match[str]) -> str:
        escaped, var, colon, default = m.groups()
        if escaped:
            return m.group(0)[1:]
        current = environ.get(var)
        if current is None or (colon and current == ""):
            if default is not None:
                return default
            raise ConfigError(
                f"environment variable {var} is not set and has no default",
                file=where,
                key=key_path(name, path),
                line=line_in_chain(file, chain, path),
                hint=f"export {var}=... or write ${{{var}:-default}}",
            )
        return current

    out = _VAR.sub(sub, value)
    if out != value:
        seen.add(path)
    return out


def _validate_env(
    settings: dict[str, Any],
    interpolated: set[Path_],
    where: str,
    name: str,
    file: Path | None,
    chain: list[str],
) -> None:
    from jsonschema import Draft202012Validator

    full = schema()
    env_schema = {**full["$defs"]["environment"], "$defs": full["$defs"]}
    validator = Draft202012Validator(env_schema)
    for _ in range(50):  # each pass coerces at least one value, or stops
        errors = sorted(validator.iter_errors(settings), key=lambda e: list(map(str, e.path)))
        if not errors:
            return
        if not any(_coerce(settings, e, interpolated) for e in errors):
            break
    problems = [describe(e, where, name, file, chain) for e in errors[:10]]
    if len(problems) == 1:
        p = problems[0]
        raise ConfigError(p.message, file=where, key=p.key, line=p.line, hint=p.hint)
    raise ConfigError(
        f"{len(errors)} problems in environment {name!r}:\n" + "\n".join(f"  {p}" for p in problems)
    )


def _coerce(settings: dict[str, Any], error: Any, interpolated: set[Path_]) -> bool:
    """A value that came from ``${VAR}`` is a string; read it as the type expected."""
    import yaml

    path = tuple(error.path)
    expected = expected_types(error)
    if not expected or path not in interpolated or not isinstance(error.instance, str):
        return False
    try:
        parsed = yaml.safe_load(error.instance)
    except yaml.YAMLError:
        return False
    if json_type(parsed) not in expected and not (
        "number" in expected and json_type(parsed) == "integer"
    ):
        return False
    parent: Any = settings
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = parsed
    return True
