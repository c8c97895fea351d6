"""Read ``terraform show -json`` output into a :class:`Plan`.

The capture itself (encodings, wrapper and log noise, what is not JSON) is read by
:mod:`pytest_devops.plan.capture`; here a document is refused when it is a state or
another non-plan, an unknown major format, or a plan whose parts disagree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pytest_devops.errors import GateError
from pytest_devops.plan.address import build_address, split_address
from pytest_devops.plan.capture import HOW, decode, extract_json, paused_gc
from pytest_devops.plan.model import ACTIONS, OutputChange, Plan, ResourceChange, action_of

__all__ = ["SUPPORTED_MAJOR", "load_plan", "parse_plan"]

#: Major versions of the JSON plan format this release reads.
SUPPORTED_MAJOR = ("0", "1")


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Load and check a plan file. Raises :class:`GateError` saying what is wrong."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise GateError(f"plan file {p} does not exist", hint=HOW) from None
    except IsADirectoryError:
        raise GateError(f"plan file {p} is a directory, not a file",
                        hint="point terraform.plan_file at the JSON file") from None
    except OSError as exc:
        raise GateError(f"cannot read plan file {p}: {exc.strerror or exc}") from None
    with paused_gc():
        text = decode(data, str(p))
        del data
        doc = extract_json(text, str(p))
        del text
        return parse_plan(doc, str(p))


def _refuse_non_plan(doc: dict[str, Any], source: str) -> None:
    if "lineage" in doc and "serial" in doc and "resources" in doc:
        raise GateError(
            f"{source}: this is a Terraform state file (terraform.tfstate), not a plan",
            hint=HOW,
        )
    plan_keys = ("resource_changes", "planned_values", "output_changes", "prior_state")
    if "values" in doc and not any(k in doc for k in plan_keys):
        raise GateError(
            f"{source}: this is a Terraform state (`terraform show -json` of a state, "
            "with `values`), not a plan (no `resource_changes` or `planned_values`)",
            hint=HOW,
        )
    if "format_version" in doc and not any(k in doc for k in (*plan_keys, "configuration")):
        # Every plan has its configuration and planned values, even one with no changes;
        # read as a plan, this would pass every gate.
        raise GateError(
            f"{source}: this is an empty state (`terraform show -json` without a plan file "
            "prints it where there is no state yet), not a plan",
            hint="pass the saved plan: `terraform show -json tfplan > plan.json`",
        )
    if "format_version" not in doc:
        raise GateError(
            f"{source}: not a Terraform JSON plan (no `format_version`; keys: "
            f"{', '.join(sorted(map(str, doc))[:8]) or 'none'})",
            hint=HOW,
        )


def parse_plan(data: dict[str, Any], source: str = "<plan>") -> Plan:
    """Build a :class:`Plan` from a parsed ``terraform show -json`` document."""
    if not isinstance(data, dict):
        raise GateError(f"{source}: expected a JSON object (a plan), got {type(data).__name__}")
    _refuse_non_plan(data, source)
    version = str(data["format_version"])
    major = version.split(".", 1)[0]
    if major not in SUPPORTED_MAJOR:
        raise GateError(
            f"{source}: plan format_version {version} is not supported (this release reads "
            f"{' and '.join(m + '.x' for m in SUPPORTED_MAJOR)})",
            hint="upgrade pytest-devops, or make the plan with a Terraform/OpenTofu release "
            "whose `show -json` writes format 1.x",
        )
    config = data.get("configuration")
    root = config.get("root_module") if isinstance(config, dict) else None
    declared = root.get("variables") if isinstance(root, dict) else None
    variables = _variables(data.get("variables"), source)
    sensitive_vars = frozenset(
        name for name, spec in (declared or {}).items()
        if isinstance(spec, dict) and spec.get("sensitive") is True
    )
    plan = Plan(
        format_version=version,
        terraform_version=_opt_str(data.get("terraform_version")),
        resource_changes=_changes(data.get("resource_changes"), "resource_changes", source),
        output_changes=_outputs(data.get("output_changes"), source),
        variables=variables,
        resource_drift=_changes(data.get("resource_drift"), "resource_drift", source),
        raw=data,
        source=source,
        sensitive_variables=sensitive_vars,
        errored=data.get("errored") is True,
        applyable=data.get("applyable") if isinstance(data.get("applyable"), bool) else None,
        complete=data.get("complete") if isinstance(data.get("complete"), bool) else None,
        timestamp=_opt_str(data.get("timestamp")),
    )
    _check_parts_agree(plan, data, source)
    return plan


def _check_parts_agree(plan: Plan, data: dict[str, Any], source: str) -> None:
    """Every resource of ``planned_values`` has its ``resource_changes`` entry (a no-op at
    least); a plan missing them (edited, or cut by a tool) would pass the rules with
    nothing checked. Without ``planned_values`` the rules read ``resource_changes``."""
    planned = [r.address for r in plan.planned_resources() if r.mode == "managed"]
    changed = {rc.address for rc in plan.resource_changes if rc.mode == "managed"}
    if "resource_changes" not in data and planned:
        raise GateError(
            f"{source}: `planned_values` holds {len(planned)} resources but the plan has no "
            "`resource_changes`: the file is incomplete, so no rule could check it",
            hint=HOW,
        )
    missing = [a for a in planned if a not in changed]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise GateError(
            f"{source}: {len(missing)} resources of `planned_values` are not in "
            f"`resource_changes` ({', '.join(missing[:3])}{more}): the parts of the plan "
            "disagree",
            hint=HOW,
        )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _variables(raw: Any, source: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise GateError(f"{source}: `variables` should be an object, got {type(raw).__name__}")
    return {name: v.get("value") if isinstance(v, dict) else v for name, v in raw.items()}


def _changes(raw: Any, key: str, source: str) -> list[ResourceChange]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise GateError(f"{source}: `{key}` should be a list, got {type(raw).__name__}")
    out: list[ResourceChange] = []
    append = out.append
    for i, rc in enumerate(raw):
        change = rc.get("change") if isinstance(rc, dict) else None
        if not isinstance(change, dict):
            raise GateError(f"{source}: {key}[{i}] has no `change` object")
        address = rc.get("address")
        actions = _actions(change, f"{key}[{i}] ({address or '?'})", source)
        action = action_of(actions)
        if action is None:
            raise GateError(
                f"{source}: {key}[{i}] ({address or '?'}): unknown actions {list(actions)}; "
                f"this release understands {', '.join(ACTIONS)}",
                hint="upgrade pytest-devops to read plans of this Terraform release",
            )
        rtype = rc.get("type")
        name = rc.get("name")
        module_address = rc.get("module_address")
        mode = rc.get("mode") or "managed"
        index = rc.get("index")
        if not isinstance(address, str) or not address:
            if not isinstance(rtype, str) or not isinstance(name, str):
                raise GateError(
                    f"{source}: {key}[{i}] has neither an `address` nor a type and name"
                )
            address = build_address(module_address or "", mode, rtype, name, index)
        elif rtype is None or name is None or (module_address is None and address[:7] == "module."):
            parts = split_address(address)
            rtype = parts.type if rtype is None else rtype
            name = parts.name if name is None else name
            module_address = parts.module_address if module_address is None else module_address
            if "index" not in rc:
                index = parts.index
        append(ResourceChange(
            address,
            rtype,
            name,
            actions,
            action,
            mode,
            module_address or "",
            index,
            rc.get("provider_name") or "",
            change.get("before"),
            change.get("after"),
            change.get("after_unknown"),
            change.get("before_sensitive"),
            change.get("after_sensitive"),
            rc.get("previous_address"),
            rc.get("action_reason"),
            rc.get("deposed"),
            tuple(change.get("replace_paths") or ()),
            change.get("importing"),
        ))
    return out


def _actions(change: dict[str, Any], where: str, source: str) -> tuple[str, ...]:
    actions = change.get("actions")
    if actions is None:
        return ()
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise GateError(f"{source}: {where}: `change.actions` should be a list of action names "
                        f"such as [\"create\"], got {json.dumps(actions)[:60]}")
    return tuple(actions)


def _outputs(raw: Any, source: str) -> dict[str, OutputChange]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise GateError(f"{source}: `output_changes` should be an object, got {type(raw).__name__}")
    out: dict[str, OutputChange] = {}
    for name, change in raw.items():
        if not isinstance(change, dict):
            raise GateError(f"{source}: output_changes.{name} should be an object")
        actions = _actions(change, f"output_changes.{name}", source)
        action = action_of(actions)
        if action is None:
            raise GateError(f"{source}: output_changes.{name}: unknown actions {list(actions)}")
        out[name] = OutputChange(
            name=name,
            actions=actions,
            action=action,
            before=change.get("before"),
            after=change.get("after"),
            after_unknown=change.get("after_unknown"),
            before_sensitive=change.get("before_sensitive"),
            after_sensitive=change.get("after_sensitive"),
        )
    return out
