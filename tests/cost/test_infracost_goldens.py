"""Infracost's published breakdowns, component by component.

The ``tf/infracost__*`` configurations are expressed here as plan resource changes (what
``terraform show -json`` holds for them: set attributes known, computed ones absent,
references in the configuration block) and priced with the matching usage files.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from costplans import make_plan, read_golden, res

from pytest_devops.cost import CostEstimate, estimate, load_usage
from pytest_devops.cost.model import money
from pytest_devops.plan import load_plan

EXPECTED = "expected/infracost__{}.golden"
USAGE = "expected/infracost__{}.usage.yml"


def priced(est: CostEstimate) -> dict[str, dict[str, Any]]:
    """``{address: {label: monthly | ("per-unit", monthly price per unit)}}``."""
    out: dict[str, dict[str, Any]] = {}
    for r in est.resources:
        comps: dict[str, Any] = {}
        for c in r.components:
            key = c.label
            if c.quantity is None:
                comps[key] = ("per-unit", c.price)
            else:
                comps[key] = c.monthly.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        out[r.address] = comps
    return out


def assert_matches(golden: dict[str, dict[str, Any]], got: dict[str, dict[str, Any]]) -> None:
    assert set(golden) <= set(got), f"missing: {sorted(set(golden) - set(got))}"
    for address, components in golden.items():
        assert got[address] == components, address


def test_example_plan_total_and_components(corpus: Path) -> None:
    plan = load_plan(corpus / "plans/infracost__example_plan.json")
    est = estimate(plan, usage=load_usage(corpus / "expected/infracost__example_usage.yml"))
    assert money(est.monthly_after) == "1361.31"
    assert est.monthly_before == 0
    assert est.monthly_delta == est.monthly_after
    golden = read_golden(corpus / "expected/infracost__breakdown_terraform_plan_json.golden")
    got = priced(est)
    assert_matches(golden, got)
    # Infracost lists the zero-cost resources in its diff only; they are priced at $0 here
    # because their usage says 0, not because they are unknown.
    assert set(got) == set(golden) | {"aws_lambda_function.zero_cost_lambda", "aws_s3_bucket.usage"}
    assert est.resource("aws_lambda_function.zero_cost_lambda").monthly_after == 0
    assert est.unpriced == ()
    assert est.free == ()


def test_ebs_volumes(corpus: Path) -> None:
    az = {"availability_zone": "us-east-1a"}
    plan = make_plan([
        res("aws_ebs_volume.gp2", {**az, "size": 10}),
        res("aws_ebs_volume.standard", {**az, "size": 20, "type": "standard"}),
        res("aws_ebs_volume.io1", {**az, "type": "io1", "size": 30, "iops": 300}),
        res("aws_ebs_volume.io2", {**az, "type": "io2", "size": 30, "iops": 300}),
        res("aws_ebs_volume.st1", {**az, "size": 40, "type": "st1"}),
        res("aws_ebs_volume.sc1", {**az, "size": 50, "type": "sc1"}),
        res("aws_ebs_volume.gp3", {
            "availability_zone": "us-west-2a", "size": 40, "type": "gp3", "iops": 4000,
            "throughput": 130, "tags": {"Name": "HelloWorld"},
        }),
        res("aws_ebs_volume.standard_withUsage", {**az, "size": 20, "type": "standard"}),
    ])
    est = estimate(plan, usage=load_usage(corpus / USAGE.format("ebs_volume_test")))
    golden = read_golden(corpus / EXPECTED.format("ebs_volume_test"))
    got = priced(est)
    assert set(got) == set(golden)
    assert_matches(golden, got)
    assert money(est.monthly_after) == "60.50"


LAUNCH_TEMPLATE = {
    "name": "example-lt",
    "image_id": "fake_ami",
    "instance_type": "t3.medium",
    "ebs_optimized": "true",
    "monitoring": [{"enabled": True}],
    "credit_specification": [{"cpu_credits": "unlimited"}],
    "placement": [{"tenancy": "dedicated", "affinity": "", "availability_zone": ""}],
    "block_device_mappings": [
        {"device_name": "xvdc", "ebs": [{"volume_type": "io1", "volume_size": 10, "iops": 100}]},
    ],
}
LT_ID = {"launch_template.0.id": ["aws_launch_template.example.id", "aws_launch_template.example"]}
LT_NAME = {
    "launch_template.0.name": ["aws_launch_template.example.name", "aws_launch_template.example"],
}
RESERVED = [f"{kind}_{term}_{pay}" for kind in ("std", "cnvr") for term in ("1yr", "3yr")
            for pay in ("no_upfront", "partial_upfront", "all_upfront")]


def instance_plan() -> list[dict[str, Any]]:
    def inst(name: str, itype: str = "t3.medium", **after: Any) -> dict[str, Any]:
        refs = after.pop("refs", None)
        return res(f"aws_instance.{name}", {"ami": "fake_ami", "instance_type": itype, **after},
                   refs=refs)

    return [
        res("aws_launch_template.example", LAUNCH_TEMPLATE),
        inst("instance1", "m3.medium", root_block_device=[{"volume_size": 10}], ebs_block_device=[
            {"device_name": "xvdf", "volume_size": 10},
            {"device_name": "xvdg", "volume_type": "standard", "volume_size": 20},
            {"device_name": "xvdh", "volume_type": "sc1", "volume_size": 30},
            {"device_name": "xvdi", "volume_type": "io1", "volume_size": 40, "iops": 1000},
            {"device_name": "xvdj", "volume_type": "gp3", "volume_size": 20},
        ]),
        inst("instance1_ebsOptimized", "m3.large", ebs_optimized=True),
        inst("instance2_ebsOptimized", "r3.xlarge", ebs_optimized=True),
        inst("instance1_hostTenancy", "m3.medium", tenancy="host"),
        inst("t3_default_cpuCredits"),
        inst("t3_unlimited_cpuCredits", credit_specification=[{"cpu_credits": "unlimited"}]),
        inst("t3_standard_cpuCredits", credit_specification=[{"cpu_credits": "standard"}]),
        inst("t2_default_cpuCredits", "t2.medium"),
        inst("t2_unlimited_cpuCredits", "t2.medium",
             credit_specification=[{"cpu_credits": "unlimited"}]),
        inst("t2_standard_cpuCredits", "t2.medium",
             credit_specification=[{"cpu_credits": "standard"}]),
        inst("instance1_detailedMonitoring", "m3.large", ebs_optimized=True, monitoring=True),
        *(inst(name) for name in RESERVED),
        res("aws_instance.instance_withLaunchTemplateById", {
            "launch_template": [{}],
            "ebs_block_device": [
                {"device_name": "xvdb", "volume_type": "io1", "volume_size": 20, "iops": 200},
            ],
        }, refs=LT_ID),
        res("aws_instance.instance_withLaunchTemplateByName", {"launch_template": [{}]},
            refs=LT_NAME),
        inst("instance_withLaunchTemplateOverride", "t3.large", ami="overriden-fake_ami",
             ebs_optimized=False, monitoring=False, tenancy="default",
             credit_specification=[{"cpu_credits": "standard"}], launch_template=[{}],
             ebs_block_device=[{"device_name": "xvdc", "volume_size": 20}], refs=LT_ID),
        inst("instance_withMonthlyHours"),
        inst("instance_ebsOptimized_withMonthlyHours", "r3.xlarge", ebs_optimized=True),
        inst("instance_detailedMonitoring_withMonthlyHours", "m3.large", monitoring=True),
        res("aws_ec2_host.mac", {"instance_type": "mac1.metal", "availability_zone": "us-east-2a"}),
        inst("with_host", "fake", root_block_device=[{"volume_size": 50}],
             refs={"host_id": ["aws_ec2_host.mac.id", "aws_ec2_host.mac"]}),
    ]


def test_instances(corpus: Path) -> None:
    plan = make_plan(instance_plan())
    est = estimate(plan, usage=load_usage(corpus / USAGE.format("instance_test")))
    golden = read_golden(corpus / EXPECTED.format("instance_test"))
    got = priced(est)
    assert set(got) == set(golden)
    assert_matches(golden, got)
    assert money(est.monthly_after) == "2089.71"
    # Infracost skips it with a warning; here it is listed as unpriced, with the reason.
    assert [(u.address, u.reason) for u in est.unpriced] == [(
        "aws_instance.instance1_hostTenancy",
        "host tenancy: the dedicated host it runs on is billed, not the instance",
    )]
    assert est.free == ("aws_launch_template.example",)


def test_load_balancers(corpus: Path) -> None:
    subnets = {"subnets": ["subnet-12345678"]}
    plan = make_plan([
        res("aws_lb.lb1", {"load_balancer_type": "application", **subnets}),
        res("aws_alb.alb1", subnets),
        res("aws_lb.nlb1", {"load_balancer_type": "network", **subnets}),
        res("aws_lb.alb1_usage", {"load_balancer_type": "application", **subnets}),
        res("aws_lb.nlb1_usage", {"load_balancer_type": "network", **subnets}),
    ])
    est = estimate(plan, usage=load_usage(corpus / USAGE.format("lb_test")))
    golden = read_golden(corpus / EXPECTED.format("lb_test"))
    got = priced(est)
    # Infracost quotes the usage-dependent LCU price per LCU-month (x730 hours); the
    # engine keeps the list price per LCU-hour.
    for comps in got.values():
        lcu = comps["Load balancer capacity units"]
        if isinstance(lcu, tuple):
            comps["Load balancer capacity units"] = ("per-unit", lcu[1] * 730)
    assert set(got) == set(golden)
    assert_matches(golden, got)
    assert money(est.monthly_after) == "96.13"


def test_nat_gateways(corpus: Path) -> None:
    plan = make_plan([
        res("aws_nat_gateway.nat", {"allocation_id": "eip-12345678", "subnet_id": "subnet-1"}),
        res("aws_nat_gateway.nat_withUsage", {"allocation_id": "eip-1", "subnet_id": "subnet-1"}),
    ])
    est = estimate(plan, usage=load_usage(corpus / USAGE.format("nat_gateway_test")))
    golden = read_golden(corpus / EXPECTED.format("nat_gateway_test"))
    got = priced(est)
    assert set(got) == set(golden)
    assert_matches(golden, got)
    assert money(est.monthly_after) == "70.20"


@pytest.mark.parametrize("name", ["ebs_volume_test", "instance_test", "lb_test",
                                  "nat_gateway_test", "breakdown_terraform_plan_json"])
def test_golden_reader_sums_to_infracost_total(corpus: Path, name: str) -> None:
    """The reader misses no line: its components add up to Infracost's OVERALL TOTAL
    (each line is rounded to the cent on its own, the total is not)."""
    path = corpus / EXPECTED.format(name)
    total_line = next(ln for ln in path.read_text("utf-8").splitlines() if "OVERALL TOTAL" in ln)
    total = Decimal(total_line.split("$")[-1].replace(",", "").strip())
    golden = read_golden(path)
    lines = [v for comps in golden.values() for v in comps.values() if isinstance(v, Decimal)]
    assert abs(sum(lines) - total) <= Decimal("0.005") * len(lines)
