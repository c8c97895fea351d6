from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.security.checkov import ENV_VAR


@pytest.fixture(scope="session")
def checkov_exe() -> str:
    """The real Checkov (its own environment). Missing: a skip locally, a failure in CI."""
    exe = os.environ.get(ENV_VAR) or shutil.which("checkov")
    if not exe or not Path(exe).is_file():
        message = f"checkov not installed (set {ENV_VAR}; tox installs it into its own venv)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return exe


@pytest.fixture(scope="session")
def scan_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session: tests that scan the same inputs share one Checkov run."""
    return tmp_path_factory.mktemp("scan-cache")


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    path = Path(__file__).with_name("sarif-2.1.0-subset.schema.json")
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema
