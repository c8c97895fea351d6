"""The security feature's command-line options (declared before its plugin loads)."""

from __future__ import annotations

from typing import Any


def add_options(group: Any) -> None:
    group.addoption(
        "--devops-sarif",
        metavar="PATH",
        help="write the security scan's findings to PATH as SARIF 2.1.0 (for code scanning).",
    )
