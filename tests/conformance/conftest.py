"""Fixtures of the conformance tests: moto's server on 127.0.0.1 (shared with tests/verify)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "verify"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "conformance"))

from aws_server import aws_endpoint, aws_session, boto  # noqa: F401 - moto fixtures
