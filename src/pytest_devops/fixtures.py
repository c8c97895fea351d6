"""Core fixtures: the selected environment and the redactor."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.redact import Redactor


@pytest.fixture(scope="session")
def devops_env(request: pytest.FixtureRequest) -> Environment:
    """The selected environment's settings; an error (not a skip) when none is selected."""
    from pytest_devops.context import GateContext

    return GateContext.of(request.config).env


@pytest.fixture(scope="session")
def devops_redactor(request: pytest.FixtureRequest) -> Redactor:
    """The session's redactor: ``devops_redactor.add(value)`` masks a secret everywhere."""
    from pytest_devops.context import session_redactor

    return session_redactor(request.config)
