"""The plan, change set and scan of a run as JSON documents, and back: pure, no pytest.

A plan document keeps every field of :class:`~pytest_devops.plan.model.Plan`, so the
plan-stage gates read the same plan on replay; values Terraform marks sensitive are
replaced by ``(sensitive)`` and every secret the run knew is masked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.plan.model import Plan, ResourceChange
    from pytest_devops.redact import Redactor
    from pytest_devops.security.model import ScanReport

PLAN_SCHEMA = "pytest-devops/plan@1"
SENSITIVE = "(sensitive)"
_CHANGE_FIELDS = ("before", "after")


def _mask(value: Any, sensitive: Any) -> Any:
    """``value`` with every part ``sensitive`` marks (Terraform's shape) masked."""
    if sensitive is True:
        return SENSITIVE if value is not None else None
    if isinstance(value, dict) and isinstance(sensitive, dict):
        return {k: _mask(v, sensitive.get(k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(sensitive, list):
        return [_mask(v, sensitive[i] if i < len(sensitive) else None)
                for i, v in enumerate(value)]
    return value


def _mask_state(doc: Any) -> Any:
    """``planned_values`` / ``prior_state`` with each resource's sensitive values masked."""
    if isinstance(doc, list):
        return [_mask_state(v) for v in doc]
    if not isinstance(doc, dict):
        return doc
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "values" and "sensitive_values" in doc:
            out[key] = _mask(value, doc["sensitive_values"])
        elif key == "outputs" and isinstance(value, dict):
            out[key] = {n: {**o, "value": SENSITIVE} if isinstance(o, dict)
                        and o.get("sensitive") else o for n, o in value.items()}
        else:
            out[key] = _mask_state(value)
    return out


def _change(rc: ResourceChange) -> dict[str, Any]:
    out = {f.name: getattr(rc, f.name) for f in dataclasses.fields(rc)}
    out["before"] = _mask(rc.before, rc.before_sensitive)
    out["after"] = _mask(rc.after, rc.after_sensitive)
    out["actions"] = list(rc.actions)
    out["replace_paths"] = list(rc.replace_paths)
    return out


def plan_to_doc(plan: Plan, redactor: Redactor) -> dict[str, Any]:
    """The plan as a JSON document, sensitive values masked, secrets masked."""
    outputs = {}
    for name, oc in plan.output_changes.items():
        doc = {f.name: getattr(oc, f.name) for f in dataclasses.fields(oc)}
        doc["before"] = _mask(oc.before, oc.before_sensitive)
        doc["after"] = _mask(oc.after, oc.after_sensitive)
        doc["actions"] = list(oc.actions)
        outputs[name] = doc
    raw = dict(plan.raw)
    for key in ("resource_changes", "resource_drift", "output_changes"):
        raw.pop(key, None)  # their values live, masked, in the fields below
    for key in ("planned_values", "prior_state"):
        if isinstance(raw.get(key), dict):
            raw[key] = _mask_state(raw[key])
    variables = {k: SENSITIVE if k in plan.sensitive_variables else v
                 for k, v in plan.variables.items()}
    if isinstance(raw.get("variables"), dict):
        raw["variables"] = {k: {"value": SENSITIVE} if k in plan.sensitive_variables else v
                            for k, v in raw["variables"].items()}
    doc = {
        "schema": PLAN_SCHEMA,
        "digest": plan.digest(),
        "format_version": plan.format_version,
        "terraform_version": plan.terraform_version,
        "source": plan.source,
        "resource_changes": [_change(rc) for rc in plan.resource_changes],
        "resource_drift": [_change(rc) for rc in plan.resource_drift],
        "output_changes": outputs,
        "variables": variables,
        "sensitive_variables": sorted(plan.sensitive_variables),
        "raw": raw,
        "errored": plan.errored,
        "applyable": plan.applyable,
        "complete": plan.complete,
        "timestamp": plan.timestamp,
    }
    masked: dict[str, Any] = redactor.redact_obj(doc)
    return masked


def _rc(doc: Mapping[str, Any]) -> ResourceChange:
    from pytest_devops.plan.model import ResourceChange

    fields = {f.name for f in dataclasses.fields(ResourceChange)}
    values = {k: v for k, v in doc.items() if k in fields}
    values["actions"] = tuple(values.get("actions", ()))
    values["replace_paths"] = tuple(values.get("replace_paths", ()))
    return ResourceChange(**values)


def plan_from_doc(doc: Mapping[str, Any]) -> Plan:
    from pytest_devops.plan.model import OutputChange, Plan

    fields = {f.name for f in dataclasses.fields(OutputChange)}
    outputs = {}
    for name, oc in (doc.get("output_changes") or {}).items():
        values = {k: v for k, v in oc.items() if k in fields}
        values["actions"] = tuple(values.get("actions", ()))
        outputs[name] = OutputChange(**values)
    return Plan(
        format_version=doc["format_version"],
        terraform_version=doc.get("terraform_version"),
        resource_changes=[_rc(rc) for rc in doc.get("resource_changes", ())],
        output_changes=outputs,
        variables=dict(doc.get("variables") or {}),
        resource_drift=[_rc(rc) for rc in doc.get("resource_drift", ())],
        raw=dict(doc.get("raw") or {}),
        source=str(doc.get("source", "<evidence>")),
        sensitive_variables=frozenset(doc.get("sensitive_variables", ())),
        errored=bool(doc.get("errored", False)),
        applyable=doc.get("applyable"),
        complete=doc.get("complete"),
        timestamp=doc.get("timestamp"),
    )


def change_set_to_doc(cs: Any, redactor: Redactor) -> dict[str, Any]:
    doc = dataclasses.asdict(cs)
    doc["parameters"] = dict.fromkeys(cs.parameters, SENSITIVE)  # values may be secrets
    masked: dict[str, Any] = redactor.redact_obj(doc)
    return masked


def change_set_from_doc(doc: Mapping[str, Any]) -> Any:
    from pytest_devops.cloudformation.model import CfnChange, ChangeSetPlan

    changes = tuple(CfnChange(**{**c, "scope": tuple(c.get("scope", ()))})
                    for c in doc.get("changes", ()))
    return ChangeSetPlan(**{**doc, "changes": changes})


_BUCKETS = ("passed", "failed", "skipped", "baselined", "soft_failed")


def scan_to_doc(report: ScanReport, redactor: Redactor) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "checkov_version": report.checkov_version,
        "targets": list(report.targets),
        "resource_counts": dict(report.resource_counts),
        "parsing_errors": list(report.parsing_errors),
        "cached": report.cached,
    }
    for bucket in _BUCKETS:
        doc[bucket] = [{**r.to_dict(), "status": r.status, "code": r.code}
                       for r in getattr(report, bucket)]
    masked: dict[str, Any] = redactor.redact_obj(doc)
    return masked


def scan_from_doc(doc: Mapping[str, Any]) -> ScanReport:
    from pytest_devops.security.model import ScanReport, ScanResult

    def bucket(name: str) -> tuple[ScanResult, ...]:
        return tuple(ScanResult.from_dict(r) for r in doc.get(name, ()))

    return ScanReport(
        checkov_version=str(doc["checkov_version"]),
        targets=tuple(doc.get("targets", ())),
        resource_counts=dict(doc.get("resource_counts") or {}),
        parsing_errors=tuple(doc.get("parsing_errors", ())),
        cached=bool(doc.get("cached", False)),
        passed=bucket("passed"),
        failed=bucket("failed"),
        skipped=bucket("skipped"),
        baselined=bucket("baselined"),
        soft_failed=bucket("soft_failed"),
    )
