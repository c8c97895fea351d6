"""The result of a security scan: one :class:`ScanResult` per (check, resource), in a
:class:`ScanReport` that also says what was scanned and what could not be parsed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pytest_devops.findings import Finding

Status = Literal["passed", "failed", "skipped"]
#: Where a check's documentation lives when Checkov gives no per-check link (offline).
POLICY_INDEX = "https://www.checkov.io/5.Policy%20Index/{framework}.html"


@dataclass(frozen=True)
class ScanResult:
    """One check evaluated on one resource.

    ``file`` is relative to the scan root (POSIX separators); ``lines`` is the first and
    last line of the resource's block; ``code`` is the block with secrets masked.
    ``note`` says why a result is not failing although it broke the check (a skip's
    reason, ``baseline``, ``soft-fail``).
    """

    check_id: str
    check_name: str
    status: Status
    resource: str
    file: str
    lines: tuple[int, int] | None = None
    framework: str = ""
    guideline: str | None = None
    severity: str | None = None
    code: str = ""
    note: str | None = None

    @property
    def location(self) -> str:
        if self.lines is None:
            return self.file
        first, last = self.lines
        return f"{self.file}:{first}" + (f"-{last}" if last != first else "")

    @property
    def help_url(self) -> str:
        return self.guideline or POLICY_INDEX.format(framework=self.framework or "all")

    def identity(self) -> tuple[str, str, str]:
        """What a baseline remembers: line numbers move, (check, file, resource) do not."""
        return (self.check_id, self.file, self.resource)

    def with_status(self, status: Status, note: str | None) -> ScanResult:
        return replace(self, status=status, note=note)

    def to_finding(self) -> Finding:
        return Finding(
            rule=self.check_id,
            message=self.check_name,
            address=self.resource,
            file=self.file,
            line=self.lines[0] if self.lines else None,
            end_line=self.lines[1] if self.lines else None,
            severity=self.severity,
            guideline=self.help_url,
            details={"framework": self.framework},
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check_id": self.check_id,
            "check_name": self.check_name,
            "resource": self.resource,
            "file": self.file,
            "lines": list(self.lines) if self.lines else None,
            "framework": self.framework,
            "guideline": self.help_url,
        }
        if self.severity:
            out["severity"] = self.severity
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScanResult:
        lines = data.get("lines")
        return cls(
            check_id=data["check_id"],
            check_name=data.get("check_name", ""),
            status=data["status"],
            resource=data["resource"],
            file=data["file"],
            lines=(int(lines[0]), int(lines[1])) if lines else None,
            framework=data.get("framework", ""),
            guideline=data.get("guideline"),
            severity=data.get("severity"),
            code=data.get("code", ""),
            note=data.get("note"),
        )


@dataclass(frozen=True)
class ScanReport:
    """Everything one Checkov run found, after the security policy was applied.

    ``failed`` holds only what fails the gate; results the policy waived are in
    ``skipped`` (with their reason in ``note``), ``baselined`` and ``soft_failed``.
    """

    checkov_version: str
    targets: tuple[str, ...]
    resource_counts: Mapping[str, int]
    parsing_errors: tuple[str, ...] = ()
    passed: tuple[ScanResult, ...] = ()
    failed: tuple[ScanResult, ...] = ()
    skipped: tuple[ScanResult, ...] = ()
    baselined: tuple[ScanResult, ...] = ()
    soft_failed: tuple[ScanResult, ...] = ()
    cached: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)
    #: configured path -> {"declared", "resources_scanned", "status"}
    coverage: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def resource_count(self) -> int:
        return sum(self.resource_counts.values())

    @property
    def frameworks(self) -> tuple[str, ...]:
        return tuple(sorted(self.resource_counts))

    @property
    def results(self) -> tuple[ScanResult, ...]:
        return self.passed + self.failed + self.skipped + self.baselined + self.soft_failed

    def check_ids(self, status: Status = "failed") -> set[str]:
        return {r.check_id for r in self._bucket(status)}

    def resources(self, check_id: str, status: Status = "failed") -> set[str]:
        """The resources that ``check_id`` gave ``status`` (e.g. every failing address)."""
        return {r.resource for r in self._bucket(status) if r.check_id == check_id}

    def by_check(self, status: Status = "failed") -> dict[str, list[ScanResult]]:
        out: dict[str, list[ScanResult]] = {}
        for result in sorted(self._bucket(status), key=_order):
            out.setdefault(result.check_id, []).append(result)
        return out

    def under(self, prefix: str) -> ScanReport:
        """The part of the report about files under ``prefix`` (a relative path)."""
        stem = prefix.rstrip("/")

        def keep(rs: Iterable[ScanResult]) -> tuple[ScanResult, ...]:
            return tuple(r for r in rs if r.file == stem or r.file.startswith(stem + "/"))

        return replace(
            self,
            parsing_errors=tuple(p for p in self.parsing_errors if p.startswith(stem)),
            passed=keep(self.passed),
            failed=keep(self.failed),
            skipped=keep(self.skipped),
            baselined=keep(self.baselined),
            soft_failed=keep(self.soft_failed),
        )

    def findings(self) -> list[Finding]:
        return [r.to_finding() for r in sorted(self.failed, key=_order)]

    def _bucket(self, status: Status) -> tuple[ScanResult, ...]:
        if status == "passed":
            return self.passed
        if status == "skipped":
            return self.skipped
        return self.failed

    def to_dict(self) -> dict[str, Any]:
        """The ``pytest-devops scan --format json`` document."""

        def brief(rs: Iterable[ScanResult]) -> list[dict[str, Any]]:
            return [
                {
                    "check_id": r.check_id,
                    "resource": r.resource,
                    "file": r.file,
                    "lines": list(r.lines) if r.lines else None,
                    **({"note": r.note} if r.note else {}),
                }
                for r in sorted(rs, key=_order)
            ]

        return {
            "checkov_version": self.checkov_version,
            "resource_count": self.resource_count,
            "resource_counts": dict(sorted(self.resource_counts.items())),
            "resources_scanned": {p: c["resources_scanned"] for p, c in self.coverage.items()},
            "coverage": {p: dict(c) for p, c in self.coverage.items()},
            "parsing_errors": list(self.parsing_errors),
            "passed": brief(self.passed),
            "failed": [
                {**b, "check_name": r.check_name, "guideline": r.help_url}
                for b, r in zip(brief(self.failed), sorted(self.failed, key=_order), strict=True)
            ],
            "skipped": brief(self.skipped),
            "baselined": brief(self.baselined),
            "soft_failed": brief(self.soft_failed),
        }


def _order(r: ScanResult) -> tuple[str, str, int, str]:
    return (r.check_id, r.file, r.lines[0] if r.lines else 0, r.resource)
