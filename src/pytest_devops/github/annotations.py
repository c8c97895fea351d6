"""Workflow-command annotations (``::error file=...,line=...::message``) for a report.

Findings with a file become annotations on that line; a failing gate with no located
finding gets one annotation without a file. Soft-failed gates are warnings. Properties
and messages are escaped, so no report text can start a command of its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from pytest_devops.findings import Finding
from pytest_devops.github.escape import escape_data, escape_property
from pytest_devops.report.model import Gate, GateReport

MESSAGE_LIMIT = 4000


@dataclass(frozen=True)
class Annotation:
    level: str  # error | warning | notice
    message: str
    title: str = ""
    file: str | None = None
    line: int | None = None
    end_line: int | None = None

    def command(self) -> str:
        props = []
        if self.file:
            props.append(f"file={escape_property(self.file)}")
            if self.line is not None:
                props.append(f"line={self.line}")
                if self.end_line is not None and self.end_line >= self.line:
                    props.append(f"endLine={self.end_line}")
        if self.title:
            props.append(f"title={escape_property(self.title)}")
        head = f"::{self.level} {','.join(props)}" if props else f"::{self.level}"
        message = (
            self.message
            if len(self.message) <= MESSAGE_LIMIT
            else (self.message[: MESSAGE_LIMIT - 1] + "…")
        )
        return f"{head}::{escape_data(message)}"


def collect_annotations(report: GateReport) -> list[Annotation]:
    """Every annotation for ``report``: errors first, then warnings, in report order.

    Paths are as the findings give them; :func:`commands` makes them relative.
    """
    found: list[Annotation] = []
    for gate in report.gates:
        if gate.outcome not in ("fail", "error"):
            continue
        level = "warning" if gate.soft_fail else "error"
        located = [f for f in gate.findings if f.file]
        for f in located:
            found.append(_finding(gate, f, level))
        if not located:
            found.append(_gate(gate, level))
    return sorted(found, key=lambda a: a.level != "error")


def _finding(gate: Gate, f: Finding, level: str) -> Annotation:
    title = f"{gate.label} {f.rule}" + (f" {f.address}" if f.address else "")
    message = f.message or f.rule
    if f.guideline:
        message += f"\nGuideline: {f.guideline}"
    message += f"\nGate: {gate.nodeid}"
    return Annotation(
        level=level,
        message=message,
        title=title[:200],
        file=f.file,
        line=f.line,
        end_line=f.end_line,
    )


def _gate(gate: Gate, level: str) -> Annotation:
    unlocated = [f.summary() for f in gate.findings]
    message = gate.message.strip() or gate.label
    if unlocated and not gate.message.strip():
        message = "\n".join(unlocated)
    return Annotation(level=level, message=message, title=f"{gate.label} {gate.nodeid}"[:200])


def relative(path: str, root: str | os.PathLike[str] | None = None) -> str:
    """``path`` relative to ``root`` when it is under it (GitHub places repo-relative paths)."""
    if not os.path.isabs(path):
        return PurePosixPath(path.replace("\\", "/")).as_posix()
    base = Path(root if root is not None else os.environ.get("GITHUB_WORKSPACE") or os.getcwd())
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path


def commands(
    found: list[Annotation], limit: int, root: str | os.PathLike[str] | None = None
) -> list[str]:
    """The workflow commands for at most ``limit`` annotations, and a notice for the rest.

    Absolute paths under ``root`` (default ``$GITHUB_WORKSPACE``, else the working
    directory) become relative, which is how GitHub places an annotation in a file.
    """
    shown = [replace(a, file=relative(a.file, root)) if a.file else a for a in found[:limit]]
    lines = [a.command() for a in shown]
    omitted = len(found) - len(lines)
    if omitted > 0:
        lines.append(
            Annotation(
                "notice",
                f"{omitted} more annotation{'s' if omitted != 1 else ''} left out "
                f"(limit {limit}); the job summary lists every finding.",
                title="pytest-devops",
            ).command()
        )
    return lines
