"""Security gates: Checkov run for real (as a subprocess, offline), failing closed.

``scan(policy, root)`` runs one scan and returns a :class:`ScanReport`; the pytest glue
(built-in gate, ``devops_scan`` fixture, ``--devops-sarif``) lives in ``plugin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_devops.lazy import exports

if TYPE_CHECKING:
    from pytest_devops.security.model import ScanReport, ScanResult
    from pytest_devops.security.policy import SecurityPolicy, SkipRule

__all__ = ["ScanReport", "ScanResult", "SecurityPolicy", "SkipRule"]

__getattr__ = exports(
    __name__,
    {
        "ScanReport": "pytest_devops.security.model",
        "ScanResult": "pytest_devops.security.model",
        "SecurityPolicy": "pytest_devops.security.policy",
        "SkipRule": "pytest_devops.security.policy",
    },
)
