"""Plan feature plugin: the ``devops_plan`` fixture and the built-in plan rules.

Imports only the standard library, pytest and light pytest_devops modules at load.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.context import GateContext
from pytest_devops.errors import DevopsError
from pytest_devops.gates import BuiltinGate
from pytest_devops.plan.keys import PLAN

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.plan.model import Plan

#: rules.NAME -> (check function name in pytest_devops.plan.rules, description)
RULES: dict[str, tuple[str, str]] = {
    "no_destroy": ("check_no_destroy", "no delete or replace except allowed addresses"),
    "required_tags": ("check_required_tags", "taggable resources carry the required tags"),
    "allowed_resource_types": ("check_allowed_resource_types", "only allowed resource types"),
    "allowed_instance_types": ("check_allowed_instance_types", "only allowed instance types"),
    "allowed_regions": ("check_allowed_regions", "resources only in allowed regions"),
    "max_changes": ("check_max_changes", "no more resource changes than the maximum"),
}


def _make_plan(ctx: GateContext) -> Plan:
    made: Plan = ctx.config.hook.pytest_devops_plan(env=ctx.env, config=ctx.config)
    return made


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    ctx = GateContext.find(config)
    if ctx is not None:
        ctx.provide(PLAN, _make_plan)


@pytest.hookimpl(trylast=True)
def pytest_devops_plan(env: Environment, config: pytest.Config) -> Plan:
    """The Terraform plan: ``terraform.plan_file``, or made by the runner (the fallback
    source, so it also says what to configure when there is none)."""
    from pytest_devops.plan.provide import plan_for
    from pytest_devops.runid import RunId

    ctx = GateContext.of(config)
    shared = partial(RunId.shared_dir, config, "devops-plan")
    return plan_for(env, ctx.redactor, shared, RunId.of(config).worker)


@pytest.fixture(scope="session")
def devops_plan(request: pytest.FixtureRequest) -> Plan:
    """The Terraform plan of the selected environment (``terraform.plan_file``, or made by
    the runner from ``terraform.working_dir``). Annotate with ``pytest_devops.Plan``."""
    return GateContext.of(request.config).get(PLAN)


@pytest.hookimpl
def pytest_devops_secrets(env: Environment, config: pytest.Config) -> list[object] | None:
    """Load a named plan file at session start, so every process masks its secrets."""
    from pytest_devops.plan.settings import terraform_settings

    ctx = GateContext.of(config)
    settings = ctx.settings(terraform_settings)
    if settings.plan_file is None or not settings.plan_file.is_file():
        return None
    try:
        ctx.get(PLAN)  # registers the sensitive values with the session redactor
    except DevopsError:
        return None  # the gates and the fixture report it as an error
    return None


@pytest.hookimpl
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    """Add the plan's summary (counts, resources, digest) when this session loaded one."""
    plan = config.stash.get(PLAN, None)
    if plan is not None:
        from pytest_devops.plan.summary import summary

        report["plan"] = summary(plan)


def _run(name: str, check: Callable[..., None], rule: Any, ctx: GateContext) -> None:
    plan = ctx.get(PLAN)
    if name == "no_destroy":
        check(plan, rule, ctx.env.name)
    else:
        check(plan, rule)


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    from pytest_devops.plan import rules
    from pytest_devops.plan.settings import rules_settings

    settings = GateContext.of(config).settings(rules_settings)
    gates = []
    for name, (func, description) in RULES.items():
        rule = getattr(settings, name)
        if rule is None:
            continue
        gates.append(BuiltinGate(
            name=f"plan.{name}",
            kind="plan",
            run=partial(_run, name, getattr(rules, func), rule),
            description=description,
        ))
    return gates
