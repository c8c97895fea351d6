"""moto in server mode on 127.0.0.1 for the AWS tests (one server per test session)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_devops.aws.emulator import Emulator
from pytest_devops.aws.session import AwsSession, AwsSettings

REGION = "us-east-1"
DUMMY = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
         "AWS_DEFAULT_REGION": REGION}


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    """The endpoint of a moto server on a free loopback port, with dummy credentials."""
    saved = {k: os.environ.get(k) for k in DUMMY}
    os.environ.update(DUMMY)
    emulator = Emulator().start()
    try:
        yield emulator.endpoint_url
    finally:
        emulator.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def aws_session(aws_endpoint: str) -> AwsSession:
    return AwsSession(AwsSettings(region=REGION, endpoint_url=aws_endpoint, emulator="moto"))


@pytest.fixture
def boto(aws_session: AwsSession) -> Any:
    """``boto("s3")``: a client of the emulator, to arrange resources."""
    return aws_session.client
