"""Fixtures of the verification tests: real servers on 127.0.0.1 (one import line each)."""

from __future__ import annotations

from aws_server import aws_endpoint, aws_session, boto  # noqa: F401 - moto server fixtures
from servers import servers  # noqa: F401 - session fixture: misbehaving HTTP(S) servers
from sshd import sshd  # noqa: F401 - session fixture: OpenSSH server for testinfra
