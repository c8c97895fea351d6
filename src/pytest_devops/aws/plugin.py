"""AWS as pytest fixtures and built-in gates.

Fixture: ``devops_aws`` (:class:`~pytest_devops.aws.checks.AwsVerifier`). Built-in
post-deploy gates come from ``aws.checks`` in ``devops.yaml``; they read the deployed
environment the deploy engine gives (:data:`pytest_devops.cloudformation.keys.DEPLOYMENT`).
The session's AWS side (a moto emulator when asked for, the boto3 session) is
:data:`pytest_devops.aws.keys.AWS`.

Only the standard library, pytest and light pytest_devops modules are imported here;
boto3 and moto are imported when a fixture or gate first needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.aws.keys import AWS
from pytest_devops.aws.runtime import ENDPOINT_KEY, AwsRuntime
from pytest_devops.aws.settings import parse
from pytest_devops.cloudformation.keys import DEPLOYMENT
from pytest_devops.context import GateContext

if TYPE_CHECKING:
    from pytest_devops.aws.checks import AwsVerifier
    from pytest_devops.config import Environment
    from pytest_devops.gates import BuiltinGate

VERIFIER: pytest.StashKey[AwsVerifier] = pytest.StashKey()


def _runtime(config: pytest.Config) -> AwsRuntime | None:
    ctx = GateContext.find(config)
    return ctx.peek(AWS) if ctx is not None else None


def _no_aws(ctx: GateContext) -> AwsRuntime:
    from pytest_devops.errors import GateError

    raise GateError(
        f"environment {ctx.env.name} has no `aws:` or `cloudformation:` section",
        hint="add one to devops.yaml (see docs/verify-aws.md)",
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    ctx = GateContext.find(config)
    if ctx is None:
        return
    ctx.provide(AWS, _no_aws)
    if not ({"aws", "cloudformation"} & set(ctx.env.sections)):
        return
    workerinput = getattr(config, "workerinput", None)
    rt = AwsRuntime(ctx.env, ctx.settings(parse), ctx.redactor, workerinput)
    config.stash[AWS] = rt
    from pytest_devops.errors import DevopsError

    try:
        rt.start_emulator()
    except DevopsError as exc:  # asked for in devops.yaml: a usage error, with the hint
        raise pytest.UsageError(f"aws.emulator: {exc}") from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the xdist controller: share the emulator with each worker."""
    rt = _runtime(node.config)
    if rt is not None and rt.endpoint:
        node.workerinput[ENDPOINT_KEY] = rt.endpoint


def pytest_report_header(config: pytest.Config) -> str | None:
    rt = _runtime(config)
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
    from pytest_devops.cloudformation.settings import parse_ephemeral

    eph = GateContext.of(config).settings(parse_ephemeral)
    if eph.enabled:
        parts.append(f"ephemeral (teardown: {eph.teardown})")
    else:
        parts.append("long-lived: verified, never applied by tests")
    return "devops aws: " + ", ".join(parts)


def pytest_devops_secrets(env: Environment, config: pytest.Config) -> list[object]:
    """Mask the role's external id from the start."""
    external_id = env.section("aws").get("external_id") if env.section("aws") else None
    return [external_id] if external_id else []


def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    checks = env.section("aws").get("checks") if env.section("aws") else None
    if not checks:
        return []
    from pytest_devops.aws.gates import builtin_gates

    ctx = GateContext.of(config)
    return builtin_gates(checks, lambda: ctx.get(DEPLOYMENT), lambda: _verifier(config))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """After the deploy engine tore down (tryfirst), stop the emulator."""
    rt = _runtime(session.config)
    if rt is not None:
        rt.stop_emulator()


def pytest_unconfigure(config: pytest.Config) -> None:
    rt = _runtime(config)
    if rt is not None:
        rt.stop_emulator()


def _verifier(config: pytest.Config) -> AwsVerifier:
    def make() -> AwsVerifier:
        from pytest_devops.aws.checks import AwsVerifier

        return AwsVerifier(ctx.get(AWS).session())

    ctx = GateContext.of(config)
    return ctx.cached(VERIFIER, make)


@pytest.fixture(scope="session")
def devops_aws(request: pytest.FixtureRequest) -> AwsVerifier:
    """Assertions on the selected environment's AWS resources (boto3, retries on)."""
    return _verifier(request.config)
