"""What a scan covered, per configured path: resources declared against resources
Checkov reported on.

A path whose resources Checkov did not read at all is an error naming the path. A path
whose resources simply have no Checkov checks (only ``terraform_data``, ``null_resource``,
``random_*``...) is "nothing to check", which is not an error but is said.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pytest_devops.errors import GateError

#: Resource types of providers that manage no infrastructure: Checkov has no checks
#: for them, so a path that declares only these has nothing to check.
UNCHECKED_PREFIXES = (
    "terraform_data", "null_", "random_", "time_", "local_", "tls_", "external",
    "http", "archive_", "cloudinit_", "template_", "terraform_remote_state",
)

SCANNED, NOTHING, NOT_READ = "scanned", "nothing to check", "not read"


def unchecked(resource_type: str) -> bool:
    return resource_type.startswith(UNCHECKED_PREFIXES)


def per_path(
    paths: Mapping[str, list[str]],
    declared: Mapping[str, list[str]],
    results: Iterable[Any],
    root: Path,
) -> dict[str, dict[str, Any]]:
    """``{path: {"declared", "resources_scanned", "status"}}`` for each configured path.

    ``paths``: configured path -> the files it holds (local modules included);
    ``declared``: file -> the resource types it declares; ``results``: Checkov's results
    (``file`` relative to ``root``, ``resource``).
    """
    scanned: dict[str, set[str]] = {}
    for r in results:
        scanned.setdefault(r.file, set()).add(r.resource)
    out: dict[str, dict[str, Any]] = {}
    for path, files in paths.items():
        types = [t for f in files for t in declared.get(f, ())]
        rels = {_rel(f, root) for f in files}
        found = {(f, res) for f in rels for res in scanned.get(f, ())}
        if found:
            status = SCANNED
        elif types and not all(unchecked(t) for t in types):
            status = NOT_READ
        else:
            status = NOTHING
        out[path] = {"declared": len(types), "resources_scanned": len(found), "status": status}
    return out


def refuse_unread(coverage: Mapping[str, Mapping[str, Any]], selected_checks: bool) -> None:
    """A path that declares resources Checkov has checks for, none of them scanned."""
    if selected_checks:
        return  # with `checks`, a path none of the chosen checks applies to reads nothing
    unread = [p for p, c in coverage.items() if c["status"] == NOT_READ]
    if unread:
        shown = "; ".join(f"{p} ({coverage[p]['declared']} declared)" for p in unread)
        raise GateError(
            f"checkov scanned none of the resources declared under {shown}",
            hint="Checkov skipped the input: check the file format, that it is not "
            "excluded (hidden directory, skip-path in extra_args), and Checkov's log",
        )


def describe(coverage: Mapping[str, Mapping[str, Any]]) -> str:
    """``infra: 12 resources scanned; scratch: nothing to check``."""
    parts = []
    for path, c in coverage.items():
        if c["status"] == SCANNED:
            parts.append(f"{path}: {c['resources_scanned']} resources scanned")
        else:
            parts.append(f"{path}: {c['status']} ({c['declared']} declared)")
    return "; ".join(parts)


def _rel(path: str, root: Path) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:
        return path
