"""Cost feature plugin: the ``devops_cost`` fixture and the built-in budget gates.

The estimate prices the plan the plan feature makes, asked for by its key
(:data:`pytest_devops.plan.keys.PLAN`). Imports only the standard library, pytest and
light pytest_devops modules at load.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.context import GateContext
from pytest_devops.cost.keys import ESTIMATE
from pytest_devops.cost.settings import cost_settings
from pytest_devops.gates import BuiltinGate
from pytest_devops.plan.keys import PLAN

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.cost.model import CostEstimate


def _estimate(ctx: GateContext) -> CostEstimate:
    from pytest_devops.cost.settings import estimate_with

    plan = ctx.get(PLAN)
    priced = ctx.config.hook.pytest_devops_priced_plan(plan=plan, env=ctx.env, config=ctx.config)
    return estimate_with(priced or plan, ctx.settings(cost_settings))


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    ctx = GateContext.find(config)
    if ctx is not None:
        ctx.provide(ESTIMATE, _estimate)


@pytest.fixture(scope="session")
def devops_cost(request: pytest.FixtureRequest) -> CostEstimate:
    """The monthly cost estimate of the selected environment's plan (prices, usage and
    region from its ``cost:`` section). Annotate with ``pytest_devops.CostEstimate``."""
    return GateContext.of(request.config).get(ESTIMATE)


def _run_budget(key: str, limit: Decimal, ctx: GateContext) -> None:
    from pytest_devops.cost.budget import check_budget

    check_budget(ctx.get(ESTIMATE), key, limit)


def _run_unpriced(ctx: GateContext) -> None:
    from pytest_devops.cost.budget import check_unpriced

    check_unpriced(ctx.get(ESTIMATE))


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    settings = GateContext.of(config).settings(cost_settings)
    gates = [
        BuiltinGate(
            name=f"cost.{key}",
            kind="cost",
            run=partial(_run_budget, key, limit),
            description=f"budget {key} {limit} {settings.budget.currency}",
        )
        for key, limit in settings.budget.limits().items()
    ]
    if settings.fail_on_unpriced:
        gates.append(BuiltinGate(name="cost.unpriced", kind="cost", run=_run_unpriced,
                                 description="every resource of the plan is priced"))
    return gates


def _computed(config: pytest.Config) -> CostEstimate | None:
    """The session's estimate: made by a gate or the fixture, or made now when the plan is
    already loaded (the pytest-xdist controller, whose workers ran the gates)."""
    ctx = GateContext.find(config)
    if ctx is None:
        return None
    found = ctx.peek(ESTIMATE)
    if found is not None or not ctx.env.section("cost"):
        return found
    if ctx.stage not in (None, "plan") or ctx.peek(PLAN) is None:
        return None
    from pytest_devops.errors import DevopsError

    try:
        return ctx.get(ESTIMATE)
    except DevopsError:
        return None  # the cost gates report it as an error


@pytest.hookimpl
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    """Add the estimate to the gate report."""
    est = _computed(config)
    if est is not None:
        report["cost"] = est.to_dict()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    est = _computed(config)
    if est is None:
        return
    from pytest_devops.cost.budget import usd, warning_lines

    redactor = GateContext.of(config).redactor
    terminalreporter.write_line(redactor.redact(
        f"devops cost: {usd(est.monthly_before)} -> {usd(est.monthly_after)} a month "
        f"({usd(est.monthly_delta, sign=True)})"
    ))
    for line in warning_lines(est):
        terminalreporter.write_line(redactor.redact(line), yellow=True)
