"""What a resource pricer works with: the values of one side of a change, its region,
prices, usage, and the other resources of the plan it may refer to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pytest_devops.cost.model import HOURS_PER_MONTH, Component
from pytest_devops.cost.prices import MissingPrice, PriceBook
from pytest_devops.cost.refs import References
from pytest_devops.cost.usage import ResourceUsage

__all__ = ["Res", "Unpriceable", "plain"]


class Unpriceable(Exception):
    """The resource as planned cannot be priced; the message says why."""


def plain(value: Any) -> Any:
    """A plan value without markers: sensitive values revealed, unknown ones as ``None``."""
    reveal = getattr(value, "reveal", None)
    if callable(reveal):
        return reveal()
    if type(value).__name__ == "Unknown":
        return None
    return value


class Res:
    """One side (before or after) of one resource change, being priced."""

    def __init__(
        self,
        address: str,
        rtype: str,
        values: Mapping[str, Any],
        region: str,
        prices: PriceBook,
        usage: ResourceUsage,
        lookup: Callable[[str], Mapping[str, Any] | None],
        refs: Callable[[], References],
        ids: Callable[[str], frozenset[str]] = lambda rtype: frozenset(),
    ) -> None:
        self.address = address
        self.type = rtype
        self.values = values
        self.region = region
        self.prices = prices
        self.usage = usage
        self._lookup = lookup
        self._refs = refs
        self.ids_of = ids
        """``ids_of("aws_ebs_volume")``: the known ids of the plan's resources of a type."""
        self.components: list[Component] = []
        self.gaps: list[str] = []

    # -- reading values -----------------------------------------------------------

    def attr(self, name: str, default: Any = None, values: Mapping[str, Any] | None = None) -> Any:
        value = plain((self.values if values is None else values).get(name))
        return default if value is None else value

    def block(self, name: str, values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        """The first element of a nested block (``root_block_device[0]``), ``{}`` if none."""
        value = self.attr(name, values=values)
        if isinstance(value, list) and value and isinstance(plain(value[0]), Mapping):
            return plain(value[0])  # type: ignore[no-any-return]
        return {}

    def blocks(self, name: str, values: Mapping[str, Any] | None = None) -> list[Mapping[str, Any]]:
        value = self.attr(name, values=values)
        if not isinstance(value, list):
            return []
        return [plain(v) for v in value if isinstance(plain(v), Mapping)]

    def number(self, name: str, values: Mapping[str, Any] | None = None) -> Decimal | None:
        value = self.attr(name, values=values)
        if value is None or isinstance(value, bool):
            return None
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return None

    def flag(
        self, name: str, default: bool = False, values: Mapping[str, Any] | None = None
    ) -> bool:
        value = self.attr(name, values=values)
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return default if value is None else bool(value)

    def require(self, name: str) -> Any:
        value = self.attr(name)
        if value is None or value == "":
            raise Unpriceable(f"{name} is not known until apply (or not set)")
        return value

    def referenced(self, *path: str | int) -> tuple[str, Mapping[str, Any]] | None:
        """The address and values of the resource this attribute refers to."""
        for target in self._refs().targets(self.address, *path):
            values = self._lookup(target)
            if values is not None:
                return target, values
        return None

    def configured(self, name: str) -> bool:
        """Whether the configuration sets ``name`` (even to a value known only after apply)."""
        return self._refs().has_expression(self.address, name)

    # -- adding components --------------------------------------------------------

    def add(
        self,
        name: str,
        unit: str,
        quantity: Decimal | int | None,
        group_key: str,
        item: str,
        *,
        factor: Decimal | int = 1,
        group: str = "",
        usage_based: bool = False,
    ) -> Component | None:
        """Add a component priced at ``factor`` x the catalog price of ``group_key/item``.

        A missing price is recorded as a gap (listed as unpriced) and nothing is added.
        """
        try:
            unit_price = self.prices.price(self.region, group_key, item)
        except MissingPrice as exc:
            label = f"{group}: {name}" if group else name
            self.gaps.append(f"{label}: {exc}")
            return None
        if factor != 1:
            unit_price *= factor
        if quantity is not None and not isinstance(quantity, Decimal):
            quantity = Decimal(quantity)
        if quantity is not None and quantity < 0:
            label = f"{group}: {name}" if group else name
            raise Unpriceable(f"{label}: the plan gives a negative quantity ({quantity} {unit})")
        component = Component(name, unit, quantity, unit_price, group, usage_based)
        self.components.append(component)
        return component

    def hours(
        self, name: str, group_key: str, item: str, *, count: Decimal | int = 1,
        hours: Decimal | None = None, group: str = "", factor: Decimal | int = 1,
    ) -> Component | None:
        """An hourly-priced component running ``hours`` (730 by default) x ``count``."""
        monthly = HOURS_PER_MONTH if hours is None else hours
        return self.add(name, "hours", monthly * count, group_key, item, group=group, factor=factor)
