"""The deploy engine in pytest: change set, plan, apply once per run, teardown.

Fixtures: ``devops_changeset`` (the run's :class:`~pytest_devops.ChangeSetPlan`),
``devops_cfn_plan`` (it as the project's plan model), ``devops_deployment`` (the
deployed environment's outputs; applies it first when the environment is ephemeral).
For a CloudFormation environment without Terraform the change set is the plan every
plan-stage gate reads. Options: :mod:`pytest_devops.cloudformation.options`.

Only the standard library, pytest and light pytest_devops modules are imported here.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.aws.keys import AWS
from pytest_devops.cloudformation.keys import CFN_PLAN, CHANGE_SET, DEPLOYMENT, LIFECYCLE
from pytest_devops.cloudformation.options import CHANGE_SET_ENV, CONFIRM_ENV
from pytest_devops.cloudformation.settings import parse
from pytest_devops.context import GateContext
from pytest_devops.runid import RunId

if TYPE_CHECKING:
    from pytest_devops.cloudformation.ephemeral import Deployment, Lifecycle
    from pytest_devops.cloudformation.model import ChangeSetPlan
    from pytest_devops.config import Environment
    from pytest_devops.plan.model import Plan

#: What teardown did (or why it failed), for the terminal and the report.
NOTE = pytest.StashKey[str]()
#: Set on the xdist controller once a worker starts: the run may have applied.
XDIST_RUN = pytest.StashKey[bool]()


def _lifecycle(ctx: GateContext) -> Lifecycle:
    from pytest_devops.cloudformation.changeset import CloudFormation
    from pytest_devops.cloudformation.ephemeral import Lifecycle
    from pytest_devops.shared import SharedDir

    session = ctx.get(AWS).session()
    cfn = (CloudFormation(session, ctx.settings(parse), ctx.redactor)
           if ctx.env.section("cloudformation") else None)
    opt = ctx.config.option
    return Lifecycle(
        ctx.env,
        session,
        SharedDir(RunId.shared_dir(ctx.config, "devops-run") / ctx.env.name),
        cfn=cfn,
        change_set=opt.devops_change_set or os.environ.get(CHANGE_SET_ENV) or None,
        confirm=opt.devops_confirm_apply or os.environ.get(CONFIRM_ENV) or None,
        redactor=ctx.redactor,
    )


def _deployment(ctx: GateContext) -> Deployment:
    """What another feature deploys (a Terraform root), else the stack or outputs file."""
    found: Deployment | None = ctx.config.hook.pytest_devops_deployment(
        env=ctx.env, config=ctx.config)
    return found if found is not None else ctx.get(LIFECYCLE).deployment()


def _cloudformation_only(env: Environment) -> bool:
    return bool(env.section("cloudformation")) and not env.section("terraform")


def _cfn_plan(ctx: GateContext) -> Plan:
    from pytest_devops.errors import GateError

    if not ctx.env.section("cloudformation"):
        raise GateError(f"environment {ctx.env.name} has no `cloudformation:` section")
    return ctx.get(CHANGE_SET).to_plan()


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    ctx = GateContext.find(config)
    if ctx is None:
        return
    ctx.provide(LIFECYCLE, _lifecycle)
    ctx.provide(CHANGE_SET, lambda c: c.get(LIFECYCLE).plan())
    ctx.provide(DEPLOYMENT, _deployment)
    ctx.provide(CFN_PLAN, _cfn_plan)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    node.config.stash[XDIST_RUN] = True


def pytest_devops_secrets(env: Environment, config: pytest.Config) -> list[object]:
    """Mask NoEcho parameter values from the start."""
    cfn = env.section("cloudformation")
    if not cfn or not cfn.get("parameters"):
        return []
    from pytest_devops.cloudformation.template import load_template, no_echo_parameters
    from pytest_devops.errors import DevopsError

    try:
        secret = no_echo_parameters(load_template(env.path(cfn["template"]))[1])
    except DevopsError:
        return []  # the plan reports the template's problem
    return [v for k, v in cfn["parameters"].items() if k in secret]


@pytest.hookimpl
def pytest_devops_plan(env: Environment, config: pytest.Config) -> Plan | None:
    """For a CloudFormation environment without Terraform, the change set *is* the plan
    every plan-stage gate reads (built-in rules, ``devops_plan``, the cost gates)."""
    if not _cloudformation_only(env) or GateContext.of(config).peek(AWS) is None:
        return None
    return GateContext.of(config).get(CFN_PLAN)


@pytest.hookimpl
def pytest_devops_priced_plan(plan: Plan, env: Environment, config: pytest.Config) -> Plan | None:
    """A change set is priced through its resources' Terraform twin types."""
    if not _cloudformation_only(env):
        return None
    from pytest_devops.cloudformation.cost import terraform_view
    from pytest_devops.cost.settings import cost_settings

    ctx = GateContext.of(config)
    region = ctx.settings(cost_settings).region or ctx.get(AWS).aws_section.get("region")
    return terraform_view(plan, region)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Tear down per policy (not on a worker), before the emulator stops."""
    config = session.config
    ctx = GateContext.find(config)
    if ctx is None or ctx.peek(AWS) is None or RunId.of(config).is_worker:
        return
    if ctx.peek(LIFECYCLE) is None and not config.stash.get(XDIST_RUN, False):
        return
    from pytest_devops.errors import DevopsError

    try:
        lifecycle = ctx.get(LIFECYCLE)
        note = lifecycle.teardown(int(exitstatus) == 0)
        lifecycle.shared.remove()
    except DevopsError as exc:
        note = f"TEARDOWN FAILED: {exc}"
        if int(exitstatus) == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if note:
        config.stash[NOTE] = note


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    note = config.stash.get(NOTE, None)
    if note:
        terminalreporter.write_line(
            GateContext.of(config).redactor.redact(f"devops ephemeral: {note}"),
            red=note.startswith("TEARDOWN FAILED"),
        )


def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    note = config.stash.get(NOTE, None)
    if note:
        report["teardown"] = note


@pytest.fixture(scope="session")
def devops_changeset(request: pytest.FixtureRequest) -> ChangeSetPlan:
    """The run's CloudFormation change set (created once per run; never executed here)."""
    return GateContext.of(request.config).get(CHANGE_SET)


@pytest.fixture(scope="session")
def devops_cfn_plan(request: pytest.FixtureRequest) -> Plan:
    """The run's change set as the project's plan model."""
    return GateContext.of(request.config).get(CFN_PLAN)


@pytest.fixture(scope="session")
def devops_deployment(request: pytest.FixtureRequest) -> Deployment:
    """The deployed environment (outputs, start time). Ephemeral: applied once per run
    first, torn down at the end per policy. Long-lived: only read."""
    return GateContext.of(request.config).get(DEPLOYMENT)
