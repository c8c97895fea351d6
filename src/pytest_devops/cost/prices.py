"""Where prices come from: a user price file, the AWS Price List API, the shipped catalog.

A price is named by a *group* and an *item* in a region, e.g. group
``ec2.instance/linux/shared``, item ``m5.large`` in ``us-east-1``. Sources are asked in
order; the first one that knows the price wins. A price nobody knows raises
:class:`MissingPrice`, which the engine turns into an *unpriced* resource, never $0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from pytest_devops.errors import ConfigError

__all__ = ["Catalog", "MissingPrice", "PriceBook", "PriceSource", "load_price_file", "shipped"]

SCHEMA = "pytest-devops/prices@1"


class MissingPrice(LookupError):
    """No source knows this price."""

    def __init__(self, region: str, group: str, item: str, hint: str = "") -> None:
        self.region, self.group, self.item = region, group, item
        text = f"no price for {group} {item!r} in {region}"
        super().__init__(f"{text}; {hint}" if hint else text)


class PriceSource(Protocol):
    name: str

    def lookup(self, region: str, group: str, item: str) -> Decimal | None:
        """The price, or ``None`` when this source does not know it."""
        ...


class Catalog:
    """Prices held in memory, in the ``pytest-devops/prices@1`` layout."""

    def __init__(self, doc: Mapping[str, Any], name: str, origin: str = "") -> None:
        self.name = name
        self.taken = str(doc.get("taken", ""))
        self.source = str(doc.get("source", ""))
        self._regions = _parse_regions(doc, origin or name)

    def regions(self) -> list[str]:
        return sorted(self._regions)

    def base_of(self, region: str) -> str | None:
        """The region ``region`` names as its ``base`` here, if it does."""
        entry = self._regions.get(region)
        return entry[1] if entry else None

    def lists(self, region: str, group: str) -> bool:
        """Whether ``region``'s own entry lists ``group`` (replacing its base's group)."""
        entry = self._regions.get(region)
        return entry is not None and group in entry[0]

    def lookup(self, region: str, group: str, item: str) -> Decimal | None:
        seen: set[str] = set()
        current: str | None = region
        while current is not None and current not in seen:
            seen.add(current)
            entry = self._regions.get(current)
            if entry is None:
                return None
            groups, base = entry
            if group in groups:
                return groups[group].get(item)
            current = base
        return None


def _parse_regions(
    doc: Mapping[str, Any], origin: str
) -> dict[str, tuple[dict[str, dict[str, Decimal]], str | None]]:
    regions = doc.get("regions")
    if not isinstance(regions, Mapping):
        raise ConfigError(
            "expected a `regions:` mapping of region -> group -> item -> price",
            file=origin,
            key="regions",
        )
    out: dict[str, tuple[dict[str, dict[str, Decimal]], str | None]] = {}
    for region, groups in regions.items():
        if not isinstance(groups, Mapping):
            raise ConfigError(
                "expected a mapping of price groups", file=origin, key=f"regions.{region}"
            )
        base = groups.get("base")
        if base is not None and not isinstance(base, str):
            raise ConfigError("expected a region name", file=origin, key=f"regions.{region}.base")
        parsed: dict[str, dict[str, Decimal]] = {}
        for group, items in groups.items():
            if group == "base":
                continue
            key = f"regions.{region}.{group}"
            if not isinstance(items, Mapping):
                raise ConfigError("expected a mapping of item -> price", file=origin, key=key)
            parsed[str(group)] = {str(i): _price(p, origin, f"{key}.{i}") for i, p in items.items()}
        out[str(region)] = (parsed, base)
    return out


def _price(value: Any, origin: str, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigError(f"expected a price (a decimal string like \"0.096\"), got {value!r}",
                          file=origin, key=key)
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"expected a price (a decimal string like \"0.096\"), got {value!r}",
                          file=origin, key=key) from None
    if not price.is_finite() or price < 0:
        raise ConfigError(
            f"a price must be a non-negative number, got {value!r}", file=origin, key=key
        )
    return price


@cache
def shipped() -> Catalog:
    """The catalog shipped with the package (``pytest_devops/data/prices/aws.json``)."""
    ref = resources.files("pytest_devops") / "data" / "prices" / "aws.json"
    return Catalog(json.loads(ref.read_text("utf-8")), name="catalog", origin=str(ref))


def load_price_file(path: Path) -> Catalog:
    """A user price file (YAML or JSON, same layout as the shipped catalog)."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"cannot read price file: {reason}", file=str(path)) from None
    try:
        if path.suffix.lower() == ".json":
            doc = json.loads(text)
        else:
            import yaml

            doc = yaml.safe_load(text)
    except ValueError as exc:
        raise ConfigError(f"invalid price file: {exc}", file=str(path)) from None
    except Exception as exc:  # yaml.YAMLError, imported lazily
        raise ConfigError(f"invalid YAML: {exc}", file=str(path)) from None
    if not isinstance(doc, Mapping):
        raise ConfigError("expected a mapping with a `regions:` key", file=str(path))
    if doc.get("schema", SCHEMA) != SCHEMA:
        raise ConfigError(f"unknown price file schema {doc.get('schema')!r}, expected {SCHEMA}",
                          file=str(path), key="schema")
    return Catalog(doc, name=f"price file {path.name}", origin=str(path))


class PriceBook:
    """Asks its sources in order and remembers every answer for the session."""

    def __init__(self, sources: Sequence[PriceSource]) -> None:
        self.sources = tuple(sources)
        self._memo: dict[tuple[str, str, str], Decimal | None] = {}

    @classmethod
    def default(cls) -> PriceBook:
        return cls([shipped()])

    def get(self, region: str, group: str, item: str) -> Decimal | None:
        key = (region, group, item)
        try:
            return self._memo[key]
        except KeyError:
            pass
        self._memo[key] = found = self._find(region, group, item)
        return found

    def _find(self, region: str, group: str, item: str) -> Decimal | None:
        """Every source for ``region``; then, unless a source lists the group there, every
        source for the ``base`` any of them names (so a price file's ``ap-south-1: {base:
        us-east-1}`` shares the catalog's us-east-1 prices, not only its own)."""
        seen: set[str] = set()
        current: str | None = region
        while current is not None and current not in seen:
            seen.add(current)
            for source in self.sources:
                found = source.lookup(current, group, item)
                if found is not None:
                    return found
            catalogs = [s for s in self.sources if isinstance(s, Catalog)]
            if any(c.lists(current, group) for c in catalogs):
                return None  # the group is replaced in this region: never borrowed
            current = next((b for c in catalogs if (b := c.base_of(current))), None)
        return None

    def price(self, region: str, group: str, item: str) -> Decimal:
        found = self.get(region, group, item)
        if found is None:
            names = ", ".join(s.name for s in self.sources)
            raise MissingPrice(
                region, group, item,
                f"not in {names}: add it to a price file (cost.price_file) "
                "or use the AWS Price List API (cost.price_source: aws)",
            )
        return found

    def describe(self) -> list[str]:
        out = []
        for s in self.sources:
            taken = getattr(s, "taken", "")
            out.append(f"{s.name} ({taken})" if taken else s.name)
        return out
