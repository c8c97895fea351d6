"""The security feature's shared result: ``ctx.get(SCAN)`` is the session's one scan."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_devops.security.model import ScanReport


class ScanFailed:
    """A scan that raised: kept so that every user of the scan sees the same error."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


#: The environment's Checkov scan (or the error it raised), made once per session.
SCAN: pytest.StashKey[ScanReport | ScanFailed] = pytest.StashKey()
