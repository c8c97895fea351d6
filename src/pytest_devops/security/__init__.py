"""Security gates: Checkov run for real (as a subprocess, offline), failing closed.

``scan(policy, root)`` runs one scan and returns a :class:`ScanReport`; the pytest glue
(built-in gate, ``devops_scan`` fixture, ``--devops-sarif``) lives in ``plugin``.
"""

from __future__ import annotations

from pytest_devops.security.model import ScanReport, ScanResult
from pytest_devops.security.policy import SecurityPolicy, SkipRule

__all__ = ["ScanReport", "ScanResult", "SecurityPolicy", "SkipRule"]
