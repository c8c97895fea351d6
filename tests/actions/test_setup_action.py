"""The setup action: private venvs under RUNNER_TEMP (or the runner's shared
PYTEST_DEVOPS_VENV_DIR), reused when the cache restored them, put on PATH; the package from
the action's own ref unless a version is given; Checkov exported as PYTEST_DEVOPS_CHECKOV;
inputs checked. (The act tier, tests/pipeline, installs for real.)"""

from __future__ import annotations

import hashlib
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


def venv_of(root: Path, spec: str) -> Path:
    return root / f"venv-{hashlib.sha256(spec.encode()).hexdigest()[:12]}"


def test_restored_venvs_are_reused_and_exported(tmp_path: Path) -> None:
    job = Runner(tmp_path / "job")
    root = job.runner_temp / "pytest-devops"
    venv = venv_of(root, "pytest-devops[aws,github]==0.1.0")
    restored_venv(venv, "pytest-devops[aws,github]==0.1.0")
    restored_venv(root / "checkov-3.3.30", "checkov==3.3.30")
    cache_keys: list[str] = []

    def cache(with_: dict[str, str]) -> dict[str, str]:
        cache_keys.append(with_["key"])
        assert with_["path"] == str(root)
        return {"cache-hit": "true"}

    run = job.run(
        "setup",
        {"version": "0.1.0"},
        uses={"actions/setup-python": python_step, "actions/cache": cache},
    )
    assert not run.failed, run.stdout + run.step("install").stderr
    assert cache_keys == ["pytest-devops-Linux-X64-py3.12.8-0.1.0-aws+github-checkov3.3.30"]
    assert run.outputs == {
        "python": str(venv / "bin" / "python"),
        "bin-dir": str(venv / "bin"),
        "checkov": str(root / "checkov-3.3.30" / "bin" / "checkov"),
        "version": "0.1.0",
        "cache-hit": "true",
    }
    assert run.path_file == [str(venv / "bin")]
    checkov = root / "checkov-3.3.30" / "bin" / "checkov"
    assert run.env_file == {"PYTEST_DEVOPS_CHECKOV": str(checkov)}
    assert run.step("install").stdout.count("reusing") == 2


def test_by_default_the_package_comes_from_the_actions_own_ref(tmp_path: Path) -> None:
    """The key names the source it was built from; a shared venv dir skips the cache."""
    job = Runner(tmp_path / "job")
    shared = tmp_path / "shared-venvs"
    job.env["PYTEST_DEVOPS_VENV_DIR"] = str(shared)
    key = (
        job.run(
            "setup",
            {"extras": "", "checkov-version": ""},
            uses={"actions/setup-python": python_step},
        )
        .step("key")
        .outputs["key"]
    )
    source_id = key.removesuffix("--checkov")
    assert source_id.startswith("src-"), key
    assert len(source_id) == 24, key
    spec = f"pytest-devops @ {source_id}"
    restored_venv(venv_of(shared, spec), spec)
    run = job.run(
        "setup", {"extras": "", "checkov-version": ""}, uses={"actions/setup-python": python_step}
    )
    assert not run.failed, run.step("install").stderr
    assert not run.step("cache").ran
    assert "reusing" in run.step("install").stdout
    assert run.outputs["checkov"] == ""
    assert run.env_file == {}


@pytest.mark.parametrize("field", ["version", "checkov-version", "extras"])
def test_hostile_inputs_are_refused(tmp_path: Path, field: str) -> None:
    job = Runner(tmp_path / "job")
    run = job.run(
        "setup",
        {field: HOSTILE},
        uses={"actions/setup-python": python_step, "actions/cache": lambda w: {}},
    )
    no_pwned(tmp_path, ROOT)
    assert run.failed
    assert run.step("key").outputs == {}
    assert [c for c, _ in run.step("key").commands] == ["error title=pytest-devops (invalid-input)"]
    assert not run.step("install").ran
    assert not (job.runner_temp / "pytest-devops").exists()
