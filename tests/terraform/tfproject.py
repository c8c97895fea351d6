"""A copy of ``examples/terraform`` per test, driven by the real Terraform CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
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


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in the project, as a user runs it (its own process, the project's env)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project, capture_output=True, text=True, timeout=600, check=False,
    )


def logging_terraform(folder: Path, *, fail_on: str = "", sleep: float = 0) -> Path:
    """The real CLI behind a wrapper that notes each command (and fails ``fail_on``)."""
    calls = folder / "calls.log"
    script = folder / "tf-logged"
    fail = (f'if [ "$1" = "{fail_on}" ]; then echo "Error: {fail_on} refused by the '
            f'test wrapper" >&2; exit 1; fi\n') if fail_on else ""
    script.write_text(f'#!/bin/sh\necho "$1" >> {calls}\nsleep {sleep}\n{fail}'
                      f'exec {TERRAFORM} "$@"\n')
    script.chmod(0o755)
    return script


def set_binary(project: Path, binary: Path, extra: str = "") -> None:
    """Point every environment of the project's config at ``binary``."""
    text = (project / "devops.yaml").read_text()
    text = text.replace("      working_dir: infra\n",
                        f"      working_dir: infra\n      binary: {binary}\n{extra}")
    (project / "devops.yaml").write_text(text)
