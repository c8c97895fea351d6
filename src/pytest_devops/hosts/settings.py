"""The ``hosts:`` and ``hardening:`` sections of an environment, parsed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_devops.errors import ConfigError

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.hosts.hardening import HardeningConfig
    from pytest_devops.hosts.targets import HostTarget


@dataclass(frozen=True)
class HostsSettings:
    targets: tuple[HostTarget, ...]
    hardening: HardeningConfig | None


def parse(env: Environment) -> HostsSettings:
    from pytest_devops.hosts.hardening import parse_hardening
    from pytest_devops.hosts.targets import parse_hosts

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
