"""A plan's summary as JSON, a text table or Markdown. Redaction is the caller's last step."""

from __future__ import annotations

from typing import Any

from pytest_devops.plan.model import COUNT_KEYS, Plan

__all__ = ["FORMATS", "render", "summary", "warnings"]

FORMATS = ("table", "markdown", "json")


def summary(plan: Plan) -> dict[str, Any]:
    """The contract's JSON form: format_version, terraform_version, counts, resources, digest."""
    counts = plan.counts()
    return {
        "format_version": plan.format_version,
        "terraform_version": plan.terraform_version,
        "counts": {key: counts[key] for key in COUNT_KEYS},
        "resources": [
            {"address": rc.address, "type": rc.type, "actions": list(rc.actions)}
            for rc in plan.resource_changes
        ],
        "digest": plan.digest(),
    }


def _headline(plan: Plan) -> str:
    counts = plan.counts()
    always = ("create", "update", "delete")
    return ", ".join(f"{n} {key}" for key, n in counts.items() if n or key in always)


def _version(plan: Plan) -> str:
    tf = f", Terraform {plan.terraform_version}" if plan.terraform_version else ""
    return f"format {plan.format_version}{tf}"


def warnings(plan: Plan) -> list[str]:
    """What makes the plan unfit to judge or apply, as the gates would say."""
    out = []
    if plan.errored:
        out.append("warning: the plan is errored (`terraform plan` failed part-way); its "
                   "changes are incomplete")
    if plan.complete is False:
        out.append("warning: the plan is incomplete (complete: false); Terraform deferred "
                   "changes it could not plan yet")
    return out


def _rows(plan: Plan) -> list[tuple[str, str, str]]:
    return [
        (rc.action, str(rc), rc.type)
        for rc in plan.resource_changes
        if rc.action != "no-op"
    ]


def table(plan: Plan) -> str:
    rows = _rows(plan)
    lines = [f"plan {plan.source} ({_version(plan)})", f"changes: {_headline(plan)}",
             *warnings(plan)]
    if rows:
        widths = [max(len(r[i]) for r in [("ACTION", "ADDRESS", "TYPE"), *rows]) for i in (0, 1)]
        lines.append("")
        for action, address, rtype in [("ACTION", "ADDRESS", "TYPE"), *rows]:
            lines.append(f"{action:<{widths[0]}}  {address:<{widths[1]}}  {rtype}".rstrip())
    unchanged = plan.counts()["no-op"]
    if unchanged:
        lines.append(f"({unchanged} unchanged not listed)")
    lines += ["", f"digest: {plan.digest()}"]
    return "\n".join(lines) + "\n"


def _md_code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text.replace('|', '&#124;')}{pad}{fence}"


def markdown(plan: Plan) -> str:
    rows = _rows(plan)
    lines = [f"### Terraform plan: {_headline(plan)}", "", f"_{_version(plan)}_", ""]
    lines += [f"> **{w}**\n" for w in warnings(plan)]
    if rows:
        lines += ["| Action | Address | Type |", "| --- | --- | --- |"]
        lines += [f"| {a} | {_md_code(addr)} | {_md_code(t)} |" for a, addr, t in rows]
    else:
        lines.append("No changes.")
    unchanged = plan.counts()["no-op"]
    if unchanged:
        lines += ["", f"{unchanged} unchanged resources not listed."]
    lines += ["", f"Digest: `{plan.digest()}`"]
    return "\n".join(lines) + "\n"


def render(plan: Plan, fmt: str) -> str | dict[str, Any]:
    """Text for table/markdown; the JSON object for json."""
    if fmt == "json":
        return summary(plan)
    if fmt == "markdown":
        return markdown(plan)
    if fmt == "table":
        return table(plan)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
