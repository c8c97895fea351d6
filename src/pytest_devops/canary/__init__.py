"""Gate canaries: mutants of the environment's real plan that its gates must reject."""

from __future__ import annotations

from pytest_devops.canary.model import CanaryResult, GateVerdict, judge

__all__ = ["CanaryResult", "GateVerdict", "judge"]
