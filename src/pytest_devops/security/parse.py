"""Reading Checkov's ``-o json`` output into :class:`ScanResult` values.

Checkov prints one JSON document per ``-d`` target: an object (one framework), a list of
objects (several frameworks), or a bare summary when nothing was scanned. Reports of later
targets repeat earlier targets' results, so results are de-duplicated.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_devops.errors import GateError
from pytest_devops.security.model import ScanResult, Status

_BUCKETS: tuple[tuple[str, Status], ...] = (
    ("passed_checks", "passed"),
    ("failed_checks", "failed"),
    ("skipped_checks", "skipped"),
)
_SECRET_KEY = re.compile(
    r"""(?ix)
    (?P<key>["']?[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key
        |private[_-]?key|credential|auth)[\w.-]*["']?[ \t]*[:=][ \t]*)
    (?P<value>"[^"\n]*"|'[^'\n]*'|[^\s,#}\]]+)
    """
)
_SECRET_HINT = re.compile(
    r"password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential"
    r"|auth", re.I)
_SECRET_SHAPES = (
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
)
MASK = "***"


@functools.lru_cache(maxsize=4096)
def mask_code(text: str) -> str:
    """Mask what looks like a secret in a code snippet (assignments to secret-named keys,
    access-key and token shapes). Known secrets are masked again by the session redactor."""
    if "PRIVATE KEY" in text:
        return "(code omitted: it contains a private key)\n"

    def value(m: re.Match[str]) -> str:
        v = m.group("value")
        if v in ('""', "''") or v.startswith(("var.", "local.", "${", "!", "data.", "{{")):
            return m.group(0)
        quote = v[0] if v[0] in "\"'" else ""
        return f"{m.group('key')}{quote}{MASK}{quote}"

    if _SECRET_HINT.search(text):
        text = _SECRET_KEY.sub(value, text)
    for shape in _SECRET_SHAPES:
        text = shape.sub(MASK, text)
    return text


@dataclass
class RawScan:
    """What Checkov printed, before any policy is applied."""

    checkov_version: str = ""
    resource_counts: dict[str, int] = field(default_factory=dict)
    parsing_errors: list[str] = field(default_factory=list)
    results: list[ScanResult] = field(default_factory=list)
    #: parsing error file -> what Checkov logged about it
    error_details: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checkov_version": self.checkov_version,
            "resource_counts": self.resource_counts,
            "parsing_errors": self.parsing_errors,
            "error_details": self.error_details,
            "results": [
                {**r.to_dict(), "guideline": r.guideline, "status": r.status, "code": r.code}
                for r in self.results
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RawScan:
        return cls(
            checkov_version=data["checkov_version"],
            resource_counts=dict(data["resource_counts"]),
            parsing_errors=list(data["parsing_errors"]),
            results=[ScanResult.from_dict(r) for r in data["results"]],
            error_details=dict(data.get("error_details") or {}),
        )


def documents(stdout: str) -> Iterator[dict[str, Any]]:
    """Every report object in Checkov's output (a stream of JSON values)."""
    decoder = json.JSONDecoder()
    i, n = 0, len(stdout)
    while i < n:
        while i < n and stdout[i].isspace():
            i += 1
        if i >= n:
            return
        if stdout[i] not in "[{":
            # A stray log line on stdout: skip to the next line that opens a document.
            nxt = stdout.find("\n", i)
            i = n if nxt < 0 else nxt + 1
            continue
        try:
            value, i = decoder.raw_decode(stdout, i)
        except json.JSONDecodeError as exc:
            raise GateError(
                f"checkov printed malformed JSON (line {exc.lineno}: {exc.msg})",
                hint="run the same checkov command by hand to see what it prints",
            ) from None
        for doc in value if isinstance(value, list) else [value]:
            if isinstance(doc, dict):
                yield doc


def parse(stdout: str, root: Path, aliases: Mapping[str, str] | None = None) -> RawScan:
    """Parse Checkov's JSON; ``aliases`` maps scanned temp copies (files, or directory
    prefixes ending in ``/``) back to the user's files."""
    scan = RawScan()
    seen: set[tuple[str, str, str, str, tuple[int, int] | None]] = set()
    found_any = False
    for doc in documents(stdout):
        found_any = True
        summary = doc.get("summary", doc)
        version = summary.get("checkov_version")
        if isinstance(version, str):
            scan.checkov_version = version
        framework = doc.get("check_type")
        if not isinstance(framework, str):
            continue  # a bare summary: nothing was scanned for this target
        count = int(summary.get("resource_count") or 0)
        scan.resource_counts[framework] = max(scan.resource_counts.get(framework, 0), count)
        results = doc.get("results") or {}
        for path in results.get("parsing_errors") or ():
            rel = _relative(str(path), root, aliases)
            if rel not in scan.parsing_errors:
                scan.parsing_errors.append(rel)
        for bucket, status in _BUCKETS:
            for raw in results.get(bucket) or ():
                result = _result(raw, status, framework, root, aliases)
                key = (status, result.check_id, result.file, result.resource, result.lines)
                if key not in seen:
                    seen.add(key)
                    scan.results.append(result)
    if not found_any:
        raise GateError(
            "checkov printed no JSON report",
            hint="run the same checkov command by hand to see why it stopped",
        )
    for framework in scan.resource_counts:
        distinct = {(r.file, r.resource) for r in scan.results if r.framework == framework}
        scan.resource_counts[framework] = max(scan.resource_counts[framework], len(distinct))
    return scan


def _result(raw: Mapping[str, Any], status: Status, framework: str, root: Path,
            aliases: Mapping[str, str] | None) -> ScanResult:
    lines = raw.get("file_line_range")
    span = (int(lines[0]), int(lines[1])) if isinstance(lines, list) and len(lines) == 2 else None
    path = raw.get("file_abs_path") or raw.get("file_path") or ""
    if aliases and path in aliases:
        span = None  # lines of a de-noised copy, not of the user's file
    code = "".join(str(line[1]) for line in raw.get("code_block") or () if len(line) == 2)
    suppress = (raw.get("check_result") or {}).get("suppress_comment")
    severity = raw.get("severity")
    return ScanResult(
        check_id=str(raw.get("check_id")),
        check_name=str(raw.get("check_name") or ""),
        status=status,
        resource=str(raw.get("resource") or raw.get("resource_address") or ""),
        file=_relative(str(path), root, aliases),
        lines=span if span and span != (0, 0) else None,
        framework=framework,
        guideline=raw.get("guideline") or None,
        severity=str(severity).upper() if isinstance(severity, str) and severity else None,
        code=mask_code(code),
        note=f"suppressed in code: {suppress}" if status == "skipped" and suppress else None,
    )


def _relative(path: str, root: Path, aliases: Mapping[str, str] | None) -> str:
    if aliases:
        if path in aliases:
            path = aliases[path]
        else:
            for prefix, real in aliases.items():
                if prefix.endswith("/") and path.startswith(prefix):
                    path = real + path[len(prefix):]
                    break
    try:
        rel = os.path.relpath(path, root)
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()
    return Path(path).as_posix() if rel.startswith("..") else Path(rel).as_posix()
