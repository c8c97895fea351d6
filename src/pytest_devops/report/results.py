"""The gate report: per-test results merged across phases, totals, terminal lines."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pytest_devops.report import SCHEMA

_RANK = {"pass": 0, "skip": 1, "fail": 2, "error": 3}


@dataclass
class GateResult:
    nodeid: str
    kind: str | None
    outcome: str
    duration: float = 0.0
    message: str = ""
    findings: list[dict[str, Any]] = field(default_factory=list)
    soft: bool = False
    #: Only the setup has reported so far (the outcome is provisional).
    pending: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "nodeid": self.nodeid,
            "kind": self.kind,
            "outcome": self.outcome,
            "duration": round(self.duration, 6),
            "message": self.message,
            "findings": self.findings,
        }
        if self.soft:
            out["soft_fail"] = True
        return out


@dataclass
class RunReport:
    results: dict[str, GateResult] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    def add(self, result: GateResult, when: str = "call") -> None:
        """Fold one phase (setup, call, teardown) into the test's result."""
        prior = self.results.get(result.nodeid)
        if prior is None:
            if when == "setup" and result.outcome == "pass":
                # Until the call reports, nothing was decided: a run stopped mid-test
                # leaves this test an error, never a pass.
                result.outcome, result.message = "error", "the run stopped before this test ended"
                result.pending = True
            self.results[result.nodeid] = result
            return
        prior.duration += result.duration
        # The call decides; a passing teardown never hides it, a worse one wins.
        if (
            prior.pending
            or _RANK[result.outcome] > _RANK[prior.outcome]
            or (when == "call" and result.outcome != "pass")
        ):
            prior.outcome, prior.message = result.outcome, result.message
            prior.findings = result.findings or prior.findings
            prior.soft = result.soft
        prior.pending = False

    def has_gates(self) -> bool:
        return any(r.kind for r in self.results.values())

    def totals(self) -> dict[str, int]:
        counts = {"pass": 0, "fail": 0, "error": 0, "skip": 0, "soft_fail": 0}
        for r in self.results.values():
            counts[r.outcome] += 1
            counts["soft_fail"] += r.soft
        return counts

    def outcome(self, exitstatus: int = 0) -> str:
        totals = self.totals()
        # Interrupted, internal error, usage error, collection errors, or no gate ran at
        # all (exit 5): nothing was decided, and that must not read as a pass.
        if totals["error"] or exitstatus in (2, 3, 4, 5):
            return "error"
        if totals["fail"] > totals["soft_fail"]:
            return "fail"
        return "pass"

    def to_dict(self, *, env: str | None, stage: str | None, exitstatus: int) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "env": env,
            "stage": stage,
            "outcome": self.outcome(exitstatus),
            "exitstatus": exitstatus,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "duration": round(time.time() - self.started, 3),
            "gates": [r.to_dict() for r in self.results.values()],
            "totals": self.totals(),
        }


def terminal_lines(
    report: RunReport, kinds: Iterable[str], exitstatus: int = 0
) -> Iterator[tuple[str, dict[str, bool]]]:
    """Lines of the terminal summary section: counts by kind, then what did not pass."""
    by_kind: dict[str, dict[str, int]] = {}
    for r in report.results.values():
        group = by_kind.setdefault(r.kind or "other", {})
        key = "soft-failed" if r.soft else r.outcome
        group[key] = group.get(key, 0) + 1
    words = {"pass": "passed", "fail": "failed", "error": "error", "skip": "skipped"}
    for kind in [*kinds, "other"]:
        if kind in by_kind:
            parts = [f"{n} {words.get(k, k)}" for k, n in sorted(by_kind[kind].items())]
            yield f"{kind:<11} {', '.join(parts)}", {}
    for r in report.results.values():
        if r.outcome in ("fail", "error"):
            label = "SOFT-FAIL" if r.soft else r.outcome.upper()
            first = r.message.splitlines()[0] if r.message else ""
            markup = {"yellow": True} if r.soft else {"red": True}
            yield f"{label:<9} {r.nodeid}: {first}", markup
        elif r.outcome == "pass" and r.message and r.kind:
            # A built-in gate that passed says what it checked.
            yield f"{'PASS':<9} {r.nodeid}: {r.message.splitlines()[0]}", {}
    outcome = report.outcome(exitstatus)
    yield f"outcome: {outcome}", {"green": outcome == "pass", "red": outcome != "pass"}
