"""Cost gate on the change set: list prices from the catalog shipped with pytest-devops."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pytest_devops import CostEstimate


@pytest.mark.devops_cost
def test_the_web_instance_is_the_whole_bill(devops_cost: CostEstimate) -> None:
    # t3.micro on demand + 8 GB gp3 root volume + detailed monitoring (7 metrics).
    by_address = {r.address: r.monthly_after for r in devops_cost.resources}
    assert by_address["WebInstance"] == Decimal("10.3320")
    assert devops_cost.monthly_after < Decimal("15")
