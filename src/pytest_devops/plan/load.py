"""Read ``terraform show -json`` output as real pipelines produce it.

Accepted: UTF-8 with or without BOM, UTF-16/32 with BOM (PowerShell redirection), the
hashicorp/setup-terraform wrapper's noise (``[command]...``, ``::debug::`` lines,
``%0A``-escaped output), ``TF_LOG`` lines mixed into the capture. Refused with a message
that says what the file is and what to run instead: a state, the streaming log of
``terraform plan -json``, empty, truncated or non-JSON files, an unknown major format.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pytest_devops.errors import GateError
from pytest_devops.plan.address import build_address, split_address
from pytest_devops.plan.model import ACTIONS, OutputChange, Plan, ResourceChange, action_of

__all__ = ["SUPPORTED_MAJOR", "decode", "extract_json", "load_plan", "parse_plan", "paused_gc"]

#: Major versions of the JSON plan format this release reads.
SUPPORTED_MAJOR = ("0", "1")
_HOW = "make it with `terraform plan -out=tfplan && terraform show -json tfplan > plan.json`"
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_TF_LOG = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+\[[A-Z]+\]"
)
_NOISE_PREFIXES = ("[command]", "##[", "%0A")
#: How the human-readable output of ``terraform plan`` / ``show`` begins.
_PLAN_TEXT = ("Terraform used the selected providers", "Terraform will perform",
              "No changes.", "Terraform detected", "Refreshing state", "Acquiring state lock",
              "An execution plan has been generated", "Note: Objects have changed",
              "Planning failed", "Changes to Outputs", "Resource actions are")
#: GitHub workflow commands (``::debug::``, ``::set-output name=x::``, a resume token).
_WORKFLOW_COMMAND = re.compile(r"^::[A-Za-z0-9_-]+(?:\s[^:]*)?::")


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Load and check a plan file. Raises :class:`GateError` saying what is wrong."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise GateError(f"plan file {p} does not exist", hint=_HOW) from None
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


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a plan's objects are built.

    A plan is a tree of fresh containers without cycles, so there is nothing to collect;
    collecting anyway re-walks every object already made each time a generation fills,
    which on a 50,000-resource plan costs more than parsing it. Reference counting still
    frees everything; the collector resumes (if it was on) when the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def decode(data: bytes, source: str) -> str:
    """Bytes to text: BOM-marked UTF-8/16/32, else UTF-8 (UTF-16 without BOM detected)."""
    if data.startswith(b"PK\x03\x04"):
        raise GateError(
            f"{source}: this is a saved binary plan (tfplan, a zip archive), not its JSON",
            hint="convert it with `terraform show -json tfplan > plan.json`",
        )
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise GateError(f"{source}: starts with a {codec} byte order mark but is not "
                                f"valid {codec} at byte {exc.start}") from None
    if len(data) >= 2 and data[0] and not data[1] and data[:1] in b"{[ \r\n\t":
        try:
            return data.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GateError(
            f"{source}: not UTF-8 text (invalid byte at offset {exc.start}); is it the binary "
            "plan (tfplan) rather than its JSON?",
            hint=f"convert a saved plan with `terraform show -json tfplan > plan.json`; {_HOW}",
        ) from None


class _NotJsonConstant(ValueError):
    """``NaN``/``Infinity`` (Python's JSON reader accepts them; JSON and Terraform do not),
    or a number too large for a float."""


def _no_constants(name: str) -> Any:
    raise _NotJsonConstant(name)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotJsonConstant(text)
    return value


def extract_json(text: str, source: str) -> dict[str, Any]:
    """The plan document in ``text``; wrapper and log noise around it is dropped."""
    try:
        return _extract(text, source)
    except _NotJsonConstant as exc:
        raise GateError(
            f"{source}: holds the number {exc}, which is not a finite JSON number",
            hint="the file was not written by Terraform or was edited; " + _HOW,
        ) from None


def _extract(text: str, source: str) -> dict[str, Any]:
    if not text.strip():
        raise GateError(f"{source}: the file is empty", hint=_HOW)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            doc = json.loads(stripped, parse_constant=_no_constants, parse_float=_finite)
        except json.JSONDecodeError as exc:
            first_error: json.JSONDecodeError | None = exc
        else:
            return _as_object(doc, source)
    else:
        first_error = None
    return _from_noisy(stripped, source, first_error)


def _as_object(doc: Any, source: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise GateError(f"{source}: expected a JSON object (a plan), got a JSON "
                        f"{type(doc).__name__}", hint=_HOW)
    return doc


def _is_noise(line: str) -> bool:
    s = line.strip()
    return (not s or s.startswith(_NOISE_PREFIXES) or bool(_WORKFLOW_COMMAND.match(s))
            or bool(_TF_LOG.match(s)))


def _unescape_command(value: str) -> str:
    """Undo the workflow-command escaping of the setup-terraform wrapper."""
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _from_noisy(text: str, source: str, first_error: json.JSONDecodeError | None) -> dict[str, Any]:
    lines = text.splitlines()
    _refuse_stream(lines, source)
    _refuse_failed_capture(lines, source)
    decoder = json.JSONDecoder(parse_constant=_no_constants, parse_float=_finite)
    for number, line in enumerate(lines):
        s = line.strip()
        if s.startswith("::set-output name=stdout::"):
            s = s.partition("::")[2].partition("::")[2]
        if not s.startswith("{"):
            continue
        candidates = ["\n".join([s, *lines[number + 1:]])]
        if s.endswith("%0A"):  # the wrapper escaped the output: %25 -> %, %0A -> newline
            candidates.insert(0, _unescape_command(s) + "\n".join(["", *lines[number + 1:]]))
        for candidate in candidates:
            try:
                doc, end = decoder.raw_decode(candidate)
            except json.JSONDecodeError:
                continue
            rest = candidate[end:].splitlines()
            bad = [i for i, ln in enumerate(rest) if not (_is_noise(ln) or (i == 0 and not ln))]
            if bad:
                at = number + candidate[:end].count("\n") + bad[0] + 1
                raise GateError(
                    f"{source}: unexpected text after the plan JSON (line {at})",
                    hint="the file should hold only `terraform show -json` output",
                )
            return _as_object(doc, source)
        break
    raise _not_json(text, source, first_error)


_EXIT_CODE = re.compile(r"^::set-output name=exitcode::(-?\d+)\s*$")


def _refuse_failed_capture(lines: list[str], source: str) -> None:
    """The setup-terraform wrapper's capture of a command that failed (no plan in it)."""
    for line in lines:
        m = _EXIT_CODE.match(line.strip())
        if m and m.group(1) != "0":
            raise GateError(
                f"{source}: holds the setup-terraform wrapper's capture of a command that "
                f"failed (exitcode {m.group(1)}), not a plan",
                hint="see the step that ran `terraform show -json` for its error, fix it and "
                "capture the plan again",
            )


def _refuse_stream(lines: list[str], source: str) -> None:
    shown = list(itertools.islice((s for ln in lines if (s := ln.strip()).startswith("{")), 2))
    if len(shown) < 2 or not all('"@level"' in ln or '"@message"' in ln for ln in shown):
        return
    raise GateError(
        f"{source}: this is the streaming log of `terraform plan -json` (one JSON message "
        "per line), not a plan",
        hint="save the plan with `terraform plan -out=tfplan` and convert it with "
        "`terraform show -json tfplan > plan.json`",
    )


def _not_json(text: str, source: str, error: json.JSONDecodeError | None) -> GateError:
    if error is not None:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            return GateError(
                f"{source}: the JSON ends before the plan is complete (truncated at line "
                f"{error.lineno}, column {error.colno})",
                hint="the file was cut short: re-run `terraform show -json` and write it whole",
            )
        return GateError(
            f"{source}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            hint=_HOW,
        )
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first.startswith(_PLAN_TEXT):
        return GateError(
            f"{source}: not a JSON plan; it starts with {first[:80]!r}",
            hint="the text output of `terraform plan` cannot be read; " + _HOW,
        )
    # Any other text is not quoted: a file named by mistake (a .tfvars, an .env) may
    # hold secrets, and nothing has told the redactor about them.
    return GateError(
        f"{source}: not a JSON plan; it starts with text, not a JSON object "
        f"(line 1 has {len(first)} characters)",
        hint="point at the output of `terraform show -json`; " + _HOW,
    )


def _refuse_non_plan(doc: dict[str, Any], source: str) -> None:
    if "lineage" in doc and "serial" in doc and "resources" in doc:
        raise GateError(
            f"{source}: this is a Terraform state file (terraform.tfstate), not a plan",
            hint=_HOW,
        )
    plan_keys = ("resource_changes", "planned_values", "output_changes", "prior_state")
    if "values" in doc and not any(k in doc for k in plan_keys):
        raise GateError(
            f"{source}: this is a Terraform state (`terraform show -json` of a state, "
            "with `values`), not a plan (no `resource_changes` or `planned_values`)",
            hint=_HOW,
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
            hint=_HOW,
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
            hint=_HOW,
        )
    missing = [a for a in planned if a not in changed]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise GateError(
            f"{source}: {len(missing)} resources of `planned_values` are not in "
            f"`resource_changes` ({', '.join(missing[:3])}{more}): the parts of the plan "
            "disagree",
            hint=_HOW,
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
