"""Fixtures for a run that selects no environment: each says what is missing.

Registered instead of the features when neither ``--devops-env`` (or its variable or
ini key), ``--devops-stage`` nor ``--devops-report`` is given, so that a gate asking for
``devops_plan`` is an error naming the option, not an unknown fixture.
"""

from __future__ import annotations

from typing import Any

import pytest

FIXTURES = (
    "devops_plan",
    "devops_scan",
    "devops_cost",
    "devops_http",
    "devops_aws",
    "devops_changeset",
    "devops_cfn_plan",
    "devops_deployment",
)


def _needs_environment(name: str) -> Any:
    @pytest.fixture(scope="session", name=name)
    def fixture(request: pytest.FixtureRequest) -> None:
        """Needs an environment: run with --devops-env NAME."""
        from pytest_devops.context import GateContext

        GateContext.of(request.config)  # raises: no environment selected

    return fixture


for _name in FIXTURES:
    globals()[f"_{_name}"] = _needs_environment(_name)
