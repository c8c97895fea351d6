"""Cost gates: a local monthly cost estimate of a plan, and budgets per environment.

Pure library (no pytest)::

    from pytest_devops.cost import estimate_plan

    est = estimate_plan("plan.json", usage_file="infracost-usage.yml")
    print(est.monthly_delta, [u.reason for u in est.unpriced])
"""

from __future__ import annotations

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
