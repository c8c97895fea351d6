"""Cost feature plugin: the ``devops_cost`` fixture and the built-in budget gates.

Imports only the standard library, pytest and light pytest_devops modules at load.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.gates import BuiltinGate

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.cost.model import CostEstimate
    from pytest_devops.gates import GateContext

#: Key of the environment's estimate in the session's shared resources.
COST_KEY = "pytest_devops.cost"


def get_estimate(config: pytest.Config) -> CostEstimate:
    """The selected environment's cost estimate, computed once per session (process)."""
    from pytest_devops.plugin import GateContext

    ctx = GateContext(config)

    def factory() -> CostEstimate:
        from pytest_devops.cost.settings import cost_settings, estimate_with
        from pytest_devops.plan.plugin import get_plan

        plan = get_plan(config)
        priced = config.hook.pytest_devops_priced_plan(plan=plan, env=ctx.env, config=config)
        return estimate_with(priced or plan, cost_settings(ctx.env))

    estimate: CostEstimate = ctx.resource(COST_KEY, factory)
    return estimate


@pytest.fixture(scope="session")
def devops_cost(request: pytest.FixtureRequest) -> CostEstimate:
    """The monthly cost estimate of the selected environment's plan (prices, usage and
    region from its ``cost:`` section). Annotate with ``pytest_devops.CostEstimate``."""
    return get_estimate(request.config)


def _run_budget(key: str, limit: Decimal, ctx: GateContext) -> None:
    from pytest_devops.cost.budget import check_budget

    check_budget(get_estimate(_config(ctx)), key, limit)


def _run_unpriced(ctx: GateContext) -> None:
    from pytest_devops.cost.budget import check_unpriced

    check_unpriced(get_estimate(_config(ctx)))


def _config(ctx: GateContext) -> pytest.Config:
    config = getattr(ctx, "config", None)
    if config is None:  # pragma: no cover - contexts from the core always carry the config
        raise TypeError("cost gates need the pytest config on their context")
    return config  # type: ignore[no-any-return]


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    from pytest_devops.cost.settings import cost_settings

    settings = cost_settings(env)
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
    from pytest_devops.plugin import state

    st = state(config)
    found: CostEstimate | None = st.resources.get(COST_KEY)
    if found is not None or st.env is None or not st.env.section("cost"):
        return found
    from pytest_devops.plan.plugin import PLAN_KEY

    if st.stage not in (None, "plan") or PLAN_KEY not in st.resources:
        return None
    from pytest_devops.errors import DevopsError

    try:
        return get_estimate(config)
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
    from pytest_devops.plugin import state

    redactor = state(config).redactor
    terminalreporter.write_line(redactor.redact(
        f"devops cost: {usd(est.monthly_before)} -> {usd(est.monthly_after)} a month "
        f"({usd(est.monthly_delta, sign=True)})"
    ))
    for line in warning_lines(est):
        terminalreporter.write_line(redactor.redact(line), yellow=True)
