"""The offline demo, end to end: examples/demo/run.py and `pytest --devops-env=local` there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DEMO_", "AWS_")) and k != "PYTEST_DEVOPS_ENV"}
    env.update(extra)
    return env


def _run(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=240, check=False)


def _checkov() -> str | None:
    """The real Checkov, as the demo finds it. Missing: the pipeline runs without its
    gate locally; in CI (which installs it) that is a failure."""
    exe = os.environ.get("PYTEST_DEVOPS_CHECKOV") or shutil.which("checkov")
    if exe and Path(exe).is_file():
        return exe
    if os.environ.get("CI"):
        pytest.fail("checkov not installed (set PYTEST_DEVOPS_CHECKOV; tox installs it)")
    return None


def test_pipeline_passes() -> None:
    checkov = _checkov()
    proc = _run("examples/demo/run.py", env=_env())
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    if checkov is not None:  # the Checkov gate ran on the template, and passed
        assert f"Checkov: {checkov}" in out
        assert "security    2 passed" in out
    for line in (
        "PASS   plan (CloudFormation change set)",
        "PASS   plan gates (rules, security, cost)",
        "PASS   apply (execute the change set)",
        "PASS   post-deploy gates (AWS, HTTP, host)",
        "PASS   teardown",
    ):
        assert line in out
    assert "6 to create" in out
    assert "stack pytest-devops-demo deleted" in out
    assert out.rstrip().endswith("PIPELINE PASSED")


def test_broken_service_fails_its_gate_and_still_tears_down() -> None:
    # Also the run without Checkov: the demo must say so, not pass silently.
    proc = _run("examples/demo/run.py", "--break-service",
                env=_env(PYTEST_DEVOPS_CHECKOV=str(DEMO / "no-such-checkov")))
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "Checkov NOT FOUND: the Checkov security gate is switched off" in out
    assert "FAIL   post-deploy gates (AWS, HTTP, host)" in out
    assert "FAIL devops.yaml::url[service]: service: GET http://127.0.0.1:" in out
    assert "status 503, expected 200" in out
    assert "PASS   teardown" in out
    assert out.rstrip().endswith("PIPELINE FAILED: a gate failed")


def test_break_by_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("demo_service", DEMO / "service.py")
    assert spec is not None
    assert spec.loader is not None
    service = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(service)
    for value, broken in (("1", True), ("yes", True), ("0", False), ("false", False)):
        monkeypatch.setenv("DEMO_BREAK", value)
        assert service.broken_by_env() is broken, value
    monkeypatch.delenv("DEMO_BREAK")
    assert not service.broken_by_env()


def test_pytest_alone_in_the_demo_project() -> None:
    # Checkov is exercised by the pipeline test; here the session's own emulator,
    # apply and teardown are the point.
    proc = _run("-m", "pytest", "--devops-env=local", "-p", "no:xdist",
                env=_env(DEMO_SECURITY="false"), cwd=DEMO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "devops ephemeral: deleted stack pytest-devops-demo" in proc.stdout
    assert "outcome: pass" in proc.stdout
