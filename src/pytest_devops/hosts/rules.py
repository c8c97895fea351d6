"""The hardening rules as a registry: each name maps to the function that checks it.

Named by dotted path (as testinfra names its backends) and imported when the rule runs,
so the rule modules depend on :mod:`pytest_devops.hosts.hardening` and nothing depends
back on them. Pure library: no pytest import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module

from pytest_devops.errors import GateFailure
from pytest_devops.findings import Finding
from pytest_devops.hosts.hardening import HardeningConfig, Problem, Runner, ensure_reachable

Check = Callable[[Runner, HardeningConfig], list[Problem]]

#: rule name -> ``module:function`` of its check, in the order reports list them.
RULES: Mapping[str, str] = {
    "sshd-password-auth": "pytest_devops.hosts.sshd:password_auth",
    "sshd-root-login": "pytest_devops.hosts.sshd:root_login",
    "firewall": "pytest_devops.hosts.firewall:firewall",
    "intrusion-prevention": "pytest_devops.hosts.system:intrusion_prevention",
    "auto-updates": "pytest_devops.hosts.system:auto_updates",
    "world-writable": "pytest_devops.hosts.system:world_writable",
}


def rule(name: str) -> Check:
    """The check of rule ``name`` (imported now)."""
    module, function = RULES[name].split(":")
    found: Check = getattr(import_module(module), function)
    return found


def problems(name: str, runner: Runner, config: HardeningConfig) -> list[Problem]:
    """What ``runner``'s host does wrong by rule ``name`` (empty: it passes)."""
    return rule(name)(runner, config)


def check(name: str, runner: Runner, config: HardeningConfig, host: str) -> None:
    """Raise :class:`GateFailure` with one finding per problem unless the host passes;
    :class:`~pytest_devops.hosts.hardening.Unreachable` when no command can be run on it."""
    ensure_reachable(runner)
    found = problems(name, runner, config)
    if not found:
        return
    findings = [
        Finding(rule=f"hardening-{name}", message=p.message, address=host, details=dict(p.details))
        for p in found
    ]
    head = f"{host}: {name}: " + (found[0].message if len(found) == 1 else f"{len(found)} problems")
    raise GateFailure(head, findings)
