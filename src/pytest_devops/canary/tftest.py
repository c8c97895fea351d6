"""The ``terraform test`` mutant: a copy of the project whose Terraform outputs no longer
follow the configuration (each one-line output value becomes a constant), so a
``terraform test`` that asserts on what the configuration computes must fail."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

#: Directories not copied: caches, state, virtualenvs, version control.
IGNORED = (".git", ".terraform", ".devops", ".state", ".venv", ".tox", "node_modules",
           "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".checkov")
CONSTANT = '"canary-mutant"'
_OUTPUT = re.compile(r'(^\s*output\s+"[^"]+"\s*\{[^{}]*?^\s*value\s*=\s*)([^\n]*?)\s*$',
                     re.M | re.S)
_OPENERS = {"(": ")", "[": "]", "{": "}"}


def _balanced(expr: str) -> bool:
    depth = 0
    for ch in expr:
        depth += ch in _OPENERS
        depth -= ch in _OPENERS.values()
    return depth == 0 and not expr.endswith(("<<", "<<-"))


def mutate_outputs(text: str) -> tuple[str, int]:
    """``text`` (HCL) with every one-line output value replaced by a constant."""
    count = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal count
        if not _balanced(m.group(2)) or m.group(2).strip() == CONSTANT:
            return m.group(0)
        count += 1
        return m.group(1) + CONSTANT

    return _OUTPUT.sub(swap, text), count


def mutated_copy(project: Path, working_dir: Path, target: Path) -> int:
    """Copy ``project`` to ``target`` and mutate the outputs of the ``.tf`` files under
    its ``working_dir``; return how many outputs changed."""
    shutil.copytree(project, target, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED))
    changed = 0
    root = target / working_dir.resolve().relative_to(project.resolve())
    for tf in sorted(root.rglob("*.tf")):
        text, n = mutate_outputs(tf.read_text("utf-8"))
        if n:
            tf.write_text(text, "utf-8")
            changed += n
    return changed
