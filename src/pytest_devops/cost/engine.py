"""The cost engine: a plan's resource changes -> monthly cost before, after and the change.

Every managed resource change ends up in exactly one place: priced (with its components),
free (a type AWS does not charge for), or unpriced (with the reason). Nothing is priced
at $0 because it is unknown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol

from pytest_devops.cost.aws import FREE, FREE_PROVIDERS, FREE_UNLESS, PRICERS
from pytest_devops.cost.model import Component, CostEstimate, ResourceCost, Unpriced
from pytest_devops.cost.prices import PriceBook
from pytest_devops.cost.refs import References
from pytest_devops.cost.resource import Res, Unpriceable
from pytest_devops.cost.usage import Usage

__all__ = ["ChangeLike", "PlanLike", "estimate", "provider_short_name"]

#: Actions whose "before" side exists (is being paid for now) and whose "after" side will.
BEFORE_ACTIONS = frozenset({"update", "delete", "replace", "no-op", "forget"})
AFTER_ACTIONS = frozenset({"create", "update", "replace", "no-op"})
CLOUD_NAMES = {"azurerm": "Azure", "azuread": "Azure AD", "azapi": "Azure",
               "google": "Google Cloud", "google-beta": "Google Cloud"}
REGION_ENV = ("AWS_REGION", "AWS_DEFAULT_REGION")


class ChangeLike(Protocol):
    """What the engine reads from a resource change of the plan model."""

    @property
    def address(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def before(self) -> Mapping[str, Any] | None: ...
    @property
    def after(self) -> Mapping[str, Any] | None: ...
    @property
    def provider_name(self) -> str: ...
    @property
    def mode(self) -> str: ...


class PlanLike(Protocol):
    @property
    def resource_changes(self) -> Sequence[Any]: ...
    @property
    def raw(self) -> Mapping[str, Any]: ...
    def provider_region(self, provider_name: str) -> str | None: ...


@lru_cache(maxsize=64)
def provider_short_name(provider_name: str) -> str:
    """``registry.terraform.io/hashicorp/aws`` -> ``aws``; ``aws`` stays ``aws``."""
    return provider_name.rsplit("/", 1)[-1].split(".", 1)[0]


class _Session:
    def __init__(self, plan: PlanLike, prices: PriceBook, usage: Usage, region: str | None) -> None:
        self.plan = plan
        self.prices = prices
        self.usage = usage
        self.fallback_region = region or next(
            (os.environ[n] for n in REGION_ENV if os.environ.get(n)), None
        )
        self._regions: dict[str, str | None] = {}
        self._values: dict[str, Mapping[str, Any]] | None = None
        self._refs: References | None = None
        self._ids: dict[str, frozenset[str]] = {}
        self._provider_configs: dict[str, int] | None = None

    def region(self, rc: Any) -> str | None:
        """The resource's own region, else its provider's, else the fallback."""
        resource_region = getattr(self.plan, "resource_region", None)
        if resource_region is not None and not self._single_provider(rc):
            found: str | None = resource_region(rc)
            return found or self.fallback_region
        name = rc.provider_name
        if name not in self._regions:
            self._regions[name] = self.plan.provider_region(name) or self.fallback_region
        return self._regions[name]

    def _single_provider(self, rc: Any) -> bool:
        """Whether ``rc`` can only use its provider's one root configuration (no modules,
        no aliases, no region attribute of its own): then its region is cached by provider."""
        after, before = rc.after, rc.before
        if rc.module_address or (
            (isinstance(after, dict) and "region" in after)
            or (isinstance(before, dict) and "region" in before)
        ):
            return False
        if self._provider_configs is None:
            raw = self.plan.raw
            config = raw.get("configuration") if isinstance(raw, Mapping) else None
            pc = config.get("provider_config") if isinstance(config, Mapping) else None
            names = [str(e.get("name")) for e in (pc or {}).values() if isinstance(e, Mapping)]
            self._provider_configs = {n: names.count(n) for n in names}
        return self._provider_configs.get(provider_short_name(rc.provider_name or "")) == 1

    def values(self) -> dict[str, Mapping[str, Any]]:
        if self._values is None:
            self._values = {}
            for rc in self.plan.resource_changes:
                side = rc.after if rc.after is not None else rc.before
                if isinstance(side, Mapping):
                    self._values[rc.address] = side
        return self._values

    def lookup(self, address: str) -> Mapping[str, Any] | None:
        return self.values().get(address)

    def ids(self, rtype: str) -> frozenset[str]:
        if rtype not in self._ids:
            self._ids[rtype] = frozenset(
                str(side["id"])
                for rc in self.plan.resource_changes if rc.type == rtype
                for side in (rc.before, rc.after)
                if isinstance(side, Mapping) and isinstance(side.get("id"), str)
            )
        return self._ids[rtype]

    def refs(self) -> References:
        if self._refs is None:
            self._refs = References(self.plan.raw, self.values())
        return self._refs


def _price_side(
    s: _Session, rc: Any, values: Mapping[str, Any], region: str
) -> tuple[tuple[Component, ...], list[str]]:
    res = Res(
        rc.address, rc.type, values, region, s.prices,
        s.usage.for_resource(rc.address, rc.type), s.lookup, s.refs, s.ids,
    )
    try:
        PRICERS[rc.type](res)
    except (TypeError, AttributeError, ValueError, ArithmeticError) as exc:
        # A value of a type the provider never writes (a hand-edited plan, another tool's
        # output): the resource cannot be priced, which is said, not a crash of the gate.
        raise Unpriceable(
            f"its values cannot be read: one has a type {rc.type} does not have "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    return tuple(res.components), res.gaps


def _classify(rc: Any) -> str | None:
    """Why ``rc`` is not priced by a pricer: "free", or an unpriced reason; None to price."""
    provider = provider_short_name(rc.provider_name or "")
    if provider in FREE_PROVIDERS:
        return "free"
    if provider != "aws":
        cloud = CLOUD_NAMES.get(provider)
        if cloud:
            return f"{cloud} resources are not priced (the cost engine prices AWS)"
        return f"resources of provider {provider!r} are not priced"
    if rc.type in PRICERS:
        return None
    if rc.type in FREE:
        return "free"
    check = FREE_UNLESS.get(rc.type)
    if check is not None:
        values = rc.after if rc.after is not None else rc.before
        return check(values or {}) or "free"
    return f"{rc.type} is not covered by the cost engine"


def estimate(
    plan: PlanLike,
    *,
    prices: PriceBook | None = None,
    usage: Usage | None = None,
    region: str | None = None,
) -> CostEstimate:
    """Price every managed resource change of ``plan``.

    ``region`` is used for providers whose region the plan does not say (then
    ``AWS_REGION`` / ``AWS_DEFAULT_REGION``).
    """
    s = _Session(plan, prices or PriceBook.default(), usage or Usage.empty(), region)
    priced: list[ResourceCost] = []
    unpriced: list[Unpriced] = []
    free: list[str] = []
    for rc in plan.resource_changes:
        if rc.mode != "managed" or rc.action == "read":
            continue
        verdict = _classify(rc)
        if verdict == "free":
            free.append(rc.address)
            continue
        if verdict is not None:
            unpriced.append(Unpriced(rc.address, rc.type, rc.action, verdict))
            continue
        rg = s.region(rc)
        if rg is None:
            unpriced.append(Unpriced(
                rc.address, rc.type, rc.action,
                "region unknown: the provider block sets none; set cost.region, --region or "
                "AWS_REGION",
            ))
            continue
        result = _price_change(s, rc, rg)
        if isinstance(result, Unpriced):
            unpriced.append(result)
        else:
            cost, gaps = result
            priced.append(cost)
            unpriced += [Unpriced(rc.address, rc.type, rc.action, f"partly priced: {g}")
                         for g in gaps]
    return CostEstimate(
        resources=tuple(priced), unpriced=tuple(unpriced), free=tuple(free),
        sources=tuple(s.prices.describe()),
    )


def _price_change(s: _Session, rc: Any, region: str) -> tuple[ResourceCost, list[str]] | Unpriced:
    sides: dict[str, tuple[Component, ...] | None] = {"before": None, "after": None}
    gaps: list[str] = []
    wanted = [
        ("before", rc.before if rc.action in BEFORE_ACTIONS else None),
        ("after", rc.after if rc.action in AFTER_ACTIONS else None),
    ]
    for name, values in wanted:
        if values is None:
            continue
        if name == "after" and sides["before"] is not None and values == rc.before:
            sides["after"] = sides["before"]
            continue
        try:
            components, side_gaps = _price_side(s, rc, values, region)
        except Unpriceable as exc:
            both = rc.action in BEFORE_ACTIONS and rc.action in AFTER_ACTIONS
            prefix = f"{name}: " if both and rc.before != rc.after else ""
            return Unpriced(rc.address, rc.type, rc.action, f"{prefix}{exc}")
        if not components and side_gaps:
            return Unpriced(rc.address, rc.type, rc.action, side_gaps[0])
        sides[name] = components
        gaps += [g for g in side_gaps if g not in gaps]
    cost = ResourceCost(rc.address, rc.type, rc.action, sides["before"], sides["after"], region)
    return cost, gaps
