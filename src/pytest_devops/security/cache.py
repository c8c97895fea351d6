"""Scan results on disk, keyed by what decides them: the scanned files' content, the
Checkov version and the settings that change what Checkov reports.

Safe under pytest-xdist: the first process to want a key takes an exclusive lock on it and
scans; the others wait for the lock and read its result. Entries are written atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pytest_devops.atomic import write_text
from pytest_devops.errors import GateError
from pytest_devops.security.parse import RawScan
from pytest_devops.shared import exclusive

FORMAT = "pytest-devops/security-cache@1"


def cache_key(*, digest: str, checkov: str, settings: Mapping[str, Any]) -> str:
    """Our version counts too: an entry holds Checkov's output as this version parsed and
    masked it, and a newer one may mask more."""
    from pytest_devops import __version__

    doc = {"format": FORMAT, "inputs": digest, "checkov": checkov, "settings": settings,
           "pytest_devops": __version__}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


class ScanCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def entry(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> RawScan | None:
        try:
            doc = json.loads(self.entry(key).read_text(encoding="utf-8"))
            if doc.get("format") != FORMAT:
                return None
            return RawScan.from_dict(doc["scan"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or unreadable: scan again

    def store(self, key: str, scan: RawScan) -> None:
        doc = {"format": FORMAT, "created": time.time(), "scan": scan.to_dict()}
        write_text(self.entry(key), json.dumps(doc))

    def get_or_scan(self, key: str, scan: Callable[[], RawScan], *, wait: float,
                    run_id: str | None = None) -> tuple[RawScan, bool]:
        """The cached scan for ``key`` (``True``), or a fresh one, stored (``False``).

        The cache is an optimisation: a directory that cannot be made or written (a file
        in the way, a read-only checkout, a full disk) means a scan that is not stored,
        never a scan that fails.

        ``run_id`` names one test run shared by several processes (pytest-xdist workers):
        a scan that could not run is then remembered for that run, so the workers waiting
        on the lock get its error instead of each trying again (a timeout would otherwise
        cost its whole length once per worker).
        """
        found = self.load(key)
        if found is not None:
            return found, True
        lock = self.directory / f"{key}.lock"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            lock.touch()
        except OSError:
            return scan(), False
        with exclusive(
            lock,
            wait,
            busy=f"another process held the scan lock {lock} for more than {wait:g}s",
            hint="another run is scanning the same inputs (the lock ends with its process): "
            "let it finish, or set security.cache: false",
        ):
            found = self.load(key)  # another process may have scanned while we waited
            if found is not None:
                return found, True
            failed = self.directory / f"{key}.{run_id}.error" if run_id else None
            if failed is not None and failed.is_file():
                message, _, hint = failed.read_text(encoding="utf-8").partition("\0")
                raise GateError(message, hint=hint or None)
            try:
                fresh = scan()
            except GateError as exc:
                if failed is not None:
                    with contextlib.suppress(OSError):
                        write_text(failed, f"{exc.message}\0{exc.hint or ''}")
                raise
            with contextlib.suppress(OSError):
                self.store(key, fresh)
            return fresh, False
