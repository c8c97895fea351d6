"""Gate kinds, stages, markers and built-in gates: pure evaluation, no pytest import."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pytest_devops.context import GateContext

#: The gate kinds, in the order reports list them.
KINDS = ("plan", "security", "cost", "postdeploy")

STAGES: Mapping[str, frozenset[str]] = {
    "plan": frozenset({"plan", "security", "cost"}),
    "apply": frozenset({"postdeploy"}),
    # Before promoting, the source environment must still verify; tests can join the
    # promote stage explicitly with @pytest.mark.devops_stage("promote").
    "promote": frozenset({"postdeploy"}),
}
OUTCOMES = ("pass", "fail", "error", "skip")

#: marker name -> (gate kind, help text). The kind markers take no arguments.
KIND_MARKERS: Mapping[str, str] = {f"devops_{kind}": kind for kind in KINDS}
MARKER_HELP: Mapping[str, str] = {
    "devops_plan": "devops_plan: a plan-validation gate (runs in --devops-stage=plan).",
    "devops_security": "devops_security: a security gate (runs in --devops-stage=plan).",
    "devops_cost": "devops_cost: a cost gate (runs in --devops-stage=plan).",
    "devops_postdeploy": (
        "devops_postdeploy: a post-deploy verification gate "
        "(runs in --devops-stage=apply and promote)."
    ),
    "devops_env": (
        "devops_env(*names): run only when --devops-env is one of names; deselected otherwise."
    ),
    "devops_stage": (
        "devops_stage(*stages): also run in these stages (plan, apply, promote) "
        "whatever the gate kind."
    ),
}


class MarkLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def args(self) -> tuple[Any, ...]: ...
    @property
    def kwargs(self) -> Mapping[str, Any]: ...


def devops_env(*names: str) -> tuple[str, ...]:
    """The signature of ``@pytest.mark.devops_env``: one or more environment names."""
    if not names or not all(isinstance(n, str) and n for n in names):
        raise TypeError(
            "devops_env takes one or more environment names, e.g. devops_env('staging')"
        )
    return names


def devops_stage(*stages: str) -> tuple[str, ...]:
    """The signature of ``@pytest.mark.devops_stage``: one or more stage names."""
    bad = [s for s in stages if s not in STAGES]
    if not stages or bad:
        raise TypeError(f"devops_stage takes stage names from {sorted(STAGES)}, got {stages!r}")
    return stages


@dataclass(frozen=True)
class Selection:
    """What a test's marks say about it, evaluated once."""

    kind: str | None
    envs: tuple[str, ...] | None
    stages: tuple[str, ...]

    def deselect_reason(self, env: str | None, stage: str | None) -> str | None:
        if self.envs is not None and env not in self.envs:
            return f"only for environments {', '.join(self.envs)}"
        if stage is None or stage in self.stages:
            return None
        if self.kind is None or self.kind not in STAGES[stage]:
            return f"not a gate of stage {stage}"
        return None


def evaluate(marks: Iterable[MarkLike]) -> Selection:
    """Turn an item's marks into a :class:`Selection`. Raises TypeError on bad arguments."""
    kinds: list[str] = []
    envs: list[str] | None = None
    stages: list[str] = []
    for mark in marks:
        if mark.name in KIND_MARKERS:
            if mark.args or mark.kwargs:
                raise TypeError(f"@pytest.mark.{mark.name} takes no arguments")
            kinds.append(KIND_MARKERS[mark.name])
        elif mark.name == "devops_env":
            envs = [*(envs or []), *devops_env(*mark.args, **mark.kwargs)]
        elif mark.name == "devops_stage":
            stages += devops_stage(*mark.args, **mark.kwargs)
    if len(set(kinds)) > 1:
        raise TypeError(f"a test has one gate kind, got {sorted(set(kinds))}")
    return Selection(
        kind=kinds[0] if kinds else None,
        envs=tuple(envs) if envs is not None else None,
        stages=tuple(stages),
    )


@dataclass(frozen=True)
class BuiltinGate:
    """A rule enabled in ``devops.yaml`` that needs no test code.

    ``run`` returns on pass (optionally a note saying what it checked), raises
    :class:`~pytest_devops.errors.GateFailure` on fail
    and :class:`~pytest_devops.errors.GateError` (or anything else) on error.
    """

    name: str
    kind: str
    run: Callable[[GateContext], str | None]
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
