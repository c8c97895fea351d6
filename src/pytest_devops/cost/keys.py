"""The cost feature's shared result: ``ctx.get(ESTIMATE)`` is the plan's cost estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_devops.cost.model import CostEstimate

#: The selected environment's estimate, made once per session (process) by the cost feature.
ESTIMATE: pytest.StashKey[CostEstimate] = pytest.StashKey()
