"""The canary feature's command-line options (declared before its plugin loads)."""

from __future__ import annotations

from typing import Any


def add_options(group: Any) -> None:
    group.addoption(
        "--devops-canary",
        action="store_true",
        help="after the gates ran, run the plan-stage gates on mutants of the plan and "
        "fail on every gate that still passes (a gate that cannot fail).",
    )
