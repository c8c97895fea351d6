"""Fixtures of the fault scenarios: the real servers the verification tests use."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import pytest

# Imported before any in-process pytest run: pytester drops the modules a run imported,
# and a class imported again afterwards is a new object (trustme's certificate
# extension lookups then fail).
with contextlib.suppress(ImportError):
    import cryptography.x509  # noqa: F401
    import paramiko  # noqa: F401
    import trustme  # noqa: F401

for _tier in ("verify", "github"):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / _tier))

from aws_server import aws_endpoint, aws_session, boto  # noqa: E402,F401 - moto server
from servers import servers  # noqa: E402,F401 - misbehaving HTTP(S) servers on loopback
from sshd import sshd  # noqa: E402,F401 - OpenSSH server on loopback


@pytest.fixture(scope="session")
def checkov_exe() -> str:
    """The real Checkov (its own environment). Missing: a skip locally, a failure in CI."""
    exe = os.environ.get("PYTEST_DEVOPS_CHECKOV") or shutil.which("checkov")
    if not exe or not Path(exe).is_file():
        message = "checkov not installed (set PYTEST_DEVOPS_CHECKOV)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return exe
