"""Which GitHub Actions run wrote a gate report, and whether it is this one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

#: Environment variables naming the GitHub Actions run (and attempt) that writes a report.
RUN_VARIABLES = {"id": "GITHUB_RUN_ID", "attempt": "GITHUB_RUN_ATTEMPT"}


def current_run(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The GitHub Actions run this process belongs to (empty outside Actions)."""
    return {key: environ[name] for key, name in RUN_VARIABLES.items() if environ.get(name)}


def stale_reason(doc: Any, environ: Mapping[str, str] = os.environ) -> str | None:
    """Why a report is not this run's, or ``None``: a report written by another GitHub
    Actions run (or an earlier attempt) is stale."""
    now = current_run(environ)
    recorded = doc.get("run") if isinstance(doc, dict) else None
    if not now or not isinstance(recorded, dict):
        return None
    for key, name in RUN_VARIABLES.items():
        if key in now and str(recorded.get(key)) != now[key]:
            return (f"written by an earlier run ({name} {recorded.get(key)}, this is "
                    f"{now[key]}): a stale report; make sure pytest wrote it in this job")
    return None
