"""Which process of which test run this is, and the directory the run's processes share.

Under pytest-xdist the controller and its workers are one run: a worker knows the run's
``testrunuid`` and its own id (``gw0``...). Without xdist there is one process, ``main``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class RunId:
    worker: str
    #: xdist's id of the run, known on a worker (``None`` elsewhere).
    testrunuid: str | None = None

    @property
    def is_worker(self) -> bool:
        return self.worker != "main"

    @classmethod
    def of(cls, config: pytest.Config) -> RunId:
        workerinput: Any = getattr(config, "workerinput", None)
        if not isinstance(workerinput, dict):
            return cls("main")
        run = workerinput.get("testrunuid")
        return cls(str(workerinput.get("workerid", "worker")), str(run) if run else None)

    @staticmethod
    def shared_dir(config: pytest.Config, name: str) -> Path:
        """``NAME`` in a directory every process of this run reaches: under pytest's base
        temporary directory (a worker's is inside the controller's), so pytest keeps and
        cleans it as it does ``tmp_path``; a fresh private directory without one."""
        factory = getattr(config, "_tmp_path_factory", None)
        if factory is None:
            return Path(tempfile.mkdtemp(prefix="pytest-devops-")) / name
        base = Path(factory.getbasetemp())
        return (base.parent if hasattr(config, "workerinput") else base) / name
