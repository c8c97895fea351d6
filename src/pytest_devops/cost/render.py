"""An estimate as a terminal table, a Markdown table, or JSON (all redacted by the caller)."""

from __future__ import annotations

from decimal import Decimal

from pytest_devops.cost.budget import usd
from pytest_devops.cost.model import Component, CostEstimate, ResourceCost

__all__ = ["markdown", "table"]


def _qty(c: Component) -> str:
    if c.quantity is None:
        return "-"
    q = c.quantity.quantize(Decimal("0.0001")).normalize()
    return f"{q:,f}"


def _monthly(c: Component) -> str:
    if c.quantity is None:
        price = usd(c.price) if c.price >= Decimal("0.01") else f"${c.price}"
        return f"depends on usage: {price} per {c.unit}"
    return usd(c.monthly)


def _rows(r: ResourceCost) -> list[tuple[str, str, str, str]]:
    return [(f"{c.label}", _qty(c), c.unit, _monthly(c)) for c in r.components]


def table(est: CostEstimate) -> str:
    rows = [(r, _rows(r)) for r in est.resources]
    # Wide enough for the longest label: a cut name ("... db.t3.micro, MySQ") hides what
    # is priced.
    width = max([60, *(len(label) + 2 for _, lines in rows for label, *_ in lines)])
    lines = [f"{'Resource / component':<{width}} {'Qty':>14} {'Unit':<12} {'Monthly':>12}"]
    for r, components in rows:
        change = (f"{usd(r.monthly_before)} -> {usd(r.monthly_after)} "
                  f"({usd(r.monthly_delta, sign=True)})")
        lines.append(f"{r.address} ({r.action}): {change}")
        for label, qty, unit, monthly in components:
            lines.append(f"  {label:<{width - 2}} {qty:>14} {unit:<12} {monthly:>12}".rstrip())
    lines.append("")
    lines.append(
        f"TOTAL ({est.currency}/month): {usd(est.monthly_before)} -> {usd(est.monthly_after)} "
        f"({usd(est.monthly_delta, sign=True)})"
    )
    lines.append(
        f"{len(est.resources)} priced, {len(est.free)} free, "
        f"{len({u.address for u in est.unpriced})} not priced"
    )
    for u in est.unpriced:
        lines.append(f"  not priced: {u.address}: {u.reason}")
    if est.sources:
        lines.append(f"prices: {', '.join(est.sources)}")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(est: CostEstimate) -> str:
    lines = [
        f"**Monthly cost:** {usd(est.monthly_before)} → {usd(est.monthly_after)} "
        f"(**{usd(est.monthly_delta, sign=True)}**)",
        "",
        "| Resource | Action | Before | After | Change |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in sorted(est.resources, key=lambda r: (-abs(r.monthly_delta), r.address)):
        lines.append(
            f"| `{_md(r.address)}` | {r.action} | {usd(r.monthly_before)} | "
            f"{usd(r.monthly_after)} | {usd(r.monthly_delta, sign=True)} |"
        )
    if est.unpriced:
        lines += ["", f"**Not priced ({len(est.unpriced)}):**", ""]
        lines += [f"- `{_md(u.address)}`: {_md(u.reason)}" for u in est.unpriced]
    return "\n".join(lines)
