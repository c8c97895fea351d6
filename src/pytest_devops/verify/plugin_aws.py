"""AWS, CloudFormation and ephemeral environments as pytest fixtures and built-in gates.

Fixtures: ``devops_aws`` (:class:`~pytest_devops.verify.aws_checks.AwsVerifier`),
``devops_changeset`` (the run's :class:`~pytest_devops.verify.cfn.ChangeSetPlan`),
``devops_cfn_plan`` (it as the project's plan model), ``devops_deployment`` (the
deployed environment's outputs; applies it first when the environment is ephemeral).
Built-in post-deploy gates come from ``aws.checks`` in ``devops.yaml``.

Only the standard library, pytest and light pytest_devops modules are imported here;
boto3 and moto are imported when a fixture or gate first needs them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.plugin import state

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.gates import BuiltinGate
    from pytest_devops.plan.model import Plan
    from pytest_devops.verify.aws import AwsSession
    from pytest_devops.verify.aws_checks import AwsVerifier
    from pytest_devops.verify.cfn import ChangeSetPlan
    from pytest_devops.verify.emulator import Emulator
    from pytest_devops.verify.ephemeral import Deployment, Lifecycle

CONFIRM_ENV = "PYTEST_DEVOPS_CONFIRM_APPLY"
CHANGE_SET_ENV = "PYTEST_DEVOPS_CHANGE_SET"
_ENDPOINT_KEY = "devops_aws_endpoint"


class AwsRuntime:
    """The session's AWS side: emulator, boto3 session, plan/apply lifecycle."""

    def __init__(self, config: pytest.Config, env: Environment) -> None:
        self.config = config
        self.env = env
        self.emulator: Emulator | None = None
        self.testrunuid: str | None = None
        self.teardown_note: str | None = None
        workerinput = getattr(config, "workerinput", None)
        self.is_worker = workerinput is not None
        if workerinput is not None:
            self.testrunuid = workerinput.get("testrunuid")
        self._endpoint: str | None = workerinput.get(_ENDPOINT_KEY) if workerinput else None
        self._session: AwsSession | None = None
        self._lifecycle: Lifecycle | None = None

    @property
    def aws_section(self) -> dict[str, Any]:
        return dict(self.env.section("aws"))

    def start_emulator(self) -> None:
        section = self.aws_section
        if section.get("emulator") != "moto" or section.get("endpoint_url") or self.is_worker:
            return
        from pytest_devops.verify.emulator import Emulator

        self.emulator = Emulator().start()
        self._endpoint = self.emulator.endpoint_url

    @property
    def endpoint(self) -> str | None:
        return self._endpoint or self.aws_section.get("endpoint_url") or None

    def session(self) -> AwsSession:
        if self._session is None:
            from pytest_devops.verify.aws import AwsSession, AwsSettings

            settings = AwsSettings.from_section(self.aws_section)
            if self._endpoint:
                settings = settings.with_endpoint(self._endpoint)
            self._session = AwsSession(settings, state(self.config).redactor)
        return self._session

    def lifecycle(self) -> Lifecycle:
        if self._lifecycle is None:
            from pytest_devops.shared import SharedDir
            from pytest_devops.verify.cfn import CfnSettings, CloudFormation
            from pytest_devops.verify.ephemeral import Lifecycle

            redactor = state(self.config).redactor
            section = self.env.section("cloudformation")
            cfn = (CloudFormation(self.session(), CfnSettings.from_section(section, self.env.root),
                                  redactor) if section else None)
            opt = self.config.option
            self._lifecycle = Lifecycle(
                self.env,
                self.session(),
                SharedDir.for_run(self.testrunuid, self.env.name),
                cfn=cfn,
                change_set=opt.devops_change_set or os.environ.get(CHANGE_SET_ENV) or None,
                confirm=opt.devops_confirm_apply or os.environ.get(CONFIRM_ENV) or None,
                redactor=redactor,
            )
        return self._lifecycle

    def finish(self, success: bool) -> None:
        """Tear down per policy (not on a worker), then stop the emulator."""
        try:
            if not self.is_worker and (self._lifecycle is not None or self.testrunuid):
                lifecycle = self.lifecycle()
                self.teardown_note = lifecycle.teardown(success)
                lifecycle.shared.remove()
        finally:
            if self.emulator is not None:
                self.emulator.stop()
                self.emulator = None


_RUNTIME = pytest.StashKey[AwsRuntime]()


def runtime(config: pytest.Config) -> AwsRuntime:
    """The session's :class:`AwsRuntime`; an error when the environment has no AWS side."""
    found = config.stash.get(_RUNTIME, None)
    if found is None:
        from pytest_devops.errors import GateError
        from pytest_devops.plugin import GateContext

        env = GateContext(config).env
        raise GateError(
            f"environment {env.name} has no `aws:` or `cloudformation:` section",
            hint="add one to devops.yaml (see docs/verify-aws.md)",
        )
    return found


def cloudformation_plan(config: pytest.Config) -> Plan | None:
    """The run's change set as a plan, for plan-stage gates (None without CloudFormation)."""
    found = config.stash.get(_RUNTIME, None)
    if found is None or not found.env.section("cloudformation"):
        return None
    st = state(config)
    plan: Plan = st.resource("cloudformation.plan", lambda: _changeset(config).to_plan())
    return plan


def _changeset(config: pytest.Config) -> ChangeSetPlan:
    cs: ChangeSetPlan = state(config).resource(
        "cloudformation.change_set", lambda: runtime(config).lifecycle().plan()
    )
    return cs


def _deployment(config: pytest.Config) -> Deployment:
    def make() -> Deployment:
        env = state(config).env
        found: Deployment | None = config.hook.pytest_devops_deployment(env=env, config=config)
        return found if found is not None else runtime(config).lifecycle().deployment()

    dep: Deployment = state(config).resource("aws.deployment", make)
    return dep


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    env = state(config).env
    if env is None or not ({"aws", "cloudformation"} & set(env.sections)):
        return
    rt = AwsRuntime(config, env)
    config.stash[_RUNTIME] = rt
    from pytest_devops.errors import DevopsError

    try:
        rt.start_emulator()
    except DevopsError as exc:  # asked for in devops.yaml: a usage error, with the hint
        raise pytest.UsageError(f"aws.emulator: {exc}") from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the xdist controller: share the run's id and the emulator with each worker."""
    rt = node.config.stash.get(_RUNTIME, None)
    if rt is None:
        return
    rt.testrunuid = node.workerinput["testrunuid"]
    if rt.endpoint:
        node.workerinput[_ENDPOINT_KEY] = rt.endpoint


def pytest_report_header(config: pytest.Config) -> str | None:
    rt = config.stash.get(_RUNTIME, None)
    if rt is None or rt.is_worker:
        return None
    aws = rt.aws_section
    parts = [f"region {aws.get('region') or '(from AWS config)'}"]
    if rt.emulator is not None:
        parts.append(f"moto emulator on {rt.endpoint}")
    elif rt.endpoint:
        parts.append(f"endpoint {rt.endpoint}")
    cfn = rt.env.section("cloudformation")
    if cfn:
        parts.append(f"stack {cfn['stack_name']}")
    from pytest_devops.verify.ephemeral import EphemeralSettings

    eph = EphemeralSettings.of(rt.env)
    if eph.enabled:
        parts.append(f"ephemeral (teardown: {eph.teardown})")
    else:
        parts.append("long-lived: verified, never applied by tests")
    return "devops aws: " + ", ".join(parts)


def pytest_devops_secrets(env: Environment, config: pytest.Config) -> list[object]:
    """Mask the role's external id and NoEcho parameter values from the start."""
    secrets: list[object] = []
    external_id = env.section("aws").get("external_id") if env.section("aws") else None
    if external_id:
        secrets.append(external_id)
    cfn = env.section("cloudformation")
    if cfn and cfn.get("parameters"):
        from pytest_devops.errors import DevopsError
        from pytest_devops.verify.cfn_template import load_template, no_echo_parameters

        try:
            secret = no_echo_parameters(load_template(env.path(cfn["template"]))[1])
        except DevopsError:
            return secrets  # the plan reports the template's problem
        secrets += [v for k, v in cfn["parameters"].items() if k in secret]
    return secrets


def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    checks = env.section("aws").get("checks") if env.section("aws") else None
    if not checks:
        return []
    from pytest_devops.verify.aws_gates import builtin_gates

    return builtin_gates(checks, lambda: _deployment(config),
                         lambda: _verifier(config))


#: Gate kinds that judge the plan: they get the change set as the environment's plan.
def _cloudformation_only(env: Environment) -> bool:
    return bool(env.section("cloudformation")) and not env.section("terraform")


@pytest.hookimpl
def pytest_devops_plan(env: Environment, config: pytest.Config) -> Plan | None:
    """For a CloudFormation environment without Terraform, the change set *is* the plan
    every plan-stage gate reads (built-in rules, ``devops_plan``, the cost gates)."""
    return cloudformation_plan(config) if _cloudformation_only(env) else None


@pytest.hookimpl
def pytest_devops_priced_plan(plan: Plan, env: Environment, config: pytest.Config) -> Plan | None:
    """A change set is priced through its resources' Terraform twin types."""
    if not _cloudformation_only(env):
        return None
    from pytest_devops.cost.settings import cost_settings
    from pytest_devops.verify.cfn_cost import terraform_view

    region = cost_settings(env).region or runtime(config).aws_section.get("region")
    return terraform_view(plan, region)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    rt = session.config.stash.get(_RUNTIME, None)
    if rt is None:
        return
    from pytest_devops.errors import DevopsError

    try:
        rt.finish(success=int(exitstatus) == 0)
    except DevopsError as exc:
        rt.teardown_note = f"TEARDOWN FAILED: {exc}"
        if int(exitstatus) == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    rt = config.stash.get(_RUNTIME, None)
    if rt is not None and rt.teardown_note:
        red = rt.teardown_note.startswith("TEARDOWN FAILED")
        terminalreporter.write_line(
            state(config).redactor.redact(f"devops ephemeral: {rt.teardown_note}"), red=red
        )


def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    rt = config.stash.get(_RUNTIME, None)
    if rt is not None and rt.teardown_note:
        report["teardown"] = rt.teardown_note


def pytest_unconfigure(config: pytest.Config) -> None:
    rt = config.stash.get(_RUNTIME, None)
    if rt is not None and rt.emulator is not None:
        rt.emulator.stop()


def _verifier(config: pytest.Config) -> AwsVerifier:
    def make() -> AwsVerifier:
        from pytest_devops.verify.aws_checks import AwsVerifier

        return AwsVerifier(runtime(config).session())

    verifier: AwsVerifier = state(config).resource("aws.verifier", make)
    return verifier


@pytest.fixture(scope="session")
def devops_aws(request: pytest.FixtureRequest) -> AwsVerifier:
    """Assertions on the selected environment's AWS resources (boto3, retries on)."""
    return _verifier(request.config)


@pytest.fixture(scope="session")
def devops_changeset(request: pytest.FixtureRequest) -> ChangeSetPlan:
    """The run's CloudFormation change set (created once per run; never executed here)."""
    return _changeset(request.config)


@pytest.fixture(scope="session")
def devops_cfn_plan(request: pytest.FixtureRequest) -> Plan:
    """The run's change set as the project's plan model."""
    plan = cloudformation_plan(request.config)
    assert plan is not None
    return plan


@pytest.fixture(scope="session")
def devops_deployment(request: pytest.FixtureRequest) -> Deployment:
    """The deployed environment (outputs, start time). Ephemeral: applied once per run
    first, torn down at the end per policy. Long-lived: only read."""
    return _deployment(request.config)
