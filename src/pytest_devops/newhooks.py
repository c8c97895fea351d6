"""Hooks pytest-devops adds; the project's own built-in gates are registered through them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pytest_devops.cloudformation.ephemeral import Deployment
    from pytest_devops.config import Environment
    from pytest_devops.gates import BuiltinGate
    from pytest_devops.plan.model import Plan


def pytest_devops_builtin_gates(
    env: Environment, config: pytest.Config
) -> Iterable[BuiltinGate] | None:
    """Return the built-in gates this plugin contributes for ``env``.

    Called once per session when an environment is selected; the gates become test
    items of the config file (``devops.yaml::NAME``).
    """


def pytest_devops_secrets(env: Environment, config: pytest.Config) -> Iterable[object] | None:
    """Return secret values to mask in every output, known at session start."""


def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    """Amend the gate report before it is redacted and written (add sections, totals)."""


@pytest.hookspec(firstresult=True)
def pytest_devops_plan(env: Environment, config: pytest.Config) -> Plan | None:
    """Make the plan of ``env`` when this plugin is its source, else return ``None``.

    Called once per session, the first time a gate or fixture needs the plan. The plan
    feature answers last, from ``terraform:``; the AWS feature answers for a
    CloudFormation environment with its change set.
    """


@pytest.hookspec(firstresult=True)
def pytest_devops_priced_plan(plan: Plan, env: Environment, config: pytest.Config) -> Plan | None:
    """Return the view of ``plan`` the cost engine prices, when it is not the plan itself
    (a change set's resources as their Terraform twins), else ``None``."""


@pytest.hookspec(firstresult=True)
def pytest_devops_deployment(env: Environment, config: pytest.Config) -> Deployment | None:
    """Return the deployed environment (outputs, start time) when this plugin deploys or
    reads it, else ``None``. The Terraform feature answers for a Terraform root (applied
    first when the environment is ephemeral); without an answer the AWS feature reads a
    CloudFormation stack or aws.outputs_file."""
