"""Running Checkov: find the executable, build an offline command line, run it isolated.

Checkov pins its own dependencies (an old boto3, ``packaging<24``), so it never shares the
project's environment: it runs as a subprocess from wherever it was installed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_devops.errors import GateError, GateTimeout, ToolMissing

ENV_VAR = "PYTEST_DEVOPS_CHECKOV"
INSTALL_HINT = (
    "install Checkov apart from the project: `pipx install checkov`, or "
    "`python -m venv ~/.checkov && ~/.checkov/bin/pip install checkov`; then set "
    f"security.checkov in devops.yaml or {ENV_VAR} to the executable if it is not on PATH"
)
#: Keep Checkov offline and quiet: no guideline/severity mapping download, no PyPI
#: version check, no platform configuration fetches, no secret validation calls.
OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    "CKV_GITHUB_CONFIG_FETCH_DATA": "FALSE",
    "CKV_GITLAB_CONFIG_FETCH_DATA": "FALSE",
    "CKV_VALIDATE_SECRETS": "FALSE",
    "LOG_LEVEL": "WARNING",
    "PYTHONIOENCODING": "utf-8",
}
#: Checkov reads these as its command-line options. Platform credentials would turn an
#: offline scan into an upload; the others would skip checks, add var files or turn a
#: crash into exit 0 outside devops.yaml and the cache key. Never passed on.
DROPPED_ENV = (
    "BC_API_KEY", "BC_API_URL", "BC_CA_BUNDLE", "PRISMA_API_URL", "CKV_FRAMEWORK", "CKV_CHECK",
    "CKV_SKIP_CHECK", "CKV_NO_FAIL_ON_CRASH", "CKV_VAR_FILE", "CKV_EVAL_VARS",
    "CKV_EXTERNAL_CHECKS_PUBLIC_KEY", "CKV_POLICY_METADATA_FILTER",
    "CKV_POLICY_METADATA_FILTER_EXCEPTION", "CKV_SECRETS_SCAN_FILE_TYPE",
    "CKV_SECRETS_SCAN_ENABLE_ALL", "CKV_SECRETS_SCAN_BLOCK_LIST",
    "CKV_SKIP_RESOURCES_WITHOUT_VIOLATIONS", "DOWNLOAD_EXTERNAL_MODULES", "EXTERNAL_MODULES_DIR",
)


#: Settings files Checkov reads unasked, from each ``-d`` directory, the working directory
#: and the home directory.
CONFIG_FILES = (".checkov.yaml", ".checkov.yml")


def refuse_implicit_config(directories: Sequence[str], cwd: Path) -> None:
    """Refuse to scan where Checkov would read a ``.checkov.yaml`` of its own.

    Such a file can skip checks without a reason or expiry, turn on soft-fail or an upload
    to a platform, outside ``devops.yaml`` and the cache key; and it would make a
    developer's scan differ from CI's when it sits in a home directory.
    """
    places = dict.fromkeys([*map(Path, directories), cwd, Path(os.path.expanduser("~"))])
    found = [str(d / name) for d in places for name in CONFIG_FILES if (d / name).is_file()]
    if found:
        raise GateError(
            f"checkov would read its own settings from {', '.join(found)}, which "
            "devops.yaml does not show",
            hint="move them into the environment's security section (skip_checks with a "
            "reason, checks, frameworks, soft_fail, extra_args) and remove the file",
        )


@dataclass(frozen=True)
class Executable:
    path: str
    source: str

    def identity(self) -> str:
        """What changes when Checkov is upgraded: its version, else the file's stat."""
        version = installed_version(self.path)
        if version:
            return f"checkov {version}"
        st = os.stat(self.path)
        return f"{os.path.realpath(self.path)}:{st.st_size}:{st.st_mtime_ns}"


def resolve(
    configured: str | None, root: Path, environ: Mapping[str, str] | None = None
) -> Executable:
    """``security.checkov`` > ``$PYTEST_DEVOPS_CHECKOV`` > ``checkov`` on PATH."""
    env = os.environ if environ is None else environ
    for value, source in ((configured, "security.checkov"), (env.get(ENV_VAR), ENV_VAR)):
        if value:
            candidate = Path(os.path.expanduser(value))
            if not candidate.is_absolute() and os.sep in value:
                candidate = root / candidate
            found = str(candidate) if candidate.is_file() else shutil.which(value)
            if found is None or not os.access(found, os.X_OK):
                raise ToolMissing(f"checkov ({value}, from {source})", INSTALL_HINT)
            return Executable(found, source)
    found = shutil.which("checkov", path=env.get("PATH"))
    if found is None:
        raise ToolMissing("checkov", INSTALL_HINT)
    return Executable(found, "PATH")


_VERSION = re.compile(r"""^version\s*=\s*['"]([^'"]+)['"]""", re.M)


def installed_version(executable: str) -> str | None:
    """Checkov's version read from its installation (running ``--version`` costs seconds)."""
    bindir = Path(os.path.realpath(executable)).parent
    for version_file in (
        *bindir.parent.glob("lib/python3*/site-packages/checkov/version.py"),
        *bindir.parent.glob("Lib/site-packages/checkov/version.py"),
    ):
        try:
            match = _VERSION.search(version_file.read_text(encoding="utf-8"))
        except OSError:
            continue
        if match:
            return match.group(1)
    return None


def command(
    exe: Executable,
    *,
    directories: Sequence[str],
    files: Sequence[str],
    frameworks: Sequence[str],
    checks: Sequence[str],
    download_external_modules: bool,
    extra_args: Sequence[str],
) -> list[str]:
    cmd = [exe.path]
    for d in directories:
        cmd += ["-d", d]
    for f in files:
        cmd += ["-f", f]
    if frameworks:
        cmd += ["--framework", *frameworks]
    if checks:
        cmd += ["--check", ",".join(checks)]
    cmd += ["-o", "json", "--skip-download"]
    cmd += ["--download-external-modules", "true" if download_external_modules else "false"]
    return [*cmd, *extra_args]


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


def run(cmd: Sequence[str], *, cwd: Path, timeout: float) -> Completed:
    """Run Checkov; a timeout kills its whole process group and is a :class:`GateTimeout`."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(OFFLINE_ENV)
    kwargs: dict[str, object] = {}
    if sys.platform != "win32":
        kwargs["start_new_session"] = True
    try:
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", **kwargs,  # type: ignore[call-overload]
        )
    except OSError as exc:
        raise GateError(f"could not start checkov ({cmd[0]}): {exc}", hint=INSTALL_HINT) from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise GateTimeout(
            f"checkov did not finish within {timeout:g}s",
            hint="raise security.timeout, or narrow security.paths / security.frameworks",
        ) from None
    return Completed(proc.returncode, out, err)


def _kill(proc: subprocess.Popen[str]) -> None:
    try:
        if sys.platform != "win32":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()
