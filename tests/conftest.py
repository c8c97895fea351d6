from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS_ENV = "PYTEST_DEVOPS_CORPUS"


def corpus_dir() -> Path:
    """The shared real-world corpus (``../shared/corpus`` beside the project by default)."""
    return Path(os.environ.get(CORPUS_ENV, ROOT.parent / "shared" / "corpus")).resolve()


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = corpus_dir()
    if not (path / "plans").is_dir():
        pytest.skip(f"real-world corpus not found at {path} (set {CORPUS_ENV})")
    return path
