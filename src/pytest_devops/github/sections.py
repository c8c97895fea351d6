"""Markdown for the report sections other features add: ``plan``, ``cost``, ``security``.

Their shapes are the JSON forms of ``pytest-devops plan``/``cost`` and a list of findings.
A section that is absent, or a field of the wrong type, is left out rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pytest_devops.github.escape import code_span, md_cell
from pytest_devops.github.markdown import ROWS, Block, findings_table
from pytest_devops.report.model import GateReport, ReportError, finding_from

PLAN_ACTIONS = ("create", "update", "delete", "replace", "read")
#: Our own markup (escaped where markdown would read it), shown beside each action.
_SIGNS = {"create": "\\+", "update": "\\~", "delete": "\\-", "replace": "±", "read": "&lt;="}


def section_blocks(report: GateReport, link: str | None = None) -> list[Block]:
    blocks: list[Block] = []
    blocks += plan_blocks(report.section("plan"))
    blocks += reviewed_blocks(report.section("plan"), report.env or "")
    blocks += diff_blocks(report.section("plan"), report.env or "", link)
    blocks += cost_blocks(report.section("cost"))
    blocks += security_blocks(report.section("security"))
    return blocks


def plan_blocks(plan: Mapping[str, Any]) -> list[Block]:
    if not plan:
        return []
    counts = plan.get("counts")
    counts = counts if isinstance(counts, Mapping) else {}
    parts = [
        f"**{counts[a]}** to {a}"
        for a in PLAN_ACTIONS
        if isinstance(counts.get(a), int) and counts[a]
    ]
    line = " · ".join(parts) if parts else "No changes."
    digest = plan.get("digest")
    if isinstance(digest, str) and digest:
        line += f"\n\nPlan digest: {code_span(digest)}"
    head = Block(f"#### Plan\n\n{line}", essential=True)
    rows = [r for r in _list(plan.get("resources")) if _actions(r) not in ("", "no-op")]
    if not rows:
        return [head]
    cells = [
        f"| {_SIGNS.get(_actions(r), '')} | {md_cell(_actions(r))} | "
        f"{code_span(r.get('address', '?'))} | "
        f"{code_span(r.get('type', '')) if r.get('type') else '-'} |"
        for r in rows[:ROWS]
    ]
    table = _details_table("Resource changes", "| | Action | Resource | Type |",
                           "| --- | --- | --- | --- |", cells, len(rows))
    return [head, Block(table)]


def reviewed_blocks(plan: Mapping[str, Any], env: str) -> list[Block]:
    """The hidden line naming the digest shown, read back after the merge (``reviewed``)."""
    digest = plan.get("digest") if plan else None
    if not (env and isinstance(digest, str) and re.match(r"^sha256:[0-9a-f]{64}$", digest)):
        return []
    from pytest_devops.review.lookup import digest_line

    return [Block(digest_line(env, digest), essential=True)]


def diff_blocks(plan: Mapping[str, Any], root: str, link: str | None) -> list[Block]:
    """The attribute-level diff the plan section carries (``diff``), fitted to the room."""
    doc = plan.get("diff") if plan else None
    if not isinstance(doc, Mapping):
        return []
    from dataclasses import replace

    from pytest_devops.github.diff import diff_markdown
    from pytest_devops.plan.diff import from_dict

    try:
        diff = from_dict(doc, "report: plan.diff")
    except ValueError:  # like every section field of the wrong shape: left out
        return []
    if not diff.has_changes:
        return []
    diff = replace(diff, root=diff.root or root)
    return [Block(fit=lambda room: diff_markdown([diff], room, link))]


def _details_table(summary: str, header: str, align: str, rows: list[str], total: int) -> str:
    """A collapsed table of the first rows, saying how many of ``total`` were left out."""
    lines = [f"<details><summary>{summary} ({total})</summary>", "", header, align, *rows]
    if total > len(rows):
        lines.append(f"\n… and {total - len(rows)} more.")
    return "\n".join([*lines, "", "</details>"])


def _actions(resource: Mapping[str, Any]) -> str:
    actions = resource.get("actions", resource.get("action"))
    if isinstance(actions, str):
        return actions
    names = [str(a) for a in _plain_list(actions)]
    if sorted(names) == ["create", "delete"]:
        return "replace"
    return "+".join(names)


def money(value: Any, *, signed: bool = False) -> str:
    """``1,234.50`` (``+12.00`` when signed); anything that is not a number is shown escaped."""
    if isinstance(value, bool) or value is None:
        return "-"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return md_cell(value, 40)
    if not amount.is_finite():
        return md_cell(value, 40)
    text = f"{amount:,.2f}"
    return f"+{text}" if signed and amount > 0 else text


def cost_blocks(cost: Mapping[str, Any]) -> list[Block]:
    if not cost:
        return []
    currency = md_cell(cost.get("currency") or "USD", 10)
    lines = [
        "#### Cost",
        "",
        f"| Monthly ({currency}) | Before | After | Change |",
        "| --- | ---: | ---: | ---: |",
        f"| Total | {money(cost.get('monthly_before'))} | {money(cost.get('monthly_after'))} | "
        f"**{money(cost.get('monthly_delta'), signed=True)}** |",
    ]
    budget = cost.get("budget")
    if budget is not None and not isinstance(budget, (Mapping, list)):
        lines.append(f"\nBudget: {money(budget)} {currency} a month.")
    blocks = [Block("\n".join(lines), essential=True)]
    resources = _list(cost.get("resources"))
    if resources:
        rows = []
        for r in resources[:ROWS]:
            delta = r.get("monthly_delta", _delta(r.get("monthly_before"), r.get("monthly_after")))
            rows.append(
                f"| {code_span(r.get('address', '?'))} | {money(r.get('monthly_before'))} | "
                f"{money(r.get('monthly_after'))} | {money(delta, signed=True)} |"
            )
        table = _details_table("Cost by resource", "| Resource | Before | After | Change |",
                               "| --- | ---: | ---: | ---: |", rows, len(resources))
        blocks.append(Block(table))
    unpriced = _plain_list(cost.get("unpriced"))
    if unpriced:
        items = [_unpriced(u) for u in unpriced[:ROWS]]
        more = f"\n- … and {len(unpriced) - ROWS} more" if len(unpriced) > ROWS else ""
        blocks.append(
            Block(
                f"<details><summary>Not priced ({len(unpriced)})</summary>\n\n"
                + "\n".join(f"- {i}" for i in items)
                + more
                + "\n\n</details>"
            )
        )
    return blocks


def _delta(before: Any, after: Any) -> Any:
    try:
        return Decimal(str(after or 0)) - Decimal(str(before or 0))
    except InvalidOperation:
        return None


def _unpriced(item: Any) -> str:
    if isinstance(item, Mapping):
        address = code_span(item.get("address") or item.get("type") or "?")
        reason = item.get("reason") or item.get("message")
        return f"{address}: {md_cell(reason)}" if reason else address
    return code_span(item)


def security_blocks(security: Mapping[str, Any]) -> list[Block]:
    if not security:
        return []
    findings = []
    listed = _list(security.get("findings")) or _list(security.get("failed"))
    for i, raw in enumerate(listed):
        try:
            findings.append(finding_from(raw, key=f"security.findings[{i}]"))
        except ReportError:  # pragma: no cover - _list keeps mappings only
            continue
    counts = [
        f"**{security[k]}** {k}"
        for k in ("passed", "failed", "skipped")
        if isinstance(security.get(k), int) and not isinstance(security.get(k), bool)
    ]
    summary = (
        " · ".join(counts) or f"**{len(findings)}** finding{'s' if len(findings) != 1 else ''}"
    )
    blocks = [Block(f"#### Security\n\n{summary}", essential=True)]
    if findings:
        blocks.append(
            Block(
                f"<details><summary>Security findings ({len(findings)})</summary>\n\n"
                f"{findings_table(findings)}\n\n</details>"
            )
        )
    return blocks


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in _plain_list(value) if isinstance(v, Mapping)]


def _plain_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []
