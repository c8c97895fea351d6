"""The evidence archive: files plus a manifest of their SHA-256 sums. Pure, no pytest.

``manifest.json`` lists every other member with its sum; a bundle whose members differ
from it in any way (a changed, missing or extra file, a path that leaves the bundle) is
refused. Sign the archive itself to prove who made it (see docs/evidence.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_devops.errors import DevopsError

SCHEMA = "pytest-devops/evidence@1"
MANIFEST = "manifest.json"
_MAX_MEMBER = 256 * 1024 * 1024


class BundleError(DevopsError):
    """The bundle cannot be trusted or read."""


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def manifest(files: Mapping[str, bytes], meta: Mapping[str, Any]) -> dict[str, Any]:
    return {"schema": SCHEMA, **meta,
            "files": {name: sha256(data) for name, data in sorted(files.items())}}


def write_bundle(path: Path, files: Mapping[str, bytes], meta: Mapping[str, Any]) -> str:
    """Write the archive atomically; return the manifest's digest."""
    doc = json.dumps(manifest(files, meta), indent=2, sort_keys=True).encode() + b"\n"
    members = {MANIFEST: doc, **dict(sorted(files.items()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256(doc)


def read_members(path: Path) -> dict[str, bytes]:
    """Every regular file of the archive (refusing links, devices and escaping paths)."""
    out: dict[str, bytes] = {}
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for info in tar:
                name = info.name
                if not info.isfile():
                    raise BundleError(f"{path}: member {name!r} is not a regular file")
                if name.startswith("/") or ".." in Path(name).parts or name in out:
                    raise BundleError(f"{path}: member {name!r} has an unsafe or repeated name")
                if info.size > _MAX_MEMBER:
                    raise BundleError(f"{path}: member {name!r} is too large")
                fh = tar.extractfile(info)
                out[name] = fh.read() if fh else b""
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BundleError(f"{path}: not a readable evidence bundle: {exc}") from None
    return out


def verify(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the files, after checking every sum; :class:`BundleError` names
    each problem otherwise."""
    members = read_members(path)
    if MANIFEST not in members:
        raise BundleError(f"{path}: no {MANIFEST}: not an evidence bundle")
    try:
        doc = json.loads(members.pop(MANIFEST))
        listed: dict[str, str] = dict(doc["files"])
        if doc.get("schema") != SCHEMA:
            raise ValueError(f"schema {doc.get('schema')!r}, expected {SCHEMA}")
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"{path}: invalid {MANIFEST}: {exc}") from None
    problems = [f"{name}: changed (sum differs from the manifest)"
                for name, data in members.items() if name in listed
                and sha256(data) != listed[name]]
    problems += [f"{name}: missing" for name in listed if name not in members]
    problems += [f"{name}: not in the manifest" for name in members if name not in listed]
    if problems:
        raise BundleError(f"{path}: tampered bundle refused:\n  " + "\n  ".join(sorted(problems)))
    return doc, members
