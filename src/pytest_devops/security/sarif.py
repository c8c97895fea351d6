"""SARIF 2.1.0 for code scanning: one result per failing (check, resource), with its
file and lines; waived results are kept, marked as suppressed or baselined."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pytest_devops.atomic import write_text
from pytest_devops.redact import Redactor
from pytest_devops.security.model import ScanReport, ScanResult

VERSION = "2.1.0"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://www.checkov.io/"


def build(report: ScanReport, root: Path) -> dict[str, Any]:
    rules: dict[str, int] = {}
    rule_docs: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []

    def add(items: Iterable[ScanResult], level: str, **extra: Any) -> None:
        for r in sorted(items, key=lambda r: (r.check_id, r.file, r.lines or (0, 0), r.resource)):
            if r.check_id not in rules:
                rules[r.check_id] = len(rule_docs)
                rule_docs.append(_rule(r))
            results.append(_result(r, rules[r.check_id], level, **extra))

    add(report.failed, "error", baselineState="new")
    add(report.baselined, "warning", baselineState="unchanged")
    add(report.soft_failed, "warning")
    for r in report.skipped:
        add([r], "note", suppressions=[{"kind": "external" if (r.note or "").startswith(
            "skipped:") else "inSource", "justification": r.note or "skipped"}])
    from pytest_devops import __version__

    return {
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "checkov",
                "version": report.checkov_version or "unknown",
                "informationUri": TOOL_URI,
                "rules": rule_docs,
                "properties": {"reportedBy": f"pytest-devops {__version__}"},
            }},
            "originalUriBaseIds": {"SRCROOT": {"uri": root.resolve().as_uri() + "/"}},
            "invocations": [{
                "executionSuccessful": not report.parsing_errors,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": f"could not parse {p}"},
                     "locations": [{"physicalLocation": {"artifactLocation": _uri(p)}}]}
                    for p in report.parsing_errors
                ],
            }],
            "results": results,
        }],
    }


def _rule(r: ScanResult) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": r.check_id,
        "shortDescription": {"text": r.check_name or r.check_id},
        "fullDescription": {"text": r.check_name or r.check_id},
        "helpUri": r.help_url,
        "help": {"text": f"{r.check_name}. Guideline: {r.help_url}"},
        "properties": {"framework": r.framework},
    }
    if r.severity:
        rule["properties"]["security-severity"] = _SEVERITY_SCORE.get(r.severity, "5.0")
    return rule


_SEVERITY_SCORE = {"LOW": "3.0", "MEDIUM": "5.5", "HIGH": "8.0", "CRITICAL": "9.5"}


def _uri(path: str) -> dict[str, Any]:
    """A URI reference: a path with a space, ``#``, ``%`` or ``:`` is percent-encoded, or
    code scanning would misplace (or refuse) the result."""
    if path.startswith("/"):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path), "uriBaseId": "SRCROOT"}


def _result(r: ScanResult, index: int, level: str, **extra: Any) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _uri(r.file)}
    if r.lines:
        region: dict[str, Any] = {"startLine": max(r.lines[0], 1),
                                  "endLine": max(r.lines[1], r.lines[0], 1)}
        if r.code:
            region["snippet"] = {"text": r.code}
        physical["region"] = region
    text = f"{r.check_id}: {r.check_name} ({r.resource})"
    if r.note:
        text += f" [{r.note}]"
    return {
        "ruleId": r.check_id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": text},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{"fullyQualifiedName": r.resource, "kind": "resource"}],
        }],
        "partialFingerprints": {"checkResource/v1": "|".join(r.identity())},
        **extra,
    }


def write(path: Path, report: ScanReport, root: Path, redactor: Redactor | None = None) -> Path:
    """Write the SARIF log atomically, through the redactor."""
    redactor = redactor or Redactor()
    return write_text(path, redactor.dumps(build(report, root), indent=2) + "\n")


def write_error(path: Path, message: str, redactor: Redactor | None = None) -> Path:
    """The scan could not run: a SARIF log that says so (no results, not successful)."""
    redactor = redactor or Redactor()
    doc = {
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [{
            "tool": {"driver": {"name": "checkov", "informationUri": TOOL_URI, "rules": []}},
            "invocations": [{
                "executionSuccessful": False,
                "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
            }],
            "results": [],
        }],
    }
    return write_text(path, redactor.dumps(doc, indent=2) + "\n")
