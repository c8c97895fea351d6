"""The ``urls:`` section of an environment, parsed once: one probe per name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_devops.errors import ConfigError

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.http.model import Probe


def parse(env: Environment) -> dict[str, Probe]:
    from pytest_devops.http.model import parse_urls

    file = str(env.config_file) if env.config_file else None
    try:
        return parse_urls(env.section("urls"), file=file, root=env.root)
    except ConfigError as exc:
        raise exc.within(file, env.name) from None
