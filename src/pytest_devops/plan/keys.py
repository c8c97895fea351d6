"""The plan feature's shared result: ``ctx.get(PLAN)`` is the environment's plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_devops.plan.model import Plan

#: The selected environment's plan, made once per session (process) by the plan feature.
PLAN: pytest.StashKey[Plan] = pytest.StashKey()
