"""What every hardening rule works with: the command runner, the typed ``hardening:``
section, the problems a rule reports and the reachability check.

Pure library: no pytest or testinfra import. A rule returns the problems it found
(an empty list passes) and raises :class:`~pytest_devops.errors.GateError` when it
cannot decide (a command it needs failed for another reason than the rule). The rules
themselves are named in :mod:`pytest_devops.hosts.rules`.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pytest_devops.errors import GateError

DEFAULT_WORLD_WRITABLE_PATHS = ("/etc", "/usr/local/bin", "/usr/local/sbin")
DEFAULT_IPS = ("fail2ban", "sshguard", "crowdsec")


@dataclass(frozen=True)
class CommandResult:
    rc: int
    stdout: str
    stderr: str = ""


class Runner(Protocol):
    """Runs a shell command on the host being checked."""

    def run(self, command: str) -> CommandResult: ...


class LocalRunner:
    """Runs commands on this machine with ``sh -c`` (optionally with extra environment)."""

    def __init__(self, env: Mapping[str, str] | None = None, timeout: float = 60) -> None:
        self.env = dict(env) if env is not None else None
        self.timeout = timeout

    def run(self, command: str) -> CommandResult:
        try:
            done = subprocess.run(
                ["/bin/sh", "-c", command],
                capture_output=True,
                text=True,
                env=self.env,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GateError(f"command timed out after {self.timeout:g} s: {command}") from None
        return CommandResult(done.returncode, done.stdout, done.stderr)


class TestinfraRunner:
    """Runs commands through a testinfra ``Host`` (any backend: ssh, paramiko, docker...)."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, host: Any) -> None:
        self.host = host

    def run(self, command: str) -> CommandResult:
        result = self.host.run(command)
        return CommandResult(result.rc, result.stdout, result.stderr)


def q(value: str) -> str:
    return shlex.quote(value)


def memo(runner: Runner, key: str, factory: Callable[[], Any]) -> Any:
    """``factory()`` once per runner (rules sharing a reading of the host share it)."""
    cache: dict[str, Any] | None = getattr(runner, "_hardening_memo", None)
    if cache is None:
        cache = {}
        try:
            runner._hardening_memo = cache  # type: ignore[attr-defined]
        except AttributeError:
            return factory()
    if key not in cache:
        cache[key] = factory()
    return cache[key]


@dataclass(frozen=True)
class Problem:
    """One way a host breaks a rule."""

    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HardeningConfig:
    """The ``hardening:`` section, typed. A rule set to ``None`` is turned off."""

    hosts: tuple[str, ...] | None = None
    sshd_config: str | None = "/etc/ssh/sshd_config"
    permit_root_login: tuple[str, ...] = ("no",)
    firewall_allow: tuple[str | int, ...] | None = (22,)
    ips_services: tuple[str, ...] | None = DEFAULT_IPS
    auto_updates: bool = True
    world_writable_paths: tuple[str, ...] | None = DEFAULT_WORLD_WRITABLE_PATHS
    world_writable_exclude: tuple[str, ...] = ()

    def rules(self) -> list[str]:
        """The enabled rules, in the order they are reported."""
        enabled = {
            "sshd-password-auth": self.sshd_config is not None,
            "sshd-root-login": self.sshd_config is not None,
            "firewall": self.firewall_allow is not None,
            "intrusion-prevention": self.ips_services is not None,
            "auto-updates": self.auto_updates,
            "world-writable": self.world_writable_paths is not None,
        }
        return [name for name, on in enabled.items() if on]


def parse_hardening(section: Mapping[str, Any] | None) -> HardeningConfig | None:
    """The typed form of a (schema-valid) ``hardening:`` section; ``None`` when absent.
    An empty section (``hardening: {}``) turns every rule on with its defaults."""
    if section is None:
        return None

    def rule(name: str) -> Mapping[str, Any] | None:
        value = section.get(name, True)
        if value is False:
            return None
        return value if isinstance(value, Mapping) else {}

    sshd, fw, ips, ww = rule("sshd"), rule("firewall"), rule("intrusion_prevention"), rule(
        "world_writable"
    )
    hosts = section.get("hosts")
    return HardeningConfig(
        hosts=tuple(hosts) if hosts is not None else None,
        sshd_config=None if sshd is None else sshd.get("config", "/etc/ssh/sshd_config"),
        permit_root_login=tuple((sshd or {}).get("permit_root_login", ("no",))),
        firewall_allow=None if fw is None else tuple(fw.get("allow", (22,))),
        ips_services=None if ips is None else tuple(ips.get("services", DEFAULT_IPS)),
        auto_updates=rule("auto_updates") is not None,
        world_writable_paths=None
        if ww is None
        else tuple(ww.get("paths", DEFAULT_WORLD_WRITABLE_PATHS)),
        world_writable_exclude=tuple((ww or {}).get("exclude", ())),
    )


class Unreachable(ConnectionError):
    """No command can be run on the host: the rule cannot be judged (an error)."""


_ALIVE = "pytest-devops-alive"


def ensure_reachable(runner: Runner) -> None:
    """Raise :class:`Unreachable` unless ``runner`` runs a command (checked once per runner).

    Some backends (OpenSSH's client) report a failed connection as exit status 255 and no
    output, which a rule would otherwise read as "nothing found on the host"."""

    def probe() -> bool:
        result = runner.run(f"echo {_ALIVE}")
        if result.rc != 0 or _ALIVE not in result.stdout:
            text = (result.stderr or result.stdout).strip()
            raise Unreachable(text.splitlines()[0] if text else f"exit status {result.rc}")
        return True

    memo(runner, "reachable", probe)
