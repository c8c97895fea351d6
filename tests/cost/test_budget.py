"""Budget rules: exact pass/fail decisions and the breakdown in the failure message."""

from __future__ import annotations

from decimal import Decimal

import pytest
from costplans import make_plan, res

from pytest_devops.cost import CostEstimate, estimate
from pytest_devops.cost.budget import check_budget, check_unpriced, usd
from pytest_devops.errors import GateFailure


@pytest.fixture(scope="module")
def growth() -> CostEstimate:
    """$70.88 -> $227.81: an instance grows, a NAT gateway arrives, one queue is unpriced."""
    small = {"ami": "ami-1", "instance_type": "m5.large"}
    return estimate(make_plan([
        res("aws_instance.web", {**small, "instance_type": "m5.xlarge"}, action="update",
            before=small),
        res("aws_nat_gateway.nat", {"subnet_id": "s"}),
        res("aws_sqs_queue.jobs", {"name": "jobs"}),
    ]))


def test_totals(growth: CostEstimate) -> None:
    assert (usd(growth.monthly_before), usd(growth.monthly_after)) == ("$70.88", "$173.81")
    assert usd(growth.monthly_delta, sign=True) == "+$102.93"


@pytest.mark.parametrize(("key", "limit"), [
    ("monthly_max", "173.81"),
    ("monthly_increase_max", "102.93"),
    ("monthly_increase_pct_max", "145.3"),  # 102.93 / 70.88 = 145.22%
    ("resource_max", "140.96"),
])
def test_limits_are_inclusive(growth: CostEstimate, key: str, limit: str) -> None:
    check_budget(growth, key, Decimal(limit))


def test_limits_judge_the_amount_as_shown_in_cents() -> None:
    """$0.504115... a month is shown as $0.50: a budget of $0.50 passes, $0.49 fails."""
    from pytest_devops.cost.usage import Usage

    est = estimate(
        make_plan([res("aws_lambda_function.f", {"function_name": "f", "memory_size": 128})]),
        usage=Usage({"aws_lambda_function.f": {"monthly_requests": 1234567,
                                               "request_duration_ms": 100}}),
    )
    assert est.monthly_after == Decimal("0.50411537273625")
    for key in ("monthly_max", "monthly_increase_max", "resource_max"):
        check_budget(est, key, Decimal("0.50"))
    with pytest.raises(GateFailure) as info:
        check_budget(est, "monthly_max", Decimal("0.49"))
    assert info.value.message.splitlines()[0] == (
        "cost.monthly_max: monthly cost after the plan $0.50 exceeds the budget $0.49 by $0.01")


def test_monthly_max_failure_explains_what_drives_it(growth: CostEstimate) -> None:
    with pytest.raises(GateFailure) as info:
        check_budget(growth, "monthly_max", Decimal("150"))
    assert str(info.value).splitlines() == [
        "cost.monthly_max: monthly cost after the plan $173.81 exceeds the budget $150.00 "
        "by $23.81",
        "monthly cost $70.88 -> $173.81 (+$102.93)",
        "what drives it:",
        "      +$140.16  aws_instance.web: Instance usage (Linux/UNIX, on-demand, m5.xlarge)",
        "       +$32.85  aws_nat_gateway.nat: NAT gateway",
        "       -$70.08  aws_instance.web: Instance usage (Linux/UNIX, on-demand, m5.large)",
        "most expensive after the plan:",
        "       $140.96  aws_instance.web",
        "        $32.85  aws_nat_gateway.nat",
        "note: 1 usage-priced component(s) have no usage and add nothing "
        "(give it in cost.usage_file):",
        "  ~ aws_nat_gateway.nat: Data processed",
        "warning: 1 resource(s) not priced, not counted in the totals:",
        "  ? aws_sqs_queue.jobs: aws_sqs_queue is not covered by the cost engine",
    ]


def test_increase_failure_has_findings_per_resource(growth: CostEstimate) -> None:
    with pytest.raises(GateFailure) as info:
        check_budget(growth, "monthly_increase_max", Decimal("100"))
    assert info.value.message.splitlines()[0] == (
        "cost.monthly_increase_max: the plan raises the monthly cost by $102.93, more than the "
        "$100.00 allowed"
    )
    assert [(f.address, f.message) for f in info.value.findings] == [
        ("aws_instance.web", "+$70.08/month"),
        ("aws_nat_gateway.nat", "+$32.85/month"),
    ]


def test_increase_findings_name_every_resource_that_grows_not_only_the_top_five() -> None:
    est = estimate(make_plan([res(f"aws_nat_gateway.n{i}", {"subnet_id": "s"}) for i in range(7)]))
    with pytest.raises(GateFailure) as info:
        check_budget(est, "monthly_increase_max", Decimal("100"))
    assert [(f.address, f.message) for f in info.value.findings] == [
        (f"aws_nat_gateway.n{i}", "+$32.85/month") for i in range(7)]
    # The message's breakdown stays at the top five.
    assert info.value.message.splitlines()[2:8] == [
        "what drives it:",
        *(f"       +$32.85  aws_nat_gateway.n{i}: NAT gateway" for i in range(5)),
    ]


def test_increase_pct(growth: CostEstimate) -> None:
    with pytest.raises(GateFailure, match=r"raises the monthly cost by 145\.2% \(\+\$102\.93\), "
                                          r"more than the 100% allowed"):
        check_budget(growth, "monthly_increase_pct_max", Decimal("100"))


def test_increase_pct_from_nothing_fails() -> None:
    est = estimate(make_plan([res("aws_nat_gateway.nat", {"subnet_id": "s"})]))
    with pytest.raises(GateFailure, match=r"from \$0\.00 to \$32\.85: an increase from nothing "
                                          r"has no percentage"):
        check_budget(est, "monthly_increase_pct_max", Decimal("1000"))


def test_a_decrease_passes_every_increase_rule() -> None:
    est = estimate(make_plan([res("aws_nat_gateway.nat", None, action="delete",
                                  before={"subnet_id": "s"})]))
    assert usd(est.monthly_delta, sign=True) == "-$32.85"
    check_budget(est, "monthly_increase_max", Decimal(0))
    check_budget(est, "monthly_increase_pct_max", Decimal(0))


def test_resource_max_lists_each_offender(growth: CostEstimate) -> None:
    with pytest.raises(GateFailure) as info:
        check_budget(growth, "resource_max", Decimal("30"))
    assert [(f.rule, f.address, f.message) for f in info.value.findings] == [
        ("cost.resource_max", "aws_instance.web", "$140.96/month"),
        ("cost.resource_max", "aws_nat_gateway.nat", "$32.85/month"),
    ]


def test_unpriced_rule(growth: CostEstimate) -> None:
    with pytest.raises(GateFailure) as info:
        check_unpriced(growth)
    assert [(f.address, f.message) for f in info.value.findings] == [
        ("aws_sqs_queue.jobs", "aws_sqs_queue is not covered by the cost engine"),
    ]
    check_unpriced(estimate(make_plan([res("aws_nat_gateway.nat", {"subnet_id": "s"})])))
