"""Run the project's workflows with ``act``, on this machine, offline.

One :class:`Act` per test: it runs a caller workflow of a sample repository (made by the
test, see :mod:`samples`) with nektos/act in host mode (``-P ubuntu-latest=-self-hosted``,
``--action-offline-mode``), every pinned third-party action replaced by its archive
(``--local-repository OWNER/REPO@SHA=DIR``), ``pytest-devops/pytest-devops@v1`` by a
snapshot of this checkout, act's artifact server, ``GITHUB_API_URL`` and the Actions OIDC
token URL pointed at the local GitHub API stand-in (``tests/github/github_fake_api.py``)
and AWS at a moto server. :class:`ActRun` has each job's result and log.

The archives come from one setting, ``PYTEST_DEVOPS_CI_ACTIONS`` (default
``../shared/ci-actions`` beside the project root); see :func:`pinned_actions`.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHIVES_SETTING = "PYTEST_DEVOPS_CI_ACTIONS"
OWN = "pytest-devops/pytest-devops"
_USES = re.compile(r"uses:\s*([\w.-]+)/([\w.-]+)(?:/[\w./-]+)?@([0-9a-f]{40})\b")
#: where the archives are unpacked and the installed venvs kept between sessions
CACHE = Path(tempfile.gettempdir()) / f"pytest-devops-act-{os.getuid()}"
TOKEN = "ghs_" + "Tok3n'\"\\" + "x" * 40  # quotes and a backslash: must never be echoed


def pinned_actions() -> list[str]:
    """``OWNER/REPO@SHA`` of every third-party action the actions and workflows pin."""
    files = [*ROOT.glob("actions/*/action.yml"), *ROOT.glob(".github/workflows/*.yml")]
    found = {f"{m[1]}/{m[2]}@{m[3]}" for f in files for m in _USES.finditer(f.read_text())}
    return sorted(a for a in found if not a.startswith(OWN + "@"))


def archives_dir() -> Path:
    return Path(os.environ.get(ARCHIVES_SETTING) or ROOT.parent / "shared" / "ci-actions")


def archive_name(action: str) -> str:
    return action.replace("/", "+", 1) + ".tar.gz"


def missing_archives() -> list[str]:
    where = archives_dir()
    return [archive_name(a) for a in pinned_actions() if not (where / archive_name(a)).is_file()]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def unpack_actions() -> dict[str, Path]:
    """Unpack each pinned action's archive once (shared by sessions and xdist workers)."""
    out: dict[str, Path] = {}
    dest = CACHE / "actions"
    with _locked(CACHE / "actions.lock"):
        for action in pinned_actions():
            folder = dest / action.replace("/", "+", 1)
            if not (folder / ".unpacked").is_file():
                shutil.rmtree(folder, ignore_errors=True)
                with tarfile.open(archives_dir() / archive_name(action)) as tar:
                    tar.extractall(dest, filter="tar")
                (folder / ".unpacked").touch()
            out[action] = folder
    return out


def snapshot_project(dest: Path) -> Path:
    """This checkout as committed plus uncommitted changes (what ``@v1`` would be)."""
    files = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def tool_cache(cache: Path) -> str:
    """act's tool cache with this interpreter as CPython X.Y.Z; returns ``X.Y``."""
    version = ".".join(map(str, sys.version_info[:3]))
    base = Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    x64 = cache / "tool_cache" / "Python" / version / "x64"
    (x64 / "bin").mkdir(parents=True, exist_ok=True)
    for name in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        link = x64 / "bin" / name
        if not link.exists():
            link.symlink_to(base)
    (x64.parent / "x64.complete").touch()
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ActRun:
    """One act run: each job's result (``success``/``failure``; absent: not run) and log."""

    returncode: int
    results: dict[str, str] = field(default_factory=dict)
    logs: dict[str, list[str]] = field(default_factory=dict)
    raw: str = ""

    def result(self, job: str) -> str:
        """The result of the job whose name ends with ``job`` (e.g. ``Apply (staging)``);
        ``skipped`` when it never ran."""
        found = [r for name, r in self.results.items() if name.split("/")[-1] == job]
        assert len(found) <= 1, f"{job!r} names several jobs: {self.results}"
        return found[0] if found else "skipped"

    def outcomes(self) -> dict[str, str]:
        return {name.split("/")[-1]: r for name, r in self.results.items()}

    def log(self, job: str) -> str:
        return "\n".join(
            line
            for name, lines in self.logs.items()
            if name.split("/")[-1] == job
            for line in lines
        )


@dataclass
class Act:
    """Runs act for one test: its own cache, artifact store and ports."""

    workdir: Path
    actions: Mapping[str, Path]
    project: Path
    env: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)

    @property
    def artifact_dir(self) -> Path:
        return self.workdir / "artifacts"

    def run(self, repo: Path, event: str, payload: dict[str, object], workflow: str) -> ActRun:
        cache = self.workdir / "act-cache"
        python = tool_cache(cache)
        (self.workdir / "event.json").write_text(json.dumps(payload))
        args = [
            "act",
            event,
            "--json",
            "-W",
            f".github/workflows/{workflow}",
            "-e",
            str(self.workdir / "event.json"),
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--action-cache-path",
            str(cache),
            "--artifact-server-path",
            str(self.artifact_dir),
            "--artifact-server-addr",
            "127.0.0.1",
            "--artifact-server-port",
            str(free_port()),
            "--container-daemon-socket",
            "-",
            "--local-repository",
            f"{OWN}@v1={self.project}",
            "--var",
            f"PYTHON_VERSION={python}",
        ]
        for action, folder in self.actions.items():
            args += ["--local-repository", f"{action}={folder}"]
        for key, value in self.env.items():
            args += ["--env", f"{key}={value}"]
        for key, value in {"GITHUB_TOKEN": TOKEN, **self.secrets}.items():
            args += ["-s", f"{key}={value}"]
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
        # the test venv's bin is not the runner's: the setup action installs its own
        env["PATH"] = os.pathsep.join(
            p for p in env["PATH"].split(os.pathsep) if Path(p) != Path(sys.executable).parent
        )
        proc = subprocess.run(
            args, cwd=repo, env=env, capture_output=True, text=True, timeout=1200, check=False
        )
        run = ActRun(proc.returncode, raw=proc.stdout + proc.stderr)
        for line in proc.stdout.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            job = str(entry.get("job") or "").rstrip()
            if not job:
                continue
            run.logs.setdefault(job, []).append(str(entry.get("msg", "")))
            if "jobResult" in entry:
                run.results[job] = entry["jobResult"]
        (self.workdir / "act.log").write_text(run.raw)
        return run
