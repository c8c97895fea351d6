"""Built-in plan rules: pure checks of a :class:`Plan` against the ``rules`` settings.

Each check returns when the plan complies, raises :class:`GateFailure` with one
:class:`Finding` per offending address when it does not, and raises :class:`GateError`
when it cannot decide (a value the rule needs is known only after apply).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pytest_devops.errors import GateError, GateFailure
from pytest_devops.findings import Finding
from pytest_devops.plan.address import glob_match
from pytest_devops.plan.model import Plan, ResourceChange
from pytest_devops.plan.settings import AllowList, MaxChanges, NoDestroy, RequiredTags
from pytest_devops.plan.values import UNKNOWN, Sensitive

__all__ = [
    "INSTANCE_TYPE_ATTRIBUTES",
    "check_allowed_instance_types",
    "check_allowed_regions",
    "check_allowed_resource_types",
    "check_max_changes",
    "check_no_destroy",
    "check_required_tags",
]

#: Actions that leave a resource in place with new values: the ones rules on values check.
_WRITES = ("create", "update", "replace")

#: Resource type -> attribute holding its instance type (a string or a list of them).
INSTANCE_TYPE_ATTRIBUTES: dict[str, str] = {
    "aws_instance": "instance_type",
    "aws_spot_instance_request": "instance_type",
    "aws_launch_template": "instance_type",
    "aws_launch_configuration": "instance_type",
    "aws_db_instance": "instance_class",
    "aws_rds_cluster_instance": "instance_class",
    "aws_docdb_cluster_instance": "instance_class",
    "aws_neptune_cluster_instance": "instance_class",
    "aws_eks_node_group": "instance_types",
    "aws_elasticache_cluster": "node_type",
    "aws_elasticache_replication_group": "node_type",
    "aws_redshift_cluster": "node_type",
    "aws_opensearch_domain": "cluster_config.0.instance_type",
    "aws_emr_instance_group": "instance_type",
    "google_compute_instance": "machine_type",
    "google_compute_instance_template": "machine_type",
    "google_container_node_pool": "node_config.0.machine_type",
    "google_sql_database_instance": "settings.0.tier",
    "azurerm_linux_virtual_machine": "size",
    "azurerm_windows_virtual_machine": "size",
    "azurerm_virtual_machine": "vm_size",
    "azurerm_linux_virtual_machine_scale_set": "sku",
    "azurerm_windows_virtual_machine_scale_set": "sku",
}
_REGIONAL_PROVIDERS = ("aws", "google", "google-beta", "azurerm")


def _any(patterns: Iterable[str], text: str) -> bool:
    return any(glob_match(p, text) for p in patterns)


def _writes(plan: Plan, ignore: Sequence[str] = ()) -> list[ResourceChange]:
    return [
        rc for rc in plan.resource_changes
        if rc.mode == "managed" and rc.action in _WRITES and not _any(ignore, rc.address)
    ]


def _plural(n: int, word: str, verb: str = "") -> str:
    """``1 resource lacks`` / ``2 resources lack``: ``verb`` is given in its plural form."""
    text = f"{n} {word}{'' if n == 1 else 's'}"
    if verb:
        text += f" {verb}s" if n == 1 else f" {verb}"
    return text


def _decide(rule: str, failures: list[Finding], undecided: list[Finding], headline: str) -> None:
    if failures:
        extra = f" ({_plural(len(undecided), 'more')} undecided until apply)" if undecided else ""
        raise GateFailure(headline + extra, [*failures, *undecided])
    if undecided:
        listed = ", ".join(f.address or "?" for f in undecided[:20])
        more = f" and {len(undecided) - 20} more" if len(undecided) > 20 else ""
        raise GateError(
            f"{rule}: cannot decide for {_plural(len(undecided), 'resource')}: {listed}{more} "
            "(the value is known only after apply)",
            hint="set the value in configuration (a literal or a variable), or exempt the "
            "address with `ignore:`",
        )


def check_no_destroy(plan: Plan, rule: NoDestroy, env_name: str = "") -> None:
    """No delete/replace (per ``rule.actions``) except of allowed addresses."""
    where = f" in environment {env_name}" if env_name else ""
    found = [
        Finding(
            rule="no-destroy",
            message=rc.action + (f" ({rc.action_reason})" if rc.action_reason else "")
            + (f" of deposed object {rc.deposed}" if rc.deposed else ""),
            address=rc.address,
            severity="error",
            details={"actions": list(rc.actions)},
        )
        for rc in plan.resource_changes
        if rc.mode == "managed" and rc.action in rule.actions and not _any(rule.allow, rc.address)
    ]
    if found:
        raise GateFailure(
            f"{_plural(len(found), 'resource')} would be {' or '.join(_past(rule.actions))}"
            f"{where}; allow addresses with rules.no_destroy.allow",
            found,
        )


def _past(actions: Iterable[str]) -> list[str]:
    words = {"delete": "deleted", "replace": "replaced", "forget": "forgotten"}
    return [words.get(a, a) for a in actions]


def _keys(value: Any) -> set[str]:
    """Tag keys with a value: a map, or a list of ``{key, value}`` (aws_autoscaling_group)."""
    if isinstance(value, list):
        return {
            str(t["key"]) for t in value
            if isinstance(t, dict) and t.get("key") and t.get("value") not in (None, "")
        }
    if not isinstance(value, dict):
        return set()
    return {k for k, v in value.items() if v not in (None, "")}


def _default_tags(plan: Plan, rc: ResourceChange) -> set[str]:
    """Tag keys a provider's ``default_tags`` block sets as constants (AWS)."""
    config = plan.raw.get("configuration")
    pc = config.get("provider_config") if isinstance(config, dict) else None
    short = rc.provider_name.rsplit("/", 1)[-1]
    out: set[str] = set()
    for key, entry in (pc or {}).items():
        if not isinstance(entry, dict) or entry.get("name", key) != short:
            continue
        for block in (entry.get("expressions") or {}).get("default_tags") or ():
            if isinstance(block, dict):
                out |= _keys((block.get("tags") or {}).get("constant_value"))
    return out


#: Attributes providers keep tags in: a resource with one of them can carry tags.
_TAG_ATTRIBUTES = ("tags", "tags_all", "labels")


def _has(rc: ResourceChange, attr: str) -> bool:
    after = rc.after if isinstance(rc.after, dict) else {}
    unknown = rc.after_unknown if isinstance(rc.after_unknown, dict) else {}
    return attr in after or attr in unknown


def check_required_tags(plan: Plan, rule: RequiredTags) -> str:
    """Every created/updated/replaced resource with a ``tags`` attribute has the tags.

    Returns what was checked. Checking nothing while resources carry tags in another
    attribute (``attribute: Tags`` for ``tags``) is an error, not a pass.
    """
    failures: list[Finding] = []
    undecided: list[Finding] = []
    attr = rule.attribute
    written = _writes(plan, rule.ignore)
    checked = [rc for rc in written if _has(rc, attr)]
    if written and not checked:
        taggable = [rc.address for rc in written if any(_has(rc, a) for a in _TAG_ATTRIBUTES)]
        if taggable:
            raise GateError(
                f"required_tags checked nothing: no created or updated resource has a `{attr}` "
                f"attribute, but {_plural(len(taggable), 'resource')} carry tags in another "
                f"({', '.join(taggable[:3])})",
                hint="set rules.required_tags.attribute to the attribute those resources "
                "use (tags for AWS and Azure, labels for Google)",
            )
    for rc in checked:
        after = rc.after if isinstance(rc.after, dict) else {}
        unknown = rc.after_unknown if isinstance(rc.after_unknown, dict) else {}
        if unknown.get(attr) is True:
            undecided.append(Finding("required-tags", f"{attr} unknown until apply", rc.address))
            continue
        present = _keys(after.get(attr)) | _keys(unknown.get(attr))
        if attr == "tags":
            present |= _keys(after.get("tags_all")) | _keys(unknown.get("tags_all"))
            if unknown.get("tags_all") is True:
                present |= _default_tags(plan, rc)
        missing = [t for t in rule.tags if t not in present]
        if missing:
            failures.append(Finding(
                "required-tags", f"missing {attr}: {', '.join(missing)}", rc.address,
                severity="error", details={"missing": missing},
            ))
    _decide("required_tags", failures, undecided,
            f"{_plural(len(failures), 'resource', 'lack')} required {attr} "
            f"({', '.join(rule.tags)})")
    skipped = len(written) - len(checked)
    without = f"; {skipped} without a `{attr}` attribute not checked" if skipped else ""
    if not checked:
        return (f"checked nothing: no created or updated resource has a `{attr}` attribute"
                f" ({_plural(len(written), 'resource')} written)")
    return f"checked {_plural(len(checked), 'resource')}{without}"


def check_allowed_resource_types(plan: Plan, rule: AllowList) -> None:
    found = [
        Finding("allowed-resource-types", f"type {rc.type} is not allowed", rc.address,
                severity="error")
        for rc in _writes(plan, rule.ignore)
        if not _any(rule.allow, rc.type)
    ]
    if found:
        raise GateFailure(
            f"{_plural(len(found), 'resource')} of types not in rules.allowed_resource_types "
            f"({', '.join(rule.allow)})",
            found,
        )


def _as_texts(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value]


def check_allowed_instance_types(plan: Plan, rule: AllowList) -> None:
    table = {**INSTANCE_TYPE_ATTRIBUTES, **rule.attributes}
    failures: list[Finding] = []
    undecided: list[Finding] = []
    for rc in _writes(plan, rule.ignore):
        attr = table.get(rc.type)
        if attr is None:
            continue
        value = rc.value(attr, None)
        if value is None:
            continue
        for item in _as_texts(value):
            if item is UNKNOWN:
                undecided.append(Finding("allowed-instance-types",
                                         f"{attr} unknown until apply", rc.address))
            elif isinstance(item, Sensitive):
                undecided.append(Finding("allowed-instance-types", f"{attr} is sensitive",
                                         rc.address))
            elif isinstance(item, str) and not _any(rule.allow, item):
                failures.append(Finding(
                    "allowed-instance-types", f"{attr} {item} is not allowed", rc.address,
                    severity="error", details={"attribute": attr, "value": item},
                ))
    _decide("allowed_instance_types", failures, undecided,
            f"{_plural(len(failures), 'resource', 'use')} instance types not in "
            f"rules.allowed_instance_types ({', '.join(rule.allow)})")


_NOT_REGIONAL = object()


def _region(plan: Plan, rc: ResourceChange) -> Any:
    """The region, ``None`` when it cannot be found, ``_NOT_REGIONAL`` for resources that
    have none of their own (Azure child resources live where their parent does)."""
    if rc.type.startswith("azurerm_"):
        location = rc.value("location", _NOT_REGIONAL)
        return None if location is UNKNOWN else location
    return plan.resource_region(rc)


def check_allowed_regions(plan: Plan, rule: AllowList) -> None:
    failures: list[Finding] = []
    undecided: list[Finding] = []
    for rc in _writes(plan, rule.ignore):
        region = _region(plan, rc)
        if region is _NOT_REGIONAL:
            continue
        if not isinstance(region, str):
            if rc.type.split("_", 1)[0] in _REGIONAL_PROVIDERS:
                undecided.append(Finding("allowed-regions", "region not found in the plan",
                                         rc.address))
            continue
        if not _any(rule.allow, region):
            failures.append(Finding(
                "allowed-regions", f"region {region} is not allowed", rc.address,
                severity="error", details={"region": region},
            ))
    _decide("allowed_regions", failures, undecided,
            f"{_plural(len(failures), 'resource')} in regions not in rules.allowed_regions "
            f"({', '.join(rule.allow)})")


def check_max_changes(plan: Plan, rule: MaxChanges) -> None:
    changed = [rc for rc in plan.resource_changes if rc.action in rule.actions]
    if len(changed) <= rule.max:
        return
    raise GateFailure(
        f"{_plural(len(changed), 'resource change', 'exceed')} rules.max_changes ({rule.max}); "
        "split the change or raise the limit",
        [Finding("max-changes", rc.action, rc.address) for rc in changed],
    )


def _display(address: Any) -> str:
    if isinstance(address, dict):
        return str(address.get("to_display") or address.get("name") or "?")
    return str(address or "?")


def check_checks(plan: Plan) -> str:
    """Terraform ``check`` blocks (``checks`` in the plan JSON): a failed assertion fails
    the gate with its error messages; one Terraform could not evaluate is an error; one
    known only after apply is listed in the note."""
    raw = plan.raw.get("checks")
    if not isinstance(raw, list):
        return "the plan has no check blocks"
    failed: list[Finding] = []
    errored: list[str] = []
    later: list[str] = []
    blocks = [c for c in raw if isinstance(c, dict)
              and (c.get("address") or {}).get("kind", "check") == "check"]
    for check in blocks:
        name = _display(check.get("address"))
        status = check.get("status")
        instances = [i for i in check.get("instances") or () if isinstance(i, dict)]
        if status == "fail":
            for inst in instances or [{}]:
                if inst.get("status", "fail") != "fail":
                    continue
                problems = [str(p.get("message", "")) for p in inst.get("problems") or ()
                            if isinstance(p, dict)] or ["the check failed"]
                failed += [Finding("terraform-check", message,
                                   _display(inst.get("address")) if inst else name,
                                   severity="error") for message in problems]
        elif status == "error":
            errored.append(name)
        elif status == "unknown":
            later.append(name)
    if failed:
        addresses = sorted({f.address or "" for f in failed})
        raise GateFailure(f"{_plural(len(addresses), 'check block')} failed: "
                          f"{', '.join(addresses)}", failed)
    if errored:
        raise GateError(f"Terraform could not evaluate {', '.join(errored)}",
                        hint="run `terraform plan` and read the check's error")
    note = f"{_plural(len(blocks), 'check block')} passed"
    if later:
        note = (f"{_plural(len(blocks) - len(later), 'check block')} passed; "
                f"known only after apply: {', '.join(later)}")
    return note
