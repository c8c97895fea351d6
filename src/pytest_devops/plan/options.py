"""The plan feature's command-line options (declared before its plugin loads)."""

from __future__ import annotations

from typing import Any


def add_options(group: Any) -> None:
    group.addoption(
        "--devops-plan",
        metavar="PATH",
        help="gate this plan (a JSON plan or a binary one) instead of the environment's "
        "plan source (also $PYTEST_DEVOPS_PLAN).",
    )
