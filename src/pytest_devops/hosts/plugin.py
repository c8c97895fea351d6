"""Hosts in pytest: testinfra's ``host`` fixture on the environment's hosts, hardening gates.

testinfra parametrises its ``host`` fixture from ``--hosts``, else a module's
``testinfra_hosts``, else the local machine. With ``--devops-env`` the environment's
``hosts:`` come third: while testinfra generates a module's tests, ``--hosts`` reads as
the environment's host specs when the user gave neither. The fixture is not shadowed.

Imports only the standard library, pytest and light pytest_devops modules at load;
testinfra is imported when a gate connects to a host.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.context import GateContext
from pytest_devops.errors import GateError, ToolMissing
from pytest_devops.gates import BuiltinGate
from pytest_devops.hosts.settings import HostsSettings, parse

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.hosts.hardening import HardeningConfig
    from pytest_devops.hosts.targets import HostTarget

#: The session's connections and command runners, one per host spec.
HOSTS: pytest.StashKey[dict[str, Any]] = pytest.StashKey()


def settings(config: pytest.Config) -> HostsSettings | None:
    ctx = GateContext.find(config)
    return ctx.settings(parse) if ctx is not None else None


def _env_hosts_apply(metafunc: pytest.Metafunc) -> str | None:
    """The ``--hosts`` value the environment stands in for, or None to leave testinfra be."""
    if "_testinfra_host" not in metafunc.fixturenames:
        return None
    if getattr(metafunc.config.option, "hosts", "absent") is not None:
        return None  # --hosts given (or testinfra not loaded)
    if hasattr(metafunc.module, "testinfra_hosts"):
        return None
    found = settings(metafunc.config)
    if not found or not found.targets:
        return None
    return ",".join(t.spec for t in found.targets)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> Generator[None, Any, None]:
    hosts = _env_hosts_apply(metafunc)
    if hosts is None:
        yield
        return
    metafunc.config.option.hosts = hosts
    try:
        yield
    finally:
        metafunc.config.option.hosts = None


def pytest_devops_secrets(env: Environment, config: pytest.Config) -> list[str]:
    """Passwords written into host URLs (ssh://user:password@host) are masked."""
    from urllib.parse import urlsplit

    found = settings(config)
    if found is None:
        return []
    return [p for t in found.targets for p in (urlsplit(t.url).password,) if p]


def pytest_report_header(config: pytest.Config) -> str | None:
    found = settings(config)
    if not found or not found.targets:
        return None
    names = ", ".join(t.name for t in found.targets)
    given = getattr(config.option, "hosts", None)
    note = " (overridden by --hosts)" if given else ""
    return f"devops: hosts {names} from environment {GateContext.of(config).env.name}{note}"


def _runner(ctx: GateContext, target: HostTarget) -> Any:
    """The session's command runner on ``target`` (connected on first use)."""
    runners = ctx.cached(HOSTS, dict)
    if target.spec not in runners:
        try:
            import testinfra
        except ImportError:
            raise ToolMissing("pytest-testinfra", "pip install 'pytest-devops[hosts]'") from None
        from pytest_devops.hosts.hardening import TestinfraRunner

        runners[target.spec] = TestinfraRunner(testinfra.get_host(target.spec))
    return runners[target.spec]


def _gate(rule: str, target: HostTarget, hardening: HardeningConfig) -> BuiltinGate:
    def run(ctx: GateContext) -> None:
        from pytest_devops.hosts.rules import check

        runner = _runner(ctx, target)
        try:
            check(rule, runner, hardening, target.name)
        except AssertionError:
            raise
        except GateError as exc:  # named like a failure: which host, which rule
            raise GateError(f"{target.name}: {rule}: {exc.message}", hint=exc.hint) from None
        except Exception as exc:
            # Connection refused, authentication failed...: the rule could not be judged.
            raise GateError(
                f"{target.name}: cannot run commands on {target.url}: "
                f"{type(exc).__name__}: {exc}",
                hint="check the host URL, ssh_config and identity file under `hosts:`",
            ) from exc

    return BuiltinGate(
        name=f"hardening[{rule}:{target.name}]",
        kind="postdeploy",
        run=run,
        description=f"hardening rule {rule} on {target.name}",
    )


def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    found = settings(config)
    if found is None or found.hardening is None:
        return []
    wanted = found.hardening.hosts
    targets = [t for t in found.targets if wanted is None or t.name in wanted]
    return [
        _gate(rule, target, found.hardening)
        for target in targets
        for rule in found.hardening.rules()
    ]
