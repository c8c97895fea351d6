"""The built-in gates as test items: children of the config file (``devops.yaml::NAME``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.context import GATE, GateContext
from pytest_devops.errors import GateError, GateFailure
from pytest_devops.gates import BuiltinGate


class DevopsFile(pytest.File):
    """The config file as the parent of the built-in gates."""

    def collect(self) -> Iterator[pytest.Item]:
        ctx = GateContext.of(self.config)
        for contributed in self.config.hook.pytest_devops_builtin_gates(
            env=ctx.env, config=self.config
        ):
            for gate in contributed or ():
                yield BuiltinGateItem.from_parent(self, name=gate.name, gate=gate)


class BuiltinGateItem(pytest.Item):
    """A gate enabled in ``devops.yaml``, reported like any user test."""

    def __init__(self, *, gate: BuiltinGate, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = gate
        self.stash[GATE] = gate
        self.add_marker(f"devops_{gate.kind}")

    def runtest(self) -> None:
        # A gate that passes may say what it checked ("checked nothing" must show).
        self.note = self.gate.run(GateContext.of(self.config)) or ""

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.gate.kind} gate {self.name}"

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (GateFailure, GateError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def builtin_items(session: pytest.Session, config_path: Path) -> list[pytest.Item]:
    """Collect the config file's built-in gates the way pytest collects a file, so they
    are counted, and a broken contribution is a collection error naming the file."""
    parent = DevopsFile.from_parent(session, path=config_path)
    report = parent.ihook.pytest_make_collect_report(collector=parent)
    parent.ihook.pytest_collectreport(report=report)
    return [node for node in report.result if isinstance(node, pytest.Item)]
