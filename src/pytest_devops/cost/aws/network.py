"""Networking: NAT gateways, load balancers (application, network, classic), EKS clusters."""

from __future__ import annotations

from decimal import Decimal

from pytest_devops.cost.resource import Res, Unpriceable

__all__ = ["aws_eks_cluster", "aws_elb", "aws_lb", "aws_nat_gateway"]


def aws_nat_gateway(r: Res) -> None:
    r.hours("NAT gateway", "vpc.nat_gateway", "hour")
    gb = r.usage.number("monthly_data_processed_gb")
    r.add("Data processed", "GB", gb, "vpc.nat_gateway", "data_gb", usage_based=True)


def _lcu_hours(r: Res, application: bool) -> Decimal | None:
    """Monthly LCU-hours from the usage keys, read the way Infracost reads them.

    ``processed_bytes_gb`` (GB a month: 1 GB processed is 1 LCU-hour),
    ``new_connections`` (/100), ``active_connections`` (/3000) and, for application load
    balancers, ``rule_evaluations`` (/1000); the largest dimension is billed.
    """
    dims = [
        (r.usage.number("new_connections"), Decimal(100)),
        (r.usage.number("active_connections"), Decimal(3000)),
        (r.usage.number("processed_bytes_gb"), Decimal(1)),
    ]
    if application:
        dims.append((r.usage.number("rule_evaluations"), Decimal(1000)))
    known = [value / per for value, per in dims if value is not None]
    return max(known) if known else None


def aws_lb(r: Res) -> None:
    kind = str(r.attr("load_balancer_type", "application")).lower()
    if kind not in ("application", "network"):
        raise Unpriceable(f"{kind} load balancers are not priced")
    group = f"elb.{kind}"
    r.hours(f"{kind.capitalize()} load balancer", group, "hour")
    r.add("Load balancer capacity units", "LCU-hours", _lcu_hours(r, kind == "application"),
          group, "lcu_hour", usage_based=True)


def aws_elb(r: Res) -> None:
    r.hours("Classic load balancer", "elb.classic", "hour")
    gb = r.usage.number("monthly_data_processed_gb")
    r.add("Data processed", "GB", gb, "elb.classic", "data_gb", usage_based=True)


def aws_eks_cluster(r: Res) -> None:
    r.hours("EKS cluster", "eks.cluster", "hour")
