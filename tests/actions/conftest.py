from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ghrunner import ArtifactStore, Runner

SHIM_BIN = Path(__file__).parent / "bin"


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    return Runner(tmp_path / "job", extra_path=[SHIM_BIN])


@pytest.fixture
def artifacts(tmp_path: Path) -> ArtifactStore:
    root = tmp_path / "artifacts"
    root.mkdir()
    return ArtifactStore(root)
