"""Which roots a change affects: the files ``git diff BASE...HEAD`` names, matched
against each root's directory and the local modules it calls."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from pytest_devops.errors import DevopsError
from pytest_devops.monorepo.roots import Root

__all__ = ["affected", "changed_files", "git_toplevel"]


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise DevopsError("git is not installed (needed to find what changed)") from None
    if done.returncode != 0:
        err = " ".join(done.stderr.split())[:300]
        raise DevopsError(f"git {' '.join(args)} failed: {err}")
    return done.stdout


def git_toplevel(path: Path) -> Path:
    return Path(_git(["rev-parse", "--show-toplevel"], path).strip())


def changed_files(repo: Path, base: str, head: str = "HEAD") -> list[str]:
    """Paths (relative to the repository) changed between the merge base of ``base`` and
    ``head``, and ``head``; a rename counts at both its old and new path."""
    for ref in (base, head):
        try:
            _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo)
        except DevopsError:
            raise DevopsError(
                f"{ref!r} is not a commit here; fetch it first (actions/checkout with "
                "fetch-depth: 0, or git fetch origin BRANCH)"
            ) from None
    out = _git(["diff", "--name-status", "-z", "--no-renames", f"{base}...{head}"], repo)
    fields = out.split("\0")
    return sorted({fields[i + 1] for i in range(0, len(fields) - 1, 2)})


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory + "/")


def affected(roots: Iterable[Root], files: Iterable[str], config: str | None = None) -> list[Root]:
    """Roots with a changed file in their directory or a module they call; every root when
    the shared configuration (``config``, relative to the repository) changed."""
    files = list(files)
    roots = list(roots)
    if config and config in files:
        return roots
    out = []
    for root in roots:
        if any(_in(f, d) for f in files for d in (root.path, *root.modules)):
            out.append(root)
    return out


def _in(path: str, directory: str) -> bool:
    """A file of a root or module directory: anything under it (gate tests, templates,
    var files); for the top of the repository, only the files directly there."""
    return "/" not in path if directory == "." else _under(path, directory)
