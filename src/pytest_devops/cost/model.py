"""The typed result of a cost estimate: components, resources, unpriced, totals.

Amounts are :class:`~decimal.Decimal` inside; the JSON form writes every amount, price
and quantity as a decimal string (``"560.64"``) so no float ever rounds a cent away.
Monthly amounts are rounded to cents only when written out, never while adding up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "HOURS_PER_MONTH",
    "Component",
    "CostComponent",
    "CostEstimate",
    "Driver",
    "ResourceCost",
    "Unpriced",
    "cents",
    "money",
]

#: Infracost's convention (and AWS's calculator's): 730 hours in a month.
HOURS_PER_MONTH = Decimal(730)
CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(value: Decimal) -> Decimal:
    """A monthly amount rounded to cents, as every output shows it."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    """A monthly amount as a string rounded to cents (``"1361.31"``)."""
    return str(cents(value))


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


@dataclass(frozen=True, slots=True)
class Component:
    """One priced line of a resource: a quantity of a unit at a monthly price.

    ``quantity`` is ``None`` for a usage-priced line with no usage given: its cost is
    unknown (shown as "depends on usage"), not zero.
    """

    name: str
    unit: str
    quantity: Decimal | None
    price: Decimal
    group: str = ""
    usage_based: bool = False

    @property
    def monthly(self) -> Decimal:
        return ZERO if self.quantity is None else self.quantity * self.price

    @property
    def label(self) -> str:
        return f"{self.group}: {self.name}" if self.group else self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "group": self.group or None,
            "unit": self.unit,
            "quantity": None if self.quantity is None else _num(self.quantity),
            "price": _num(self.price),
            "monthly": None if self.quantity is None else money(self.monthly),
            "usage_based": self.usage_based,
        }


#: The name :mod:`pytest_devops` exports :class:`Component` under.
CostComponent = Component


@dataclass(frozen=True)
class ResourceCost:
    """A priced resource change: its components before and after the plan."""

    address: str
    type: str
    action: str
    before: tuple[Component, ...] | None
    after: tuple[Component, ...] | None
    region: str | None = None

    @property
    def monthly_before(self) -> Decimal:
        return sum((c.monthly for c in self.before or ()), ZERO)

    @property
    def monthly_after(self) -> Decimal:
        return sum((c.monthly for c in self.after or ()), ZERO)

    @property
    def monthly_delta(self) -> Decimal:
        return self.monthly_after - self.monthly_before

    @property
    def components(self) -> tuple[Component, ...]:
        """The after components (the before ones when the resource is going away)."""
        return self.after if self.after is not None else (self.before or ())

    def usage_unknown(self) -> list[Component]:
        return [c for c in self.components if c.quantity is None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "type": self.type,
            "action": self.action,
            "region": self.region,
            "monthly_before": money(self.monthly_before),
            "monthly_after": money(self.monthly_after),
            "monthly_delta": money(self.monthly_delta),
            "components": [c.to_dict() for c in self.components],
        }


@dataclass(frozen=True)
class Unpriced:
    """A resource the estimate could not price, and why (never counted as $0)."""

    address: str
    type: str
    action: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "type": self.type,
            "action": self.action,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Driver:
    """A component's share of the monthly change (what makes a budget fail)."""

    address: str
    component: str
    delta: Decimal


@dataclass(frozen=True)
class CostEstimate:
    """The monthly cost of a plan: before, after, the change, and what could not be priced."""

    resources: tuple[ResourceCost, ...]
    unpriced: tuple[Unpriced, ...] = ()
    free: tuple[str, ...] = ()
    currency: str = "USD"
    sources: tuple[str, ...] = field(default=())

    @property
    def monthly_before(self) -> Decimal:
        return sum((r.monthly_before for r in self.resources), ZERO)

    @property
    def monthly_after(self) -> Decimal:
        return sum((r.monthly_after for r in self.resources), ZERO)

    @property
    def monthly_delta(self) -> Decimal:
        return self.monthly_after - self.monthly_before

    def resource(self, address: str) -> ResourceCost:
        for r in self.resources:
            if r.address == address:
                return r
        raise KeyError(f"no priced resource {address!r}")

    def drivers(self, limit: int = 5) -> list[Driver]:
        """The components that change the monthly cost the most (largest increase first)."""
        out: list[Driver] = []
        for r in self.resources:
            deltas: dict[str, Decimal] = {}
            for c in r.after or ():
                deltas[c.label] = deltas.get(c.label, ZERO) + c.monthly
            for c in r.before or ():
                deltas[c.label] = deltas.get(c.label, ZERO) - c.monthly
            out += [Driver(r.address, label, d) for label, d in deltas.items() if d]
        out.sort(key=lambda d: (-d.delta, d.address, d.component))
        return out[:limit]

    def top_resources(self, limit: int = 5) -> list[ResourceCost]:
        ranked = [r for r in self.resources if r.monthly_delta]
        ranked.sort(key=lambda r: (-r.monthly_delta, r.address))
        return ranked[:limit]

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "monthly_before": money(self.monthly_before),
            "monthly_after": money(self.monthly_after),
            "monthly_delta": money(self.monthly_delta),
            "resources": [r.to_dict() for r in self.resources],
            "unpriced": [u.to_dict() for u in self.unpriced],
        }


def merge(estimates: Iterable[CostEstimate]) -> CostEstimate:
    """One estimate of several (for plans split by workspace)."""
    items = list(estimates)
    return CostEstimate(
        resources=tuple(r for e in items for r in e.resources),
        unpriced=tuple(u for e in items for u in e.unpriced),
        free=tuple(f for e in items for f in e.free),
        sources=tuple(dict.fromkeys(s for e in items for s in e.sources)),
    )


def components_total(components: Sequence[Component]) -> Decimal:
    return sum((c.monthly for c in components), ZERO)
