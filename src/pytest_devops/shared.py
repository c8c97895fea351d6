"""Work done once per test run, even when pytest-xdist runs several worker processes.

A :class:`SharedDir` is a directory every process of one run can reach (see
:meth:`pytest_devops.runid.RunId.shared_dir`). :meth:`SharedDir.once` runs a computation
under a lock file: the first process computes and writes the JSON result; the others
wait for the lock and read it. A failure is recorded too, so it is reported by every
process instead of being retried (one apply per run, never two), whatever the exception.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from pytest_devops.atomic import write_text
from pytest_devops.errors import GateError, GateTimeout


class SharedDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def lock(self, name: str, timeout: float) -> AbstractContextManager[None]:
        """An exclusive lock between processes on ``NAME.lock`` (see :func:`exclusive`)."""
        path = self.path / f"{name}.lock"
        return exclusive(
            path,
            timeout,
            busy=f"waited {timeout:.0f}s for {path}",
            hint="another worker of this run is still planning or applying",
        )

    def read(self, name: str) -> Any:
        path = self.path / f"{name}.json"
        try:
            return json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None

    def write(self, name: str, value: Any) -> None:
        write_text(self.path / f"{name}.json", json.dumps(value))

    def once(self, name: str, compute: Callable[[], Any], timeout: float) -> Any:
        """The result of ``compute()``, computed by the first process to get here."""
        with self.lock(name, timeout):
            found = self.read(name)
            if found is None:
                try:
                    found = {"ok": compute()}
                except Exception as exc:  # any failure: the others must not try again
                    if isinstance(exc, GateError):
                        message, hint = exc.message, exc.hint
                    else:
                        message, hint = f"{type(exc).__name__}: {exc}", None
                    self.write(name, {"error": message, "hint": hint, "pid": os.getpid()})
                    raise
                self.write(name, found)
        if "error" in found:
            where = "" if found.get("pid") == os.getpid() else " (in another worker)"
            raise GateError(f"{found['error']}{where}", hint=found.get("hint"))
        return found["ok"]


@contextmanager
def exclusive(path: Path, timeout: float, *, busy: str, hint: str) -> Iterator[None]:
    """Hold an exclusive lock between processes on the file ``path``.

    The operating system releases it when its holder dies, so a crashed process never
    blocks the others; waiting longer than ``timeout`` seconds is a :class:`GateTimeout`
    with ``busy`` and ``hint`` as its message.
    """
    deadline = time.monotonic() + timeout
    with open(path, "a+b") as handle:
        while not _try_lock(handle.fileno()):
            if time.monotonic() > deadline:
                raise GateTimeout(busy, hint=hint)
            time.sleep(0.05)
        yield  # closing the file releases the lock


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
