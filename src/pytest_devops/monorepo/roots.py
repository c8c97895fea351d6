"""The Terraform roots of a repository: listed in ``devops.yaml`` (``roots:``, paths or
globs) or discovered (every directory of ``.tf`` files that no other directory calls as
a local module), and the directories each one reads through local module calls."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pytest_devops.errors import ConfigError
from pytest_devops.monorepo.hcl import module_calls

__all__ = ["Root", "dependencies", "discover", "load_roots"]

#: Never roots, never searched: Terraform's own cache, VCS and tool directories.
SKIP_DIRS = frozenset({".terraform", ".git", ".devops", "node_modules", ".venv", ".tox"})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Root:
    """A Terraform root: its path relative to the repository, a name for job and
    artifact names, and the environments to plan (empty: the caller's default)."""

    path: str
    name: str
    environments: tuple[str, ...] = ()
    config: str = ""
    modules: tuple[str, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The matrix row: ``gates`` is the directory of ``config`` (where pytest runs)."""
        gates = PurePosixPath(self.config).parent.as_posix()
        out: dict[str, Any] = {"root": self.path, "name": self.name, "config": self.config,
                               "gates": gates}
        if self.environments:
            out["environments"] = list(self.environments)
        return out


def _has_tf(directory: Path) -> bool:
    return any(
        p.is_file() and (p.name.endswith(".tf") or p.name.endswith(".tf.json"))
        for p in directory.iterdir()
    )


def _tf_dirs(repo: Path) -> list[Path]:
    out = []
    stack = [repo]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(d.iterdir())
        except OSError:
            continue
        if any(e.is_file() and (e.name.endswith(".tf") or e.name.endswith(".tf.json"))
               for e in entries):
            out.append(d)
        stack += [e for e in reversed(entries)
                  if e.is_dir() and not e.is_symlink() and e.name not in SKIP_DIRS]
    return out


def _local_targets(directory: Path) -> list[tuple[Path, str]]:
    """(module directory, source) of each local module call (``./`` or ``../``)."""
    out = []
    for call in module_calls(directory):
        src = call.source.replace("\\", "/")
        if src.startswith(("./", "../")) or src in (".", ".."):
            out.append(((directory / src).resolve(), call.source))
    return out


def dependencies(root: Path, repo: Path) -> tuple[str, ...]:
    """Every directory ``root`` reads through local module calls, transitively, relative
    to ``repo`` (modules outside the repository are left out)."""
    seen: dict[Path, None] = {}
    stack = [root.resolve()]
    while stack:
        d = stack.pop()
        if d in seen:
            continue
        seen[d] = None  # a called directory that is gone still counts: it was deleted
        if d.is_dir():
            stack += [t for t, _ in _local_targets(d)]
    repo = repo.resolve()
    out = []
    for d in list(seen)[1:]:
        try:
            out.append(d.relative_to(repo).as_posix())
        except ValueError:
            continue
    return tuple(sorted(set(out)))


def _rel(path: Path, repo: Path) -> str:
    rel = path.resolve().relative_to(repo.resolve()).as_posix()
    return "." if rel in ("", ".") else rel


def _name_of(rel: str) -> str:
    return "root" if rel == "." else re.sub(r"[^A-Za-z0-9_.-]+", "-", rel).strip("-")


def discover(repo: Path) -> list[str]:
    """Directories with ``.tf`` files that no other directory of the repository calls as
    a local module, relative to ``repo``."""
    dirs = _tf_dirs(repo)
    called = {t for d in dirs for t, _ in _local_targets(d)}
    return [_rel(d, repo) for d in dirs if d.resolve() not in called]


def _problem(message: str, config: Path, steps: tuple[str | int, ...], hint: str | None = None
             ) -> ConfigError:
    from pytest_devops.config_problems import line_of

    key = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")
    return ConfigError(message, file=str(config), key=key, line=line_of(config, steps),
                       hint=hint)


def _entries(raw: Any, config: Path) -> Iterable[tuple[int, Mapping[str, Any]]]:
    if not isinstance(raw, list):
        raise _problem("expected a list of paths or {path, name, environments}", config,
                       ("roots",))
    for i, entry in enumerate(raw):
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
            raise _problem("expected a path or a mapping with `path`", config, ("roots", i))
        unknown = set(entry) - {"path", "name", "environments"}
        if unknown:
            raise _problem(f"unknown key {sorted(unknown)[0]!r}; expected path, name, "
                           "environments", config, ("roots", i))
        yield i, entry


def load_roots(doc: Mapping[str, Any], config: Path, repo: Path) -> list[Root]:
    """The roots ``devops.yaml`` lists (globs expanded), else the discovered ones."""
    base = config.parent.resolve()
    listed: list[tuple[str, Mapping[str, Any], int]] = []
    if "roots" in doc:
        for i, entry in _entries(doc["roots"], config):
            pattern = entry["path"]
            if PurePosixPath(pattern).is_absolute() or ".." in PurePosixPath(pattern).parts:
                raise _problem(f"{pattern!r} is outside the repository", config,
                               ("roots", i, "path"),
                               "give a path relative to the directory of devops.yaml")
            matches = sorted(p for p in base.glob(pattern) if p.is_dir() and _has_tf(p))
            if not matches:
                raise _problem(f"{pattern!r} matches no directory with .tf files", config,
                               ("roots", i, "path"))
            if "name" in entry and len(matches) > 1:
                raise _problem("`name` needs a path that matches one directory", config,
                               ("roots", i, "name"))
            for m in matches:
                listed.append((_rel(m, repo), entry, i))
    else:
        listed = [(rel, {}, -1) for rel in discover(base)]
        listed = [(_rel(base / rel, repo), e, k) for rel, e, k in listed]
    roots: dict[str, Root] = {}
    for rel, entry, i in listed:
        name = str(entry.get("name") or _name_of(rel))
        if not _NAME.match(name):
            raise _problem(f"invalid root name {name!r}", config, ("roots", i, "name"),
                           "letters, digits, '.', '_' and '-'")
        envs = entry.get("environments", [])
        if not (isinstance(envs, list) and all(isinstance(e, str) for e in envs)):
            raise _problem("expected a list of environment names", config,
                           ("roots", i, "environments"))
        own = repo / rel / "devops.yaml"
        cfg = _rel(own, repo) if own.is_file() else _rel(config, repo)
        root = Root(rel, name, tuple(envs), cfg, dependencies(repo / rel, repo))
        clash = next((r for r in roots.values() if r.name == name and r.path != rel), None)
        if clash is not None:
            raise _problem(f"two roots are named {name!r}: {clash.path} and {rel}", config,
                           ("roots", i) if i >= 0 else ("roots",), "give one a `name`")
        roots.setdefault(rel, root)
    return list(roots.values())
