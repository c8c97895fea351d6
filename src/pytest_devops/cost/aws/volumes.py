"""EBS volumes: standalone (``aws_ebs_volume``) and attached to instances or templates."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pytest_devops.cost.resource import Res, Unpriceable, plain

__all__ = ["VOLUME_TYPES", "aws_ebs_volume", "price_volume"]

VOLUME_TYPES = {
    "gp2": "Storage (general purpose SSD, gp2)",
    "gp3": "Storage (general purpose SSD, gp3)",
    "io1": "Storage (provisioned IOPS SSD, io1)",
    "io2": "Storage (provisioned IOPS SSD, io2)",
    "st1": "Storage (throughput optimized HDD, st1)",
    "sc1": "Storage (cold HDD, sc1)",
    "standard": "Storage (magnetic)",
}
#: gp3 includes 3,000 IOPS and 125 MB/s; only what is provisioned above is charged.
GP3_FREE_IOPS = Decimal(3000)
GP3_FREE_THROUGHPUT = Decimal(125)
#: io2 IOPS are priced in tiers: up to 32,000, 32,001-64,000, above 64,000.
IO2_TIERS = (
    (Decimal(32000), "io2", ""),
    (Decimal(32000), "io2_tier2", " (32K-64K)"),
    (None, "io2_tier3", " (over 64K)"),
)


def _num(value: object) -> Decimal | None:
    value = plain(value)
    if value is None or isinstance(value, bool) or value == "":
        return None
    return Decimal(str(value))


def price_volume(
    r: Res,
    spec: Mapping[str, object],
    *,
    group: str = "",
    count: Decimal | int = 1,
    default_type: str = "gp2",
    default_size: Decimal | None = None,
    size_key: str = "volume_size",
    type_key: str = "volume_type",
) -> None:
    """Add the components of one volume (``count`` identical ones)."""
    vtype = str(plain(spec.get(type_key)) or default_type)
    if vtype not in VOLUME_TYPES:
        raise Unpriceable(f"EBS volume type {vtype!r} is not one the engine prices")
    size = _num(spec.get(size_key))
    if size is None:
        size = default_size
    if size is None:
        where = f"{group}." if group else ""
        raise Unpriceable(f"{where}{size_key} is not known until apply (or comes from a snapshot)")
    r.add(VOLUME_TYPES[vtype], "GB", size * count, "ebs.storage/gb_month", vtype, group=group)
    iops = _num(spec.get("iops"))
    if vtype == "gp3":
        throughput = _num(spec.get("throughput"))
        if throughput is not None and throughput > GP3_FREE_THROUGHPUT:
            r.add("Provisioned throughput", "Mbps", (throughput - GP3_FREE_THROUGHPUT) * count,
                  "ebs.throughput/mbps_month", "gp3", group=group)
        if iops is not None and iops > GP3_FREE_IOPS:
            r.add("Provisioned IOPS", "IOPS", (iops - GP3_FREE_IOPS) * count,
                  "ebs.iops/iops_month", "gp3", group=group)
    elif vtype in ("io1", "io2"):
        if iops is None:
            where = f"{group}." if group else ""
            raise Unpriceable(f"{where}iops of an {vtype} volume is not known")
        if vtype == "io1":
            r.add("Provisioned IOPS", "IOPS", iops * count, "ebs.iops/iops_month", "io1",
                  group=group)
        else:
            left = iops
            for size_cap, item, suffix in IO2_TIERS:
                take = left if size_cap is None else min(left, size_cap)
                if take > 0:
                    r.add(f"Provisioned IOPS{suffix}", "IOPS", take * count,
                          "ebs.iops/iops_month", item, group=group)
                left -= take
    elif vtype == "standard":
        requests = r.usage.number("monthly_standard_io_requests")
        r.add("I/O requests", "1M requests",
              None if requests is None else requests / Decimal(1_000_000) * count,
              "ebs.io_requests/per_1m", "standard", group=group, usage_based=True)


def aws_ebs_volume(r: Res) -> None:
    price_volume(r, r.values, size_key="size", type_key="type")
