"""Helpers of the tests that run the example projects in subprocesses."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def have_checkov() -> bool:
    """Whether the real Checkov is there (as pytest-devops finds it). Missing: the
    example runs without its security gate locally; in CI (which installs it) a failure."""
    exe = os.environ.get("PYTEST_DEVOPS_CHECKOV") or shutil.which("checkov")
    if exe and Path(exe).is_file():
        return True
    if os.environ.get("CI"):
        pytest.fail("checkov not installed (set PYTEST_DEVOPS_CHECKOV; tox installs it)")
    return False


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the settings the examples read, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DEMO_", "AWS_", "EXAMPLE_", "CONFORMANCE_"))
           and k != "PYTEST_DEVOPS_ENV"}
    return {**env, **extra}
