"""Hooks pytest-devops adds; the project's own built-in gates are registered through them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pytest

    from pytest_devops.config import Environment
    from pytest_devops.gates import BuiltinGate


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
