"""Plan feature plugin: the ``devops_plan`` fixture and the built-in plan rules.

Imports only the standard library, pytest and light pytest_devops modules at load.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
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
    from pytest_devops.terraform.progress import progress_writer

    return plan_for(env, ctx.redactor, shared, RunId.of(config).worker,
                    override=plan_override(config), progress=progress_writer(config))


PLAN_ENV = "PYTEST_DEVOPS_PLAN"


def plan_override(config: pytest.Config) -> tuple[str, str] | None:
    """``(path, origin)`` from ``--devops-plan`` or ``PYTEST_DEVOPS_PLAN`` (relative to
    where pytest was started), else ``None``."""
    import os

    value, origin = getattr(config.option, "devops_plan", None), "--devops-plan"
    if not value:
        value, origin = os.environ.get(PLAN_ENV) or None, PLAN_ENV
    if not value:
        return None
    return str(config.invocation_params.dir / Path(value).expanduser()), origin


def pytest_report_header(config: pytest.Config) -> str | None:
    """Where the plan comes from, with the source of the choice."""
    ctx = GateContext.find(config)
    override = plan_override(config)
    if ctx is None or not (override or ctx.env.section("terraform")):
        return None
    from pytest_devops.plan.provide import source_of

    try:
        return "devops plan: " + source_of(ctx.env, override).describe()
    except DevopsError:
        return None  # the gates report the problem


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
    secrets: list[object] = list(settings.secrets())
    override = plan_override(config)
    given = Path(override[0]) if override else settings.plan_file
    if given is None or not given.is_file() or given.read_bytes()[:4] == b"PK\x03\x04":
        return secrets  # none, or a binary plan: read (and masked) when a gate needs it
    try:
        ctx.get(PLAN)  # registers the sensitive values with the session redactor
    except DevopsError:
        return secrets  # the gates and the fixture report it as an error
    return secrets


@pytest.hookimpl
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    """Add the plan's summary (counts, resources, digest) when this session loaded one."""
    plan = config.stash.get(PLAN, None)
    if plan is not None:
        from pytest_devops.plan.diff import plan_diff
        from pytest_devops.plan.summary import summary

        report["plan"] = {**summary(plan), "diff": plan_diff(plan).to_dict()}


def _run(name: str, check: Callable[..., str | None], rule: Any, ctx: GateContext) -> str | None:
    plan = ctx.get(PLAN)
    if name == "no_destroy":
        return check(plan, rule, ctx.env.name)
    return check(plan) if rule is None else check(plan, rule)


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
    loaded = config.stash.get(PLAN, None)
    if loaded is not None and loaded.raw.get("checks"):
        # Terraform `check` blocks: their status is in the plan, so they gate like a rule.
        gates.append(BuiltinGate(name="plan.checks", kind="plan",
                                 run=partial(_run, "checks", rules.check_checks, None),
                                 description="Terraform check blocks pass"))
    return gates
