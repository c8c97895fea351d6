"""Check every resource the plan created or updated against what is live."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pytest_devops.conformance.model import ConformanceReport, ResourceResult, compare

if TYPE_CHECKING:
    from pytest_devops.conformance.aws import Clients
    from pytest_devops.plan.model import Plan, ResourceChange

WRITES = ("create", "update", "replace")


def state_values(state: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Address -> values of a ``terraform show -json`` state (every module)."""
    out: dict[str, dict[str, Any]] = {}

    def walk(module: Mapping[str, Any]) -> None:
        for r in module.get("resources", ()):
            out[str(r["address"])] = dict(r.get("values") or {})
        for child in module.get("child_modules", ()):
            walk(child)

    if state:
        walk((state.get("values") or {}).get("root_module") or {})
    return out


def written(plan: Plan, types: Iterable[str] | None = None) -> list[ResourceChange]:
    wanted = set(types) if types is not None else None
    return [rc for rc in plan.resource_changes
            if rc.mode == "managed" and rc.action in WRITES and isinstance(rc.after, dict)
            and (wanted is None or rc.type in wanted)]


def check(plan: Plan, clients: Clients | None, state: Mapping[str, Any] | None = None,
          types: Iterable[str] | None = None,
          ignore: Mapping[str, frozenset[str]] | None = None) -> ConformanceReport:
    """Each written resource: read back (boto3 for the AWS types with a reader, the state
    for the others) and compared with the plan's known ``after`` values."""
    from pytest_devops.conformance.aws import ALWAYS_SENSITIVE, READERS, planned_view

    states = state_values(state)
    report = ConformanceReport()
    for rc in written(plan, types):
        after = rc.after
        assert isinstance(after, dict)
        skip = (ignore or {}).get(rc.type, frozenset()) | (ignore or {}).get(rc.address,
                                                                            frozenset())
        reader = READERS.get(rc.type)
        if reader is not None and clients is not None:
            live = reader(clients, after, states.get(rc.address, {}))
            source = "AWS"
        elif rc.address in states:
            live, source = states[rc.address], "Terraform state"
        else:
            why = "no reader for this type and no Terraform state" if reader is None \
                else "no AWS session"
            report.resources.append(ResourceResult(rc.address, rc.type, "unchecked",
                                                   note=why))
            continue
        if live is None:
            report.resources.append(ResourceResult(rc.address, rc.type, "missing",
                                                   note=f"not found in {source}"))
            continue
        checked, mismatches = compare(
            rc.address, planned_view(rc.type, after), rc.after_unknown, rc.after_sensitive,
            live, ignore=skip, always_sensitive=ALWAYS_SENSITIVE.get(rc.type, frozenset()))
        report.resources.append(ResourceResult(
            rc.address, rc.type, "drift" if mismatches else "conforms", checked, mismatches,
            note=source))
    return report


def judge(report: ConformanceReport, what: str) -> None:
    """Pass, or :class:`GateFailure` with one finding per mismatch and missing resource;
    :class:`GateError` when a resource could not be checked at all."""
    from pytest_devops.errors import GateError, GateFailure
    from pytest_devops.findings import Finding

    findings = [m.to_finding() for m in report.mismatches]
    findings += [Finding("conformance", f"not found ({r.note})", r.address, severity="error")
                 for r in report.resources if r.status == "missing"]
    if findings:
        head = f"{what}: {len(findings)} difference(s) between the plan and what is live"
        raise GateFailure(head, findings)
    unchecked = [r for r in report.resources if r.status == "unchecked"]
    if unchecked:
        raise GateError(f"{what}: cannot check " + ", ".join(
            f"{r.address} ({r.note})" for r in unchecked))
    if not report.resources:
        raise GateError(f"{what}: the plan creates or updates no resource of this kind")
