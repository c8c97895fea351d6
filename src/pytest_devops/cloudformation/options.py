"""The deploy engine's command-line options (declared before its plugin loads)."""

from __future__ import annotations

from typing import Any

CONFIRM_ENV = "PYTEST_DEVOPS_CONFIRM_APPLY"
CHANGE_SET_ENV = "PYTEST_DEVOPS_CHANGE_SET"


def add_options(group: Any) -> None:
    group.addoption(
        "--devops-confirm-apply",
        metavar="ENV",
        help=f"allow tests to apply the protected environment ENV (also ${CONFIRM_ENV}).",
    )
    group.addoption(
        "--devops-change-set",
        metavar="NAME_OR_ARN",
        help="use this existing CloudFormation change set as the plan instead of creating "
        f"one (also ${CHANGE_SET_ENV}).",
    )
