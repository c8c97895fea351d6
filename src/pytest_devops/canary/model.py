"""What a canary run found: per gate, which mutants killed it. Pure, no pytest."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "pytest-devops/canary@1"
#: Gate kinds a canary judges: the plan stage's.
PLAN_KINDS = ("plan", "security", "cost")


@dataclass(frozen=True)
class GateVerdict:
    nodeid: str
    kind: str
    baseline: str
    #: mutant -> the gate's outcome on it
    outcomes: Mapping[str, str]
    #: killed (failed or errored on a mutant) | survived (passed or skipped every
    #: mutant: vacuous) | fails-on-plan | not-assessed (error or skip on the real plan)
    verdict: str

    @property
    def killed_by(self) -> list[str]:
        return [m for m, o in self.outcomes.items() if o in ("fail", "error")]

    def to_dict(self) -> dict[str, Any]:
        return {"nodeid": self.nodeid, "kind": self.kind, "baseline": self.baseline,
                "verdict": self.verdict, "killed_by": self.killed_by,
                "outcomes": dict(self.outcomes)}


@dataclass
class CanaryResult:
    env: str
    mutants: dict[str, str] = field(default_factory=dict)
    gates: list[GateVerdict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.errors or any(g.baseline == "error" for g in self.gates):
            return "error"
        if not self.gates:
            return "error"
        return "fail" if any(g.verdict == "survived" for g in self.gates) else "pass"

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "env": self.env, "outcome": self.outcome,
                "mutants": self.mutants, "gates": [g.to_dict() for g in self.gates],
                "errors": self.errors}

    def lines(self) -> Iterator[str]:
        yield f"canary: environment {self.env}, {len(self.mutants)} mutants " \
              f"({', '.join(self.mutants)})"
        for g in self.gates:
            if g.verdict == "killed":
                by = [m + (" (error)" if g.outcomes[m] == "error" else "") for m in g.killed_by]
                yield f"KILLED    {g.nodeid}: by {', '.join(by)}"
            elif g.verdict == "survived":
                yield f"SURVIVED  {g.nodeid}: passed every mutant: a gate that cannot " \
                      "fail (vacuous)"
            elif g.verdict == "fails-on-plan":
                yield f"FAILS     {g.nodeid}: fails on the real plan already"
            else:
                yield f"NOT RUN   {g.nodeid}: {g.baseline} on the real plan, not assessed"
        for e in self.errors:
            yield f"ERROR     {e}"
        if not self.gates and not self.errors:
            yield "ERROR     no plan-stage gate ran on the real plan: nothing to assess"
        yield f"outcome: {self.outcome}"


def _gates(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {g["nodeid"]: g for g in report.get("gates", ()) if g.get("kind") in PLAN_KINDS}


def judge(env: str, baseline: Mapping[str, Any], runs: Mapping[str, Mapping[str, Any]],
          descriptions: Mapping[str, str]) -> CanaryResult:
    """Each plan-stage gate of ``baseline`` (a gate report), judged by its outcomes in the
    mutant runs' reports: a gate that passed the real plan and every mutant is vacuous."""
    result = CanaryResult(env=env, mutants=dict(descriptions))
    by_run = {m: _gates(r) for m, r in runs.items()}
    for nodeid, gate in _gates(baseline).items():
        outcomes = {m: str(g[nodeid]["outcome"]) if nodeid in g else "missing"
                    for m, g in by_run.items()}
        base = str(gate["outcome"])
        if base == "fail":
            verdict = "fails-on-plan"
        elif base != "pass":
            verdict = "not-assessed"
        elif {"fail", "error"} & set(outcomes.values()):
            verdict = "killed"
        else:
            verdict = "survived"
        result.gates.append(GateVerdict(nodeid, str(gate["kind"]), base, outcomes, verdict))
    return result
