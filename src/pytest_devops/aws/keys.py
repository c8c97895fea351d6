"""The AWS feature's shared result: ``ctx.get(AWS)`` is the session's AWS side."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_devops.aws.runtime import AwsRuntime

#: The session's emulator, endpoint and boto3 session (made when the environment has an
#: ``aws:`` or ``cloudformation:`` section).
AWS: pytest.StashKey[AwsRuntime] = pytest.StashKey()
