"""Baselines: the findings an environment already had, so only new ones fail.

A finding is remembered by (check id, file, resource), not by line: editing a file above
a known finding does not make it new.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_devops.atomic import write_text
from pytest_devops.errors import ConfigError
from pytest_devops.redact import Redactor
from pytest_devops.security.model import ScanReport

SCHEMA = "pytest-devops/security-baseline@1"
Identity = tuple[str, str, str]


def load(path: Path) -> set[Identity]:
    """The findings recorded in ``path``; a missing or malformed file is a config error."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("baseline file not found", file=str(path), key="security.baseline",
                          hint="write it with `pytest-devops baseline --env NAME`") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the baseline: {exc}", file=str(path),
                          key="security.baseline") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ConfigError(f"not a security baseline (expected \"schema\": \"{SCHEMA}\")",
                          file=str(path), key="security.baseline",
                          hint="write it with `pytest-devops baseline --env NAME`")
    out: set[Identity] = set()
    for i, entry in enumerate(doc.get("findings") or ()):
        try:
            out.add((str(entry["check_id"]), str(entry["file"]), str(entry["resource"])))
        except (KeyError, TypeError):
            raise ConfigError(f"findings[{i}] needs check_id, file and resource",
                              file=str(path), key="security.baseline") from None
    return out


def document(report: ScanReport) -> dict[str, Any]:
    """Every failing result of ``report`` (including already baselined ones)."""
    failing = (*report.failed, *report.baselined, *report.soft_failed)
    entries = sorted({r.identity() for r in failing})
    return {
        "schema": SCHEMA,
        "checkov_version": report.checkov_version,
        "findings": [{"check_id": c, "file": f, "resource": r} for c, f, r in entries],
    }


def write(path: Path, report: ScanReport, redactor: Redactor | None = None) -> Path:
    redactor = redactor or Redactor()
    return write_text(path, redactor.dumps(document(report), indent=2) + "\n")
