"""Fixtures of the fault scenarios: the real servers the verification tests use."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "verify"))

from aws_server import aws_endpoint, aws_session, boto  # noqa: F401 - moto server
from servers import servers  # noqa: F401 - misbehaving HTTP(S) servers on loopback
from sshd import sshd  # noqa: F401 - OpenSSH server on loopback
