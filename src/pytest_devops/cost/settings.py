"""The ``cost`` section of an environment as typed values, and the estimate it asks for.

The section is validated against ``schema/sections/cost.json`` when the environment is
loaded; this module turns it into a frozen dataclass with paths resolved.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.cost.engine import PlanLike
    from pytest_devops.cost.model import CostEstimate
    from pytest_devops.cost.prices import PriceBook, PriceSource

__all__ = ["BUDGET_KEYS", "Budget", "CostSettings", "cost_settings", "estimate_with", "price_book"]

BUDGET_KEYS = ("monthly_max", "monthly_increase_max", "monthly_increase_pct_max", "resource_max")


@dataclass(frozen=True)
class Budget:
    monthly_max: Decimal | None = None
    monthly_increase_max: Decimal | None = None
    monthly_increase_pct_max: Decimal | None = None
    resource_max: Decimal | None = None
    currency: str = "USD"

    def limits(self) -> dict[str, Decimal]:
        """The budget keys that are set (each one is a gate)."""
        return {k: v for k in BUDGET_KEYS if (v := getattr(self, k)) is not None}


@dataclass(frozen=True)
class CostSettings:
    region: str | None = None
    usage_file: Path | None = None
    price_file: Path | None = None
    price_source: str = "catalog"
    price_cache: Path | None = None
    price_cache_days: int = 7
    fail_on_unpriced: bool = False
    budget: Budget = Budget()

    @property
    def configured(self) -> bool:
        return bool(self.budget.limits()) or self.fail_on_unpriced


def _amount(raw: Mapping[str, Any], key: str, env: Environment) -> Decimal | None:
    value = raw.get(key)
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        amount = Decimal("NaN")
    if isinstance(value, bool) or not amount.is_finite() or amount < 0:
        raise env.error(f"cost.budget.{key}", f"expected a number >= 0, got {value!r}")
    return amount


def cost_settings(env: Environment) -> CostSettings:
    """The environment's ``cost:`` section; a budget that is not a finite number >= 0, or
    a usage file that is missing or unreadable, is a :class:`ConfigError`."""
    raw: Mapping[str, Any] = env.section("cost")
    budget: Mapping[str, Any] = raw.get("budget") or {}
    usage_file = env.path(raw["usage_file"]) if raw.get("usage_file") else None
    if usage_file is not None:
        _check_usage(usage_file, env)
    return CostSettings(
        region=raw.get("region"),
        usage_file=usage_file,
        price_file=env.path(raw["price_file"]) if raw.get("price_file") else None,
        price_source=raw.get("price_source", "catalog"),
        price_cache=env.path(raw["price_cache"]) if raw.get("price_cache") else None,
        price_cache_days=int(raw.get("price_cache_days", 7)),
        fail_on_unpriced=bool(raw.get("fail_on_unpriced", False)),
        budget=Budget(
            **{k: _amount(budget, k, env) for k in BUDGET_KEYS},
            currency=str(budget.get("currency", "USD")),
        ),
    )


def _check_usage(path: Path, env: Environment) -> None:
    from pytest_devops.cost.usage import load_usage

    if not path.is_file():
        raise env.error(
            "cost.usage_file", f"usage file {path} not found",
            hint="create it (Infracost usage-file format) or remove the key",
        )
    load_usage(path)  # a malformed file is reported now, naming its key


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pytest-devops" / "prices"


def price_book(settings: CostSettings) -> PriceBook:
    """User price file, then the AWS Price List API (when asked for), then the catalog."""
    from pytest_devops.cost.prices import PriceBook, load_price_file, shipped

    sources: list[PriceSource] = []
    if settings.price_file is not None:
        sources.append(load_price_file(settings.price_file))
    if settings.price_source == "aws":
        from pytest_devops.cost.pricing_api import PriceListAPI

        sources.append(PriceListAPI(
            cache_dir=settings.price_cache or default_cache_dir(),
            max_age_days=settings.price_cache_days,
        ))
    sources.append(shipped())
    return PriceBook(sources)


def estimate_with(plan: PlanLike, settings: CostSettings) -> CostEstimate:
    """The estimate of ``plan`` with the prices, usage and region ``settings`` name."""
    from pytest_devops.cost.engine import estimate
    from pytest_devops.cost.usage import Usage, load_usage

    usage = load_usage(settings.usage_file) if settings.usage_file else Usage.empty()
    return estimate(plan, prices=price_book(settings), usage=usage, region=settings.region)
