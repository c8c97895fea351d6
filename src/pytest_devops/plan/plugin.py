"""Plan feature plugin: the ``devops_plan`` fixture and the built-in plan rules.

Imports only the standard library, pytest and light pytest_devops modules at load.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.errors import DevopsError
from pytest_devops.gates import BuiltinGate

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.gates import GateContext
    from pytest_devops.plan.model import Plan

#: Key of the environment's plan in the session's shared resources.
PLAN_KEY = "pytest_devops.plan"

#: rules.NAME -> (check function name in pytest_devops.plan.rules, description)
RULES: dict[str, tuple[str, str]] = {
    "no_destroy": ("check_no_destroy", "no delete or replace except allowed addresses"),
    "required_tags": ("check_required_tags", "taggable resources carry the required tags"),
    "allowed_resource_types": ("check_allowed_resource_types", "only allowed resource types"),
    "allowed_instance_types": ("check_allowed_instance_types", "only allowed instance types"),
    "allowed_regions": ("check_allowed_regions", "resources only in allowed regions"),
    "max_changes": ("check_max_changes", "no more resource changes than the maximum"),
}


def _worker(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else "main"


def _shared_dir(config: pytest.Config) -> Path:
    """A directory every pytest-xdist worker of this run shares."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        base = Path(factory.getbasetemp())
        return (base.parent if hasattr(config, "workerinput") else base) / "devops-plan"
    return Path(tempfile.mkdtemp(prefix="pytest-devops-plan-"))


def get_plan(config: pytest.Config) -> Plan:
    """The selected environment's plan, loaded once per session (process)."""
    from pytest_devops.plugin import GateContext

    ctx = GateContext(config)

    def factory() -> Plan:
        made: Plan = config.hook.pytest_devops_plan(env=ctx.env, config=config)
        return made

    plan: Plan = ctx.resource(PLAN_KEY, factory)
    return plan


@pytest.hookimpl(trylast=True)
def pytest_devops_plan(env: Environment, config: pytest.Config) -> Plan:
    """The Terraform plan: ``terraform.plan_file``, or made by the runner (the fallback
    source, so it also says what to configure when there is none)."""
    from pytest_devops.plan.provide import plan_for
    from pytest_devops.plugin import state

    return plan_for(env, state(config).redactor, partial(_shared_dir, config), _worker(config),
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


def progress_writer(config: pytest.Config) -> Callable[[str], None]:
    """Progress lines of Terraform steps: to the terminal (stderr on an xdist worker),
    masked, each with the time since the session started."""
    import contextlib
    import sys
    import time

    from pytest_devops.plugin import state

    start = time.monotonic()
    redactor = state(config).redactor
    reporter = (None if hasattr(config, "workerinput")
                else config.pluginmanager.get_plugin("terminalreporter"))

    def say(text: str) -> None:
        line = redactor.redact(f"devops terraform [{time.monotonic() - start:6.1f}s] {text}")
        # Around pytest's capture, so the line shows while the step runs (an xdist
        # worker's stderr is the run's stderr).
        capman = config.pluginmanager.get_plugin("capturemanager")
        with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
            if reporter is not None:
                reporter.ensure_newline()
                reporter.write_line(line)
            else:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()

    return say


def pytest_report_header(config: pytest.Config) -> str | None:
    """Where the plan comes from, with the source of the choice."""
    from pytest_devops.plugin import state

    env = state(config).env
    override = plan_override(config)
    if env is None or not (override or env.section("terraform")):
        return None
    from pytest_devops.plan.provide import source_of

    try:
        return "devops plan: " + source_of(env, override).describe()
    except DevopsError:
        return None  # the gates report the problem


@pytest.fixture(scope="session")
def devops_plan(request: pytest.FixtureRequest) -> Plan:
    """The Terraform plan of the selected environment (``terraform.plan_file``, or made by
    the runner from ``terraform.working_dir``). Annotate with ``pytest_devops.Plan``."""
    return get_plan(request.config)


@pytest.hookimpl
def pytest_devops_secrets(env: Environment, config: pytest.Config) -> list[object] | None:
    """Load a named plan file at session start, so every process masks its secrets."""
    from pytest_devops.plan.settings import terraform_settings

    settings = terraform_settings(env)
    secrets: list[object] = list(settings.secrets())
    override = plan_override(config)
    given = Path(override[0]) if override else settings.plan_file
    if given is None or not given.is_file() or given.read_bytes()[:4] == b"PK\x03\x04":
        return secrets  # none, or a binary plan: read (and masked) when a gate needs it
    try:
        get_plan(config)  # registers the sensitive values with the session redactor
    except DevopsError:
        return secrets  # the gates and the fixture report it as an error
    return secrets


@pytest.hookimpl
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    """Add the plan's summary (counts, resources, digest) when this session loaded one."""
    from pytest_devops.plugin import state

    plan = state(config).resources.get(PLAN_KEY)
    if plan is not None:
        from pytest_devops.plan.diff import plan_diff
        from pytest_devops.plan.summary import summary

        report["plan"] = {**summary(plan), "diff": plan_diff(plan).to_dict()}


def _run(name: str, check: Callable[..., str | None], rule: Any, ctx: GateContext) -> str | None:
    config = getattr(ctx, "config", None)
    if config is None:  # pragma: no cover - contexts from the core always carry the config
        raise TypeError("plan gates need the pytest config on their context")
    plan = get_plan(config)
    if name == "no_destroy":
        return check(plan, rule, ctx.env.name)
    return check(plan) if rule is None else check(plan, rule)


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    from pytest_devops.plan import rules
    from pytest_devops.plan.settings import rules_settings

    settings = rules_settings(env)
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
    from pytest_devops.plugin import state

    loaded = state(config).resources.get(PLAN_KEY)
    if loaded is not None and loaded.raw.get("checks"):
        # Terraform `check` blocks: their status is in the plan, so they gate like a rule.
        gates.append(BuiltinGate(name="plan.checks", kind="plan",
                                 run=partial(_run, "checks", rules.check_checks, None),
                                 description="Terraform check blocks pass"))
    return gates
