"""Install Checkov into a private virtual environment, once (for tox, CI, a fresh machine).

``python -m pytest_devops.security.install --venv DIR --version X.Y.Z``: does nothing when
``$PYTEST_DEVOPS_CHECKOV`` names an installed Checkov outside DIR, or DIR already holds
that version; else creates DIR and ``pip install checkov==X.Y.Z`` into it. Checkov pins
its own dependencies, so it never goes into the project's environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path

from pytest_devops.errors import GateError
from pytest_devops.security.checkov import ENV_VAR, installed_version


def executable(directory: Path) -> Path:
    return directory / ("Scripts/checkov.cmd" if os.name == "nt" else "bin/checkov")


def ensure(directory: Path, version: str) -> Path:
    """The Checkov executable in ``directory``, installed there if it is not yet."""
    exe = executable(directory)
    if exe.is_file() and installed_version(str(exe)) == version:
        return exe
    if directory.is_dir() and any(directory.iterdir()) and not exe.is_file():
        # Re-creating the venv empties the directory first: only ever one of Checkov's own
        # (another version), never other files or another virtual environment.
        raise GateError(f"{directory} is not empty and holds no Checkov",
                        hint="give --venv a new directory, or one made by this command")
    venv.EnvBuilder(with_pip=True, clear=directory.exists()).create(directory)
    python = directory / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    f"checkov=={version}"], check=True)
    return exe


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_devops.security.install")
    parser.add_argument("--venv", required=True, type=Path, help="directory of the venv")
    parser.add_argument("--version", required=True, help="Checkov version to install")
    args = parser.parse_args(argv)
    chosen = os.environ.get(ENV_VAR)
    target = args.venv.resolve()
    if chosen and Path(chosen).is_file() and target not in Path(chosen).resolve().parents:
        print(f"checkov: using {chosen} (from {ENV_VAR})")
        return 0
    try:
        exe = ensure(target, args.version)
    except GateError as exc:
        print(f"checkov: error: {exc}", file=sys.stderr)
        return 2
    print(f"checkov: {exe} ({args.version})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
