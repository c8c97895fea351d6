"""Budget rules over an estimate. Each raises :class:`GateFailure` with the breakdown of
what drives the cost (top resources and components) and the resources it could not price.

Amounts are judged as they are shown (rounded to cents, a percentage to 0.1), so a limit
is inclusive of the amount the message would print: a cost of $0.504 passes a budget of
$0.50, where it would otherwise fail as "$0.50 exceeds the budget $0.50 by $0.00".
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from pytest_devops.cost.model import CostEstimate, cents
from pytest_devops.errors import GateFailure
from pytest_devops.findings import Finding

__all__ = [
    "CHECKS", "check_budget", "check_unpriced", "explain", "usage_lines", "usd", "warning_lines",
]

TOP = 5
HUNDRED = Decimal(100)


def usd(amount: Decimal, sign: bool = False) -> str:
    """``$1,361.31`` (``+$1,361.31`` / ``-$5.00`` with ``sign``)."""
    q = cents(amount)
    text = f"${abs(q):,.2f}"
    if q < 0:
        return f"-{text}"
    return f"+{text}" if sign else text


def warning_lines(est: CostEstimate, limit: int = 10) -> list[str]:
    """Lines naming what the estimate could not price (empty when everything is priced)."""
    if not est.unpriced:
        return []
    lines = [f"warning: {len(est.unpriced)} resource(s) not priced, not counted in the totals:"]
    lines += [f"  ? {u.address}: {u.reason}" for u in est.unpriced[:limit]]
    if len(est.unpriced) > limit:
        lines.append(f"  ... and {len(est.unpriced) - limit} more")
    return lines


def explain(est: CostEstimate) -> list[str]:
    """The breakdown shown under a failing budget: the change, top drivers, unpriced."""
    lines = [
        f"monthly cost {usd(est.monthly_before)} -> {usd(est.monthly_after)} "
        f"({usd(est.monthly_delta, sign=True)})"
    ]
    drivers = est.drivers(TOP)
    if drivers:
        lines.append("what drives it:")
        lines += [f"  {usd(d.delta, sign=True):>12}  {d.address}: {d.component}" for d in drivers]
    top = sorted(est.resources, key=lambda r: (-r.monthly_after, r.address))[:TOP]
    if top and any(r.monthly_after for r in top):
        lines.append("most expensive after the plan:")
        lines += [f"  {usd(r.monthly_after):>12}  {r.address}" for r in top if r.monthly_after]
    return lines + usage_lines(est) + warning_lines(est)


def usage_lines(est: CostEstimate, limit: int = 5) -> list[str]:
    """A note on usage-priced components that have no usage (they add nothing)."""
    missing = [f"{r.address}: {c.label}" for r in est.resources for c in r.usage_unknown()]
    if not missing:
        return []
    lines = [f"note: {len(missing)} usage-priced component(s) have no usage and add nothing "
             "(give it in cost.usage_file):"]
    lines += [f"  ~ {m}" for m in missing[:limit]]
    if len(missing) > limit:
        lines.append(f"  ... and {len(missing) - limit} more")
    return lines


def _fail(head: str, est: CostEstimate, findings: list[Finding]) -> GateFailure:
    return GateFailure("\n".join([head, *explain(est)]), findings)


def _finding(rule: str, message: str, address: str | None = None) -> Finding:
    return Finding(rule=rule, message=message, address=address, severity="high")


def monthly_max(est: CostEstimate, limit: Decimal) -> None:
    after = cents(est.monthly_after)
    if after > limit:
        head = (f"cost.monthly_max: monthly cost after the plan {usd(after)} exceeds "
                f"the budget {usd(limit)} by {usd(after - limit)}")
        raise _fail(head, est, [])


def monthly_increase_max(est: CostEstimate, limit: Decimal) -> None:
    delta = cents(est.monthly_delta)
    if delta > limit:
        head = (f"cost.monthly_increase_max: the plan raises the monthly cost by "
                f"{usd(delta)}, more than the {usd(limit)} allowed")
        findings = [
            _finding("cost.monthly_increase_max", f"{usd(r.monthly_delta, sign=True)}/month",
                     r.address)
            for r in est.top_resources(len(est.resources)) if cents(r.monthly_delta) > 0
        ]
        raise _fail(head, est, findings)


def monthly_increase_pct_max(est: CostEstimate, limit: Decimal) -> None:
    delta, before = cents(est.monthly_delta), cents(est.monthly_before)
    if delta <= 0:
        return
    if before == 0:
        head = (f"cost.monthly_increase_pct_max: the plan raises the monthly cost from $0.00 to "
                f"{usd(est.monthly_after)}: an increase from nothing has no percentage "
                f"(use monthly_increase_max for new stacks)")
        raise _fail(head, est, [])
    pct = (delta * HUNDRED / before).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if pct > limit:
        head = (f"cost.monthly_increase_pct_max: the plan raises the monthly cost by {pct}% "
                f"({usd(delta, sign=True)}), more than the {limit}% allowed")
        raise _fail(head, est, [])


def resource_max(est: CostEstimate, limit: Decimal) -> None:
    over = sorted((r for r in est.resources if cents(r.monthly_after) > limit),
                  key=lambda r: (-r.monthly_after, r.address))
    if over:
        head = (f"cost.resource_max: {len(over)} resource(s) cost more than {usd(limit)} "
                f"a month after the plan")
        findings = [
            _finding("cost.resource_max", f"{usd(r.monthly_after)}/month", r.address) for r in over
        ]
        raise _fail(head, est, findings)


CHECKS: dict[str, Callable[[CostEstimate, Decimal], None]] = {
    "monthly_max": monthly_max,
    "monthly_increase_max": monthly_increase_max,
    "monthly_increase_pct_max": monthly_increase_pct_max,
    "resource_max": resource_max,
}


def check_budget(est: CostEstimate, key: str, limit: Decimal) -> None:
    """Apply budget rule ``key`` (``monthly_max``...) with ``limit``; raise on failure."""
    CHECKS[key](est, limit)


def check_unpriced(est: CostEstimate) -> None:
    """Fail while anything in the plan could not be priced (``fail_on_unpriced``)."""
    if est.unpriced:
        findings = [_finding("cost.unpriced", u.reason, u.address) for u in est.unpriced]
        raise GateFailure(
            f"cost.unpriced: {len(est.unpriced)} resource(s) could not be priced; the budget "
            "cannot vouch for them (price them with cost.price_file, or set fail_on_unpriced: "
            "false to judge only what is priced)",
            findings,
        )
