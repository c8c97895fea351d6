"""Gate canaries: mutants of the environment's real plan that its gates must reject.

Names are imported on first use, so that loading the feature's plugin and options stays
cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_devops.lazy import exports

__all__ = ["CanaryResult", "GateVerdict", "judge"]

if TYPE_CHECKING:
    from pytest_devops.canary.model import CanaryResult, GateVerdict, judge

__getattr__ = exports(__name__, dict.fromkeys(__all__, "pytest_devops.canary.model"))
