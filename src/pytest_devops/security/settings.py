"""The ``security:`` section of an environment, parsed once: the policy, its baseline checked."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.security.policy import SecurityPolicy


def parse(env: Environment) -> SecurityPolicy:
    """The environment's security policy; a skip with a bad ``expires``, a reserved
    ``extra_args`` flag or a baseline file that is missing or unreadable is a
    :class:`ConfigError` naming the file, line and key."""
    from pytest_devops.security.gates import env_policy

    policy = env_policy(env)
    if policy.enabled and policy.baseline:
        from pytest_devops.security import baseline

        path = env.path(policy.baseline)
        if not path.is_file():
            raise env.error(
                "security.baseline", f"baseline file {path} not found",
                hint="write it with `pytest-devops baseline --env NAME`, or remove the key",
            )
        baseline.load(path)
    return policy
