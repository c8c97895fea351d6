"""The gate report read back from JSON, checked and typed.

The file is untrusted input: every field is type-checked, text is redacted on load, and a
report that cannot be read is a :class:`~pytest_devops.errors.DevopsError` naming the file
and the key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_devops.errors import DevopsError
from pytest_devops.findings import Finding
from pytest_devops.github.escape import inert
from pytest_devops.redact import Redactor
from pytest_devops.report import EXIT_CODES, GATE_OUTCOMES, OUTCOMES, SCHEMA

#: Sections the report carries besides the gates (added by feature plugins).
KNOWN_SECTIONS = ("plan", "cost", "security", "github")


class ReportError(DevopsError):
    """The gate report cannot be read: names the file, the key and what to do."""

    def __init__(self, path: str, message: str, key: str | None = None) -> None:
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Gate:
    """One gate (a test item) of the report."""

    nodeid: str
    kind: str | None
    outcome: str
    duration: float = 0.0
    message: str = ""
    findings: tuple[Finding, ...] = ()
    soft_fail: bool = False

    @property
    def label(self) -> str:
        """``SOFT-FAIL`` for a downgraded failure, else the outcome in capitals."""
        return "SOFT-FAIL" if self.soft_fail else self.outcome.upper()

    @property
    def passed(self) -> bool:
        return self.outcome in ("pass", "skip")


@dataclass(frozen=True)
class GateReport:
    """A ``pytest-devops/report@1`` document, redacted and typed."""

    path: str
    env: str | None
    stage: str | None
    outcome: str
    exitstatus: int
    started_at: str
    duration: float
    gates: tuple[Gate, ...]
    totals: Mapping[str, int]
    sections: Mapping[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 2 error: what a step that fails the job should return."""
        return EXIT_CODES[self.outcome]

    @property
    def key(self) -> str:
        """``ENV/STAGE`` (or ``ENV``): names the sticky comment and titles."""
        env = self.env or "default"
        return f"{env}/{self.stage}" if self.stage else env

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.sections.get(name)
        return value if isinstance(value, Mapping) else {}

    def not_passed(self) -> list[Gate]:
        return [g for g in self.gates if not g.passed]

    def to_dict(self) -> dict[str, Any]:
        """The report in its JSON form (as checked and redacted on load)."""
        gates = []
        for g in self.gates:
            gate: dict[str, Any] = {
                "nodeid": g.nodeid,
                "kind": g.kind,
                "outcome": g.outcome,
                "duration": g.duration,
                "message": g.message,
                "findings": [f.to_dict() for f in g.findings],
            }
            if g.soft_fail:
                gate["soft_fail"] = True
            gates.append(gate)
        return {
            "schema": SCHEMA,
            "env": self.env,
            "stage": self.stage,
            "outcome": self.outcome,
            "exitstatus": self.exitstatus,
            "started_at": self.started_at,
            "duration": self.duration,
            "gates": gates,
            "totals": dict(self.totals),
            **self.sections,
        }


def load_report(path: str | os.PathLike[str], redactor: Redactor | None = None) -> GateReport:
    """Read, redact and check a gate report file."""
    doc = read_json(path)
    if redactor is not None:
        doc = redactor.redact_obj(doc)
    return parse_report(doc, os.fspath(path))


def read_json(path: str | os.PathLike[str]) -> Any:
    """The parsed JSON of a report file, or a :class:`ReportError` saying what to do."""
    name = os.fspath(path)
    try:
        raw = Path(name).read_bytes()
    except FileNotFoundError:
        raise ReportError(
            name, "no such file; did pytest run with --devops-report with this path?"
        ) from None
    except OSError as exc:
        raise ReportError(name, f"cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(name, f"not a JSON gate report ({exc})") from None


def parse_report(doc: Any, path: str = "<report>") -> GateReport:
    if not isinstance(doc, dict):
        raise ReportError(path, f"expected a JSON object, got {type(doc).__name__}")
    if doc.get("schema") != SCHEMA:
        raise ReportError(
            path,
            f"unsupported report schema {inert(repr(doc.get('schema'))[:80])}; expected {SCHEMA!r}",
            key="schema",
        )
    outcome = doc.get("outcome")
    if outcome not in OUTCOMES:
        raise ReportError(path, f"expected one of {', '.join(OUTCOMES)}", key="outcome")
    gates_raw = doc.get("gates", [])
    if not isinstance(gates_raw, list):
        raise ReportError(path, "expected a list", key="gates")
    gates = tuple(_gate(g, path, i) for i, g in enumerate(gates_raw))
    totals = _totals(doc.get("totals"), gates, path)
    exitstatus = _int(doc.get("exitstatus", 0), path, "exitstatus")
    _check_outcome(outcome, totals, exitstatus, path)
    return GateReport(
        path=path,
        env=_opt_str(doc.get("env"), path, "env"),
        stage=_opt_str(doc.get("stage"), path, "stage"),
        outcome=outcome,
        exitstatus=exitstatus,
        started_at=str(doc.get("started_at") or ""),
        duration=_float(doc.get("duration", 0.0), path, "duration"),
        gates=gates,
        totals=totals,
        sections={k: v for k, v in doc.items() if k in KNOWN_SECTIONS},
    )


def _gate(raw: Any, path: str, index: int) -> Gate:
    key = f"gates[{index}]"
    if not isinstance(raw, dict):
        raise ReportError(path, "expected an object", key=key)
    outcome = raw.get("outcome")
    if outcome not in GATE_OUTCOMES:
        raise ReportError(path, f"expected one of {', '.join(GATE_OUTCOMES)}", key=f"{key}.outcome")
    findings = raw.get("findings") or []
    if not isinstance(findings, list):
        raise ReportError(path, "expected a list", key=f"{key}.findings")
    return Gate(
        nodeid=str(raw.get("nodeid") or f"<gate {index}>"),
        kind=_opt_str(raw.get("kind"), path, f"{key}.kind"),
        outcome=outcome,
        duration=_float(raw.get("duration", 0.0), path, f"{key}.duration"),
        message=str(raw.get("message") or ""),
        findings=tuple(
            finding_from(f, path, f"{key}.findings[{j}]") for j, f in enumerate(findings)
        ),
        soft_fail=raw.get("soft_fail") is True,
    )


def finding_from(raw: Any, path: str = "<report>", key: str = "finding") -> Finding:
    """A :class:`Finding` from its ``to_dict()`` form (as a report or a section holds it)."""
    if not isinstance(raw, dict):
        raise ReportError(path, "expected an object", key=key)
    details = raw.get("details")
    # A scanner result (check_id, check_name, resource, lines) reads as a finding too.
    lines = raw.get("lines")
    lines = lines if isinstance(lines, list) and len(lines) == 2 else [None, None]
    return Finding(
        rule=str(raw.get("rule") or raw.get("check_id") or "?"),
        message=str(raw.get("message") or raw.get("check_name") or ""),
        address=_opt_text(raw.get("address") or raw.get("resource")),
        file=_opt_text(raw.get("file")),
        line=_opt_line(raw.get("line", lines[0])),
        end_line=_opt_line(raw.get("end_line", lines[1])),
        severity=_opt_text(raw.get("severity")),
        guideline=_opt_text(raw.get("guideline")),
        details=details if isinstance(details, dict) else {},
    )


def _check_outcome(outcome: str, totals: Mapping[str, int], exitstatus: int, path: str) -> None:
    """The outcome may be worse than its gates (a collection error), never better: an
    erroring or failing gate under ``"outcome": "pass"`` means the file was edited."""
    if totals["error"] or exitstatus in (2, 3, 4, 5):
        least = "error"
    elif totals["fail"] > totals["soft_fail"]:
        least = "fail"
    else:
        return
    if EXIT_CODES[outcome] < EXIT_CODES[least]:
        why = "an erroring gate or exit status" if least == "error" else "a failing gate"
        raise ReportError(path, f"says {outcome!r} but it has {why}", key="outcome")


def _totals(raw: Any, gates: tuple[Gate, ...], path: str) -> dict[str, int]:
    counted = {"pass": 0, "fail": 0, "error": 0, "skip": 0, "soft_fail": 0}
    for g in gates:
        counted[g.outcome] += 1
        counted["soft_fail"] += g.soft_fail
    if raw is None:
        return counted
    if not isinstance(raw, dict):
        raise ReportError(path, "expected an object", key="totals")
    # The gates are the truth; totals that disagree mean the file was edited.
    for name, value in counted.items():
        if name in raw and raw[name] != value:
            raise ReportError(
                path,
                f"says {raw[name]!r} but the gates list has {value}",
                key=f"totals.{name}",
            )
    return counted


def _opt_str(value: Any, path: str, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ReportError(path, f"expected a string, got {type(value).__name__}", key=key)


def _opt_text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _opt_line(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        line = int(value)
    except ValueError:
        return None
    return line if line > 0 else None


def _int(value: Any, path: str, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ReportError(path, f"expected an integer, got {type(value).__name__}", key=key)


def _float(value: Any, path: str, key: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if value == "***":  # a duration that happened to equal a registered secret
        return 0.0
    raise ReportError(path, f"expected a number, got {type(value).__name__}", key=key)
