"""The setup action: private venvs under RUNNER_TEMP, reused when the cache restored
them, put on PATH; Checkov exported as PYTEST_DEVOPS_CHECKOV; inputs checked."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from ghrunner import HOSTILE, ROOT, Runner, no_pwned


def python_step(with_: dict[str, str]) -> dict[str, str]:
    assert with_ == {"python-version": "3.12", "update-environment": "false"}
    return {"python-path": sys.executable, "python-version": "3.12.8"}


def restored_venv(path: Path, spec: str) -> None:
    """A venv as actions/cache restores it: created earlier, with its spec recorded."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    site = next(path.glob("lib/python*/site-packages"))
    (site / "pytest_devops_src.pth").write_text(
        f"{ROOT / 'src'}\n{sysconfig.get_paths()['purelib']}\n"
    )
    (path / ".spec").write_text(spec)


def test_restored_venvs_are_reused_and_exported(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job")
    root = job.runner_temp / "pytest-devops"
    restored_venv(root / "venv", "pytest-devops[aws,github]==0.1.0")
    restored_venv(root / "checkov-venv", "checkov==3.3.30")
    cache_keys: list[str] = []

    def cache(with_: dict[str, str]) -> dict[str, str]:
        cache_keys.append(with_["key"])
        assert with_["path"] == str(root)
        return {"cache-hit": "true"}

    run = job.run("setup", uses={"actions/setup-python": python_step, "actions/cache": cache})
    assert not run.failed, run.stdout + run.step("install").stderr
    assert cache_keys == ["pytest-devops-Linux-X64-py3.12.8-0.1.0-aws+github-checkov3.3.30"]
    assert run.outputs == {
        "python": str(root / "venv" / "bin" / "python"),
        "bin-dir": str(root / "venv" / "bin"),
        "checkov": str(root / "checkov-venv" / "bin" / "checkov"),
        "version": "0.1.0",
        "cache-hit": "true",
    }
    assert run.path_file == [str(root / "venv" / "bin")]
    assert run.env_file == {"PYTEST_DEVOPS_CHECKOV": str(root / "checkov-venv" / "bin" / "checkov")}
    assert run.step("install").stdout.count("reusing") == 2


def test_a_local_source_skips_the_cache_and_checkov_can_be_skipped(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job")
    root = job.runner_temp / "pytest-devops"
    restored_venv(root / "venv", f"{ROOT}")
    run = job.run(
        "setup",
        {"source": str(ROOT), "extras": "", "checkov-version": ""},
        uses={"actions/setup-python": python_step},
    )
    assert not run.failed, run.step("install").stderr
    assert not run.step("cache").ran
    assert run.outputs["checkov"] == ""
    assert run.env_file == {}


@pytest.mark.parametrize("field", ["version", "checkov-version", "extras", "source"])
def test_hostile_inputs_are_refused(tmp_path: Path, field: str) -> None:
    job = Runner(tmp_path / "job")
    run = job.run(
        "setup",
        {field: HOSTILE},
        uses={"actions/setup-python": python_step, "actions/cache": lambda w: {}},
    )
    no_pwned(tmp_path, ROOT)
    assert run.failed
    assert run.step("install").outputs == {}
    assert [c for c, _ in run.step("install").commands] == [
        "error title=pytest-devops (invalid-input)"
    ]
    assert not (job.runner_temp / "pytest-devops" / "venv").exists()
