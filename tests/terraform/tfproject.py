"""A copy of ``examples/terraform`` per test, driven by the real Terraform CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "terraform"
TERRAFORM = shutil.which("terraform")
#: Quotes, backslashes, longer than 40 characters: every way a secret gets escaped.
SECRET = 'tok"en\\with\'quotes-and\\\\backslashes-0123456789abcdef0123456789'

needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project in a temporary directory, with the secret in the environment."""
    if TERRAFORM is None:
        pytest.skip("terraform is not on PATH")
    dest = tmp_path / "project"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".devops", ".state",
                                                                 ".terraform", "__pycache__"))
    monkeypatch.setenv("EXAMPLE_API_TOKEN", SECRET)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", "/dev/null")  # no user CLI configuration
    monkeypatch.delenv("PYTEST_DEVOPS_PLAN", raising=False)
    monkeypatch.delenv("PYTEST_DEVOPS_CONFIRM_APPLY", raising=False)
    monkeypatch.chdir(dest)
    return dest


def files_holding(root: Path, secret: str) -> list[str]:
    """Every file under ``root`` that holds ``secret`` in a readable form."""
    import json

    forms = {secret.encode(), json.dumps(secret)[1:-1].encode(), secret[:20].encode(),
             secret[-20:].encode()}
    found = []
    for path in root.rglob("*"):
        if path.is_file() and any(f in path.read_bytes() for f in forms):
            found.append(str(path.relative_to(root)))
    return found
