"""Usage for usage-priced resources, in Infracost's usage-file format (version 0.1).

```yaml
version: 0.1
resource_type_default_usage:      # applies to every resource of a type
  aws_nat_gateway:
    monthly_data_processed_gb: 10
resource_usage:                   # per address; `[*]` matches any count/for_each key
  aws_lambda_function.api:
    monthly_requests: 1000000
    request_duration_ms: 250
  aws_nat_gateway.az[*]:
    monthly_data_processed_gb: 200
```

For one resource the values merge key by key: exact address over wildcard over type
default. A key nobody gives means "no usage known": the engine then shows the component
as usage-dependent instead of inventing a number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pytest_devops.errors import ConfigError

__all__ = ["ResourceUsage", "Usage", "load_usage"]

SUPPORTED_VERSIONS = ("0.1",)
_TRAILING_INDEX = re.compile(r"\[[^\[\]]*\]$")


class ResourceUsage:
    """The usage values of one resource, and where in the usage file each came from."""

    __slots__ = ("address", "origin", "sources", "values")

    def __init__(
        self,
        address: str,
        values: Mapping[str, Any],
        origin: str = "",
        sources: Sequence[tuple[str, Mapping[str, Any]]] = (),
    ) -> None:
        self.address = address
        self.values = values
        self.origin = origin
        #: ``(key path in the file, its values)``, the entry that wins first.
        self.sources = tuple(sources)

    def __bool__(self) -> bool:
        return bool(self.values)

    def number(self, *path: str) -> Decimal | None:
        """A numeric value at ``path`` (``number("standard", "storage_gb")``) or ``None``."""
        node: Any = self.values
        for part in path:
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        if node is None or isinstance(node, bool):
            return None
        try:
            value = Decimal(str(node))
        except InvalidOperation:
            raise self._bad(path, f"expected a number, got {node!r}") from None
        if not value.is_finite() or value < 0:
            raise self._bad(path, f"expected a non-negative number, got {node!r}")
        return value

    def _bad(self, path: tuple[str, ...], message: str) -> ConfigError:
        return ConfigError(message, file=self.origin or None, key=self._key(path))

    def _key(self, path: tuple[str, ...]) -> str:
        """The key path of the entry the value at ``path`` was read from."""
        for prefix, values in self.sources:
            node: Any = values
            for part in path:
                node = node.get(part) if isinstance(node, Mapping) else None
            if node is not None:
                return f"{prefix}.{'.'.join(path)}"
        return f"resource_usage.{self.address}.{'.'.join(path)}"

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        return None if value is None else str(value)


def _merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        elif value is not None:
            out[key] = value
    return out


class Usage:
    """All usage values of a usage file (or none: :meth:`empty`)."""

    def __init__(
        self,
        resources: Mapping[str, Mapping[str, Any]] | None = None,
        type_defaults: Mapping[str, Mapping[str, Any]] | None = None,
        origin: str = "",
    ) -> None:
        self.origin = origin
        self.type_defaults = dict(type_defaults or {})
        self.exact: dict[str, Mapping[str, Any]] = {}
        self.wild_tail: dict[str, Mapping[str, Any]] = {}
        self.wild_patterns: list[tuple[re.Pattern[str], str, Mapping[str, Any]]] = []
        for address, values in (resources or {}).items():
            if address.endswith("[*]") and address.count("[*]") == 1:
                self.wild_tail[address[:-3]] = values
            elif "[*]" in address:
                pattern = re.escape(address).replace(re.escape("[*]"), r"\[[^\]]*\]")
                self.wild_patterns.append((re.compile(pattern), address, values))
            else:
                self.exact[address] = values

    @classmethod
    def empty(cls) -> Usage:
        return cls()

    def __bool__(self) -> bool:
        return bool(self.exact or self.wild_tail or self.wild_patterns or self.type_defaults)

    def for_resource(self, address: str, rtype: str) -> ResourceUsage:
        values: dict[str, Any] = dict(self.type_defaults.get(rtype, {}))
        sources: list[tuple[str, Mapping[str, Any]]] = []
        if values:
            sources.append((f"resource_type_default_usage.{rtype}", values))
        if self.wild_tail or self.wild_patterns:
            base = _TRAILING_INDEX.sub("", address)
            if base != address and base in self.wild_tail:
                values = _merge(values, self.wild_tail[base])
                sources.insert(0, (f"resource_usage.{base}[*]", self.wild_tail[base]))
            for pattern, key, wild in self.wild_patterns:
                if pattern.fullmatch(address):
                    values = _merge(values, wild)
                    sources.insert(0, (f"resource_usage.{key}", wild))
        exact = self.exact.get(address)
        if exact:
            values = _merge(values, exact)
            sources.insert(0, (f"resource_usage.{address}", exact))
        return ResourceUsage(address, values, self.origin, sources)


def load_usage(path: Path) -> Usage:
    """Read an Infracost usage file. Problems are :class:`ConfigError` naming the key."""
    import yaml

    origin = str(path)
    try:
        doc = yaml.safe_load(path.read_text("utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"cannot read usage file: {exc.strerror or exc}", file=origin) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
            file=origin,
            line=mark.line + 1 if mark else None,
        ) from None
    if doc is None:
        return Usage(origin=origin)
    if not isinstance(doc, Mapping):
        raise ConfigError("expected a mapping with `version:` and `resource_usage:`", file=origin)
    version = str(doc.get("version", "0.1"))
    if version not in SUPPORTED_VERSIONS:
        raise ConfigError(
            f"unsupported usage file version {version!r} "
            f"(supported: {', '.join(SUPPORTED_VERSIONS)})",
            file=origin,
            key="version",
        )
    sections: dict[str, dict[str, Mapping[str, Any]]] = {}
    for key in ("resource_usage", "resource_type_default_usage"):
        raw = doc.get(key) or {}
        if not isinstance(raw, Mapping):
            raise ConfigError("expected a mapping of address -> usage values", file=origin, key=key)
        section: dict[str, Mapping[str, Any]] = {}
        for name, values in raw.items():
            if values is None:
                continue  # an entry with every value commented out
            if not isinstance(values, Mapping):
                raise ConfigError(
                    "expected a mapping of usage values", file=origin, key=f"{key}.{name}"
                )
            section[str(name)] = values
        sections[key] = section
    return Usage(sections["resource_usage"], sections["resource_type_default_usage"], origin=origin)
