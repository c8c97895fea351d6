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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.errors import ConfigError, GateError, ToolMissing
from pytest_devops.gates import BuiltinGate

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.gates import GateContext
    from pytest_devops.verify.hardening import HardeningConfig
    from pytest_devops.verify.hosts import HostTarget


@dataclass(frozen=True)
class HostsSettings:
    targets: tuple[HostTarget, ...]
    hardening: HardeningConfig | None


SETTINGS = pytest.StashKey[HostsSettings]()


def _parse(env: Environment) -> HostsSettings:
    from pytest_devops.verify.hardening import parse_hardening
    from pytest_devops.verify.hosts import parse_hosts

    file = str(env.config_file) if env.config_file else None
    key = f"environments.{env.name}.hosts"
    targets = parse_hosts(env.section("hosts") or [], root=env.root, file=file, key=key)
    hardening = parse_hardening(env.section("hardening") if "hardening" in env.sections
                                else None)
    if hardening is not None and hardening.hosts is not None:
        known = {t.name for t in targets}
        unknown = [h for h in hardening.hosts if h not in known]
        if unknown:
            raise ConfigError(
                f"unknown host(s) {', '.join(unknown)}; "
                f"hosts: {', '.join(sorted(known)) or '(none)'}",
                file=file,
                key=f"environments.{env.name}.hardening.hosts",
            )
    if hardening is not None and not targets:
        raise ConfigError(
            "hardening rules need hosts to check",
            file=file,
            key=f"environments.{env.name}.hardening",
            hint="list them under `hosts:` (local:// checks this machine)",
        )
    return HostsSettings(tuple(targets), hardening)


def settings(config: pytest.Config) -> HostsSettings | None:
    from pytest_devops.plugin import session_settings

    return session_settings(config, SETTINGS, _parse)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    settings(config)  # parse now: a wrong setting is a usage error before anything runs


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

    try:
        found = _parse(env)
    except ConfigError:
        return []  # reported as a usage error by pytest_configure
    return [p for t in found.targets for p in (urlsplit(t.url).password,) if p]


def pytest_report_header(config: pytest.Config) -> str | None:
    from pytest_devops.plugin import state

    try:
        found = settings(config)
    except pytest.UsageError:  # already reported by pytest_configure
        return None
    if not found or not found.targets:
        return None
    names = ", ".join(t.name for t in found.targets)
    given = getattr(config.option, "hosts", None)
    note = " (overridden by --hosts)" if given else ""
    return f"devops: hosts {names} from environment {state(config).env_name}{note}"


def _host(ctx: GateContext, target: HostTarget) -> Any:
    def connect() -> Any:
        try:
            import testinfra
        except ImportError:
            raise ToolMissing("pytest-testinfra", "pip install 'pytest-devops[hosts]'") from None
        return testinfra.get_host(target.spec)

    return ctx.resource(f"verify.hosts.host:{target.spec}", connect)


def _gate(rule: str, target: HostTarget, hardening: HardeningConfig) -> BuiltinGate:
    def run(ctx: GateContext) -> None:
        from pytest_devops.verify.hardening import TestinfraRunner, check

        runner = ctx.resource(
            f"verify.hosts.runner:{target.spec}", lambda: TestinfraRunner(_host(ctx, target))
        )
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
