"""The ``aws:`` section of an environment, parsed once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_devops.errors import ConfigError

if TYPE_CHECKING:
    from pytest_devops.aws.session import AwsSettings
    from pytest_devops.config import Environment


def parse(env: Environment) -> AwsSettings:
    from pytest_devops.aws.session import AwsSettings

    try:
        return AwsSettings.from_section(env.section("aws"))
    except ConfigError as exc:
        raise exc.within(str(env.config_file) if env.config_file else None, env.name) from None
