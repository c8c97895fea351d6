"""The ``cloudformation:`` and ``ephemeral:`` sections of an environment, parsed once."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_devops.cloudformation.ephemeral import EphemeralSettings
    from pytest_devops.cloudformation.model import CfnSettings
    from pytest_devops.config import Environment


def parse(env: Environment) -> CfnSettings:
    from pytest_devops.cloudformation.model import CfnSettings

    return CfnSettings.from_section(env.section("cloudformation"), env.root)


def parse_ephemeral(env: Environment) -> EphemeralSettings:
    from pytest_devops.cloudformation.ephemeral import EphemeralSettings

    return EphemeralSettings.of(env)
