"""The local GitHub API server (tests/github/github_fake_api.py) and a real Terraform root
whose plan drifts on demand."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from drift_root import MAIN_TF, TOKEN, Root

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "github"))

import github_fake_api as ghserver


@pytest.fixture(scope="session")
def _server() -> Iterator[Any]:
    with ghserver.running() as server:
        yield server


@pytest.fixture
def github(_server: Any, monkeypatch: pytest.MonkeyPatch) -> ghserver.GitHub:
    _server.gh = ghserver.GitHub(url=_server.gh.url)
    for name in list(os.environ):
        if name.startswith("GITHUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GITHUB_API_URL", _server.gh.url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/infra")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_RUN_ID", "77")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return _server.gh  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Root:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH")
    path = tmp_path_factory.mktemp("drift-root")
    (path / "main.tf").write_text(MAIN_TF)
    r = Root(path)
    r.tf("init", "-input=false")
    r.tf("apply", "-auto-approve", "-var=size=1")
    return r
