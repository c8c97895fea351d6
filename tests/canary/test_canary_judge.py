"""The verdict of each gate, from the gate reports of the real plan and the mutants."""

from __future__ import annotations

from pytest_devops.canary.model import judge


def _report(**outcomes: str) -> dict[str, object]:
    return {"gates": [{"nodeid": n.replace("__", "::"), "kind": "plan", "outcome": o}
                      for n, o in outcomes.items()]}


def test_verdicts() -> None:
    base = _report(a__killed="pass", a__vacuous="pass", a__errs="pass", a__red="fail",
                   a__broken="error", a__skipped="skip")
    runs = {
        "m1": _report(a__killed="pass", a__vacuous="pass", a__errs="error", a__red="fail",
                      a__broken="error", a__skipped="skip"),
        "m2": _report(a__killed="fail", a__vacuous="skip", a__errs="pass", a__red="fail",
                      a__broken="error", a__skipped="skip"),
    }
    result = judge("staging", base, runs, {"m1": "one", "m2": "two"})
    verdicts = {g.nodeid: (g.verdict, g.killed_by) for g in result.gates}
    assert verdicts == {
        "a::killed": ("killed", ["m2"]),
        "a::vacuous": ("survived", []),
        "a::errs": ("killed", ["m1"]),
        "a::red": ("fails-on-plan", ["m1", "m2"]),
        "a::broken": ("not-assessed", ["m1", "m2"]),
        "a::skipped": ("not-assessed", []),
    }
    assert result.outcome == "error"  # a gate errored on the real plan: undecided


def test_outcome_fail_on_a_survivor_pass_when_all_killed() -> None:
    base = _report(a__x="pass", a__y="pass")
    killed = judge("e", base, {"m": _report(a__x="fail", a__y="fail")}, {"m": ""})
    assert killed.outcome == "pass"
    survived = judge("e", base, {"m": _report(a__x="fail", a__y="pass")}, {"m": ""})
    assert survived.outcome == "fail"
    assert list(survived.lines())[-2:] == [
        "SURVIVED  a::y: passed every mutant: a gate that cannot fail (vacuous)",
        "outcome: fail",
    ]


def test_postdeploy_gates_are_not_judged_and_nothing_is_an_error() -> None:
    base = {"gates": [{"nodeid": "u", "kind": "postdeploy", "outcome": "pass"}]}
    result = judge("e", base, {}, {})
    assert result.gates == []
    assert result.outcome == "error"
