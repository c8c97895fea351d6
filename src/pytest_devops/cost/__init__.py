"""Cost gates: a local monthly cost estimate of a plan, and budgets per environment.

Pure library (no pytest)::

    from pathlib import Path

    from pytest_devops.cost import estimate, load_usage
    from pytest_devops.plan import load_plan

    est = estimate(load_plan("plan.json"), usage=load_usage(Path("infracost-usage.yml")))
    print(est.monthly_delta, [u.reason for u in est.unpriced])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_devops.lazy import exports

if TYPE_CHECKING:
    from pytest_devops.cost.engine import estimate
    from pytest_devops.cost.model import Component, CostEstimate, ResourceCost, Unpriced
    from pytest_devops.cost.prices import MissingPrice, PriceBook
    from pytest_devops.cost.usage import Usage, load_usage

__all__ = [
    "Component",
    "CostEstimate",
    "MissingPrice",
    "PriceBook",
    "ResourceCost",
    "Unpriced",
    "Usage",
    "estimate",
    "load_usage",
]

__getattr__ = exports(
    __name__,
    {
        "Component": "pytest_devops.cost.model",
        "CostEstimate": "pytest_devops.cost.model",
        "MissingPrice": "pytest_devops.cost.prices",
        "PriceBook": "pytest_devops.cost.prices",
        "ResourceCost": "pytest_devops.cost.model",
        "Unpriced": "pytest_devops.cost.model",
        "Usage": "pytest_devops.cost.usage",
        "estimate": "pytest_devops.cost.engine",
        "load_usage": "pytest_devops.cost.usage",
    },
)
