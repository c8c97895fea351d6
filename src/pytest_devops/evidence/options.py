"""The evidence feature's command-line options (declared before its plugin loads)."""

from __future__ import annotations

from typing import Any


def add_options(group: Any) -> None:
    group.addoption(
        "--devops-evidence",
        metavar="PATH",
        help="write the run's evidence bundle to PATH (plan, report, JUnit, SARIF, prices, "
        "config, versions, SHA-256 manifest); replay it with pytest-devops replay.",
    )
