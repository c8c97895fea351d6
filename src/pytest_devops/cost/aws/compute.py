"""EC2 compute: instances, launch templates/configurations, auto scaling groups, EKS
node groups, dedicated hosts, Elastic IPs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pytest_devops.cost.aws.volumes import price_volume
from pytest_devops.cost.model import HOURS_PER_MONTH
from pytest_devops.cost.resource import Res, Unpriceable, plain

__all__ = [
    "aws_autoscaling_group",
    "aws_ec2_host",
    "aws_eip",
    "aws_eks_node_group",
    "aws_instance",
]

OS_LABEL = {"linux": "Linux/UNIX", "windows": "Windows", "rhel": "RHEL", "suse": "SUSE"}
#: CloudWatch detailed monitoring publishes 7 metrics per instance.
DETAILED_MONITORING_METRICS = 7
BURSTABLE_UNLIMITED_BY_DEFAULT = ("t3", "t3a", "t4g")
#: vCPUs of burstable types, for CPU credit charges when the usage file gives none.
BURSTABLE_VCPUS = {
    "nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8,
}
T2_VCPUS = {"nano": 1, "micro": 1, "small": 1, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8}
#: Root device names of Amazon Linux/Ubuntu (xvda, sda1) and Nitro (nvme0n1) images.
ROOT_DEVICES = ("/dev/xvda", "/dev/sda1", "/dev/nvme0n1")
TERMS = {"1_year": "1yr", "3_year": "3yr"}
PAYMENTS = ("no_upfront", "partial_upfront", "all_upfront")


@dataclass
class Launch:
    """What an instance (or each instance of a group) runs with, templates merged in."""

    instance_type: str | None = None
    tenancy: str | None = None
    ebs_optimized: bool | None = None
    monitoring: bool | None = None
    cpu_credits: str | None = None
    root: Mapping[str, Any] = field(default_factory=dict)
    ebs: list[Mapping[str, Any]] = field(default_factory=list)
    ami: str | None = None
    spot: bool = False


def _first(value: Any) -> Mapping[str, Any]:
    value = plain(value)
    if isinstance(value, list) and value and isinstance(plain(value[0]), Mapping):
        return plain(value[0])  # type: ignore[no-any-return]
    return {}


def _bool(value: Any) -> bool | None:
    value = plain(value)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def from_launch_template(lt: Mapping[str, Any]) -> Launch:
    launch = Launch(
        instance_type=plain(lt.get("instance_type")) or None,
        tenancy=plain(_first(lt.get("placement")).get("tenancy")) or None,
        ebs_optimized=_bool(lt.get("ebs_optimized")),
        monitoring=_bool(_first(lt.get("monitoring")).get("enabled")),
        cpu_credits=plain(_first(lt.get("credit_specification")).get("cpu_credits")) or None,
        ami=plain(lt.get("image_id")) or None,
        spot=bool(plain(lt.get("instance_market_options"))),
    )
    for mapping in plain(lt.get("block_device_mappings")) or ():
        mapping = plain(mapping)
        ebs = _first(mapping.get("ebs"))
        device = {"device_name": mapping.get("device_name"), **ebs}
        if mapping.get("device_name") in ROOT_DEVICES:
            launch.root = device
        elif ebs or mapping.get("device_name"):
            launch.ebs.append(device)
    return launch


def from_launch_configuration(lc: Mapping[str, Any]) -> Launch:
    return Launch(
        instance_type=plain(lc.get("instance_type")) or None,
        tenancy=plain(lc.get("placement_tenancy")) or None,
        ebs_optimized=_bool(lc.get("ebs_optimized")),
        monitoring=_bool(lc.get("enable_monitoring")) if lc.get("enable_monitoring") is not None
        else True,
        root=_first(lc.get("root_block_device")),
        ebs=[plain(b) for b in plain(lc.get("ebs_block_device")) or ()],
        ami=plain(lc.get("image_id")) or None,
        spot=bool(plain(lc.get("spot_price"))),
    )


Devices = list[Mapping[str, Any]]


def _merge_devices(own: Devices, base: Devices) -> Devices:
    """The instance's devices first (filled in from the template's), then the template's."""
    by_name = {d.get("device_name"): d for d in base if d.get("device_name")}
    out: list[Mapping[str, Any]] = []
    used: set[Any] = set()
    for dev in own:
        name = dev.get("device_name")
        template = by_name.get(name, {})
        if name in by_name:
            used.add(name)
        out.append({**template, **{k: v for k, v in dev.items() if plain(v) not in (None, "")}})
    out += [d for d in base if d.get("device_name") not in used]
    return out


def _template_launch(r: Res, values: Mapping[str, Any] | None = None) -> Launch | None:
    """The launch template of an instance/group/node group, when the plan has it."""
    lt_block = r.block("launch_template", values)
    if not lt_block and not r.configured("launch_template"):
        return None
    for attr in ("id", "name"):
        found = r.referenced("launch_template", 0, attr)
        if found is not None:
            return from_launch_template(found[1])
    raise Unpriceable("its launch template is not a resource of this plan")


def instance_launch(r: Res) -> Launch:
    own = Launch(
        instance_type=r.attr("instance_type") or None,
        tenancy=r.attr("tenancy") or None,
        ebs_optimized=_bool(r.values.get("ebs_optimized")),
        monitoring=_bool(r.values.get("monitoring")),
        cpu_credits=r.block("credit_specification").get("cpu_credits") or None,
        root=r.block("root_block_device"),
        ebs=r.blocks("ebs_block_device"),
        ami=r.attr("ami") or None,
        spot=bool(r.block("instance_market_options")),
    )
    template = _template_launch(r)
    if template is None:
        return own
    return Launch(
        instance_type=own.instance_type or template.instance_type,
        tenancy=own.tenancy or template.tenancy,
        ebs_optimized=(
            own.ebs_optimized if own.ebs_optimized is not None else template.ebs_optimized
        ),
        monitoring=own.monitoring if own.monitoring is not None else template.monitoring,
        cpu_credits=own.cpu_credits or template.cpu_credits,
        root=own.root or template.root,
        ebs=_merge_devices(own.ebs, template.ebs),
        ami=own.ami or template.ami,
        spot=own.spot or template.spot,
    )


def operating_system(r: Res, launch: Launch) -> str:
    """From the usage file (``operating_system``), else an ``aws_ami`` data source, else Linux."""
    given = (r.usage.text("operating_system") or "").lower()
    if given:
        if given not in OS_LABEL:
            raise Unpriceable(f"usage operating_system {given!r} is not one of {sorted(OS_LABEL)}")
        return given
    ami = r.referenced("ami") or r.referenced("image_id")
    if ami is not None:
        keys = ("platform", "platform_details")
        details = " ".join(str(plain(ami[1].get(k)) or "") for k in keys)
        lowered = details.lower()
        if "windows" in lowered:
            return "windows"
        if "red hat" in lowered:
            return "rhel"
        if "suse" in lowered:
            return "suse"
    return "linux"


def price_launch(
    r: Res, launch: Launch, *, count: Decimal = Decimal(1), hours: Decimal | None = None,
    root_group: str = "root_block_device", ebs_group: str = "ebs_block_device",
) -> None:
    """Instance hours, EBS optimization, monitoring, CPU credits and volumes of ``count``
    instances launched with ``launch``."""
    if launch.spot:
        raise Unpriceable("spot instances have no list price (the spot market sets it)")
    itype = launch.instance_type
    if not itype:
        raise Unpriceable("instance_type is not known until apply (or not set)")
    tenancy = (launch.tenancy or "default").lower()
    if tenancy == "host":
        raise Unpriceable("host tenancy: the dedicated host it runs on is billed, not the instance")
    tenancy_key = "dedicated" if tenancy == "dedicated" else "shared"
    os_name = operating_system(r, launch)
    hours = HOURS_PER_MONTH if hours is None else hours
    reserved = _reservation(r)
    label = OS_LABEL[os_name]
    if reserved is None:
        r.add(f"Instance usage ({label}, on-demand, {itype})", "hours", hours * count,
              f"ec2.instance/{os_name}/{tenancy_key}", itype)
    elif reserved[2] == "all_upfront":
        # Paid in full upfront: nothing recurs monthly (the upfront fee is not a monthly cost).
        r.add(f"Instance usage ({label}, reserved, {itype})", "hours", hours * count,
              f"ec2.instance/{os_name}/{tenancy_key}", itype, factor=0)
    else:
        r.add(f"Instance usage ({label}, reserved, {itype})", "hours", hours * count,
              f"ec2.reserved/{os_name}/{tenancy_key}", "/".join((itype, *reserved)))
    if launch.ebs_optimized and r.prices.get(r.region, "ec2.ebs_optimized/hour", itype):
        r.add("EBS-optimized usage", "hours", hours * count, "ec2.ebs_optimized/hour", itype)
    if launch.monitoring:
        r.add("EC2 detailed monitoring", "metrics", DETAILED_MONITORING_METRICS * count,
              "cloudwatch.metrics/metric_month", "first_10k")
    _cpu_credits(r, itype, launch.cpu_credits, count)
    price_volume(r, launch.root, group=root_group, count=count, default_size=Decimal(8))
    for i, device in enumerate(launch.ebs):
        price_volume(r, device, group=f"{ebs_group}[{i}]", count=count)


def _reservation(r: Res) -> tuple[str, str, str] | None:
    kind = r.usage.text("reserved_instance_type")
    term = r.usage.text("reserved_instance_term")
    payment = r.usage.text("reserved_instance_payment_option")
    if not (kind or term or payment):
        return None
    kind = kind or "standard"
    if kind not in ("standard", "convertible") or term not in TERMS or payment not in PAYMENTS:
        raise Unpriceable(
            "usage reserved_instance_* must be type standard|convertible, term 1_year|3_year, "
            f"payment {'|'.join(PAYMENTS)}; got {kind!r}, {term!r}, {payment!r}"
        )
    return kind, TERMS[term], payment


def _cpu_credits(r: Res, itype: str, credits: str | None, count: Decimal) -> None:
    family, _, size = itype.partition(".")
    if family not in ("t2", *BURSTABLE_UNLIMITED_BY_DEFAULT):
        return
    mode = credits or ("unlimited" if family in BURSTABLE_UNLIMITED_BY_DEFAULT else "standard")
    hours = r.usage.number("monthly_cpu_credit_hrs")
    if mode != "unlimited" or not hours:
        return
    vcpus = r.usage.number("vcpu_count")
    if vcpus is None:
        table = T2_VCPUS if family == "t2" else BURSTABLE_VCPUS
        vcpus = Decimal(table.get(size, 2))
    r.add("CPU credits", "vCPU-hours", hours * vcpus * count, "ec2.cpu_credits/vcpu_hour", family)


def _own_volumes(r: Res, launch: Launch) -> Launch:
    """Leave out attached volumes that are ``aws_ebs_volume`` resources of the plan (they
    are priced as such; the instance's state lists them again under ebs_block_device)."""
    managed = r.ids_of("aws_ebs_volume") if launch.ebs else frozenset()
    if managed:
        launch.ebs = [d for d in launch.ebs if plain(d.get("volume_id")) not in managed]
    return launch


def aws_instance(r: Res) -> None:
    if r.attr("host_id") or r.configured("host_id"):
        # Runs on an aws_ec2_host, which carries the compute charge; volumes still cost.
        launch = _own_volumes(r, instance_launch(r))
        price_volume(r, launch.root, group="root_block_device", default_size=Decimal(8))
        for i, device in enumerate(launch.ebs):
            price_volume(r, device, group=f"ebs_block_device[{i}]")
        return
    monthly_hours = r.usage.number("monthly_hrs")
    price_launch(r, _own_volumes(r, instance_launch(r)), hours=monthly_hours)


def aws_ec2_host(r: Res) -> None:
    family = r.attr("instance_family") or str(r.require("instance_type")).partition(".")[0]
    r.hours(f"EC2 Dedicated Host (on-demand, {family})", "ec2.host/hour", family)


def aws_eip(r: Res) -> None:
    if r.attr("domain", "vpc") not in ("vpc", "standard"):
        raise Unpriceable(f"domain {r.attr('domain')!r} is not priced")
    if r.attr("public_ipv4_pool") not in (None, "", "amazon"):
        raise Unpriceable("addresses from a BYOIP pool are not charged as Amazon-owned IPv4")
    r.hours("IP address (public IPv4)", "vpc.public_ipv4", "hour")


def _group_count(r: Res, *names: str) -> Decimal:
    given = r.usage.number("instances")
    if given is not None:
        return given
    for name in names:
        value = r.number(name)
        if value is not None:
            return value
    raise Unpriceable(f"{' / '.join(names)} is not known until apply")


def aws_autoscaling_group(r: Res) -> None:
    count = _group_count(r, "desired_capacity", "min_size")
    if r.block("mixed_instances_policy"):
        raise Unpriceable("mixed_instances_policy groups are not priced (several instance types)")
    launch = _template_launch(r)
    if launch is None:
        found = r.referenced("launch_configuration")
        if found is None:
            raise Unpriceable("its launch configuration/template is not a resource of this plan")
        launch = from_launch_configuration(found[1])
    price_launch(r, launch, count=count)


def aws_eks_node_group(r: Res) -> None:
    if str(r.attr("capacity_type", "ON_DEMAND")).upper() == "SPOT":
        raise Unpriceable("SPOT node groups have no list price (the spot market sets it)")
    scaling = r.block("scaling_config")
    count = r.usage.number("instances")
    if count is None:
        count = r.number("desired_size", scaling) or r.number("min_size", scaling)
    if count is None:
        raise Unpriceable("scaling_config.desired_size is not known until apply")
    launch = _template_launch(r) or Launch()
    types = r.attr("instance_types") or []
    launch.instance_type = (types[0] if types else None) or launch.instance_type or "t3.medium"
    ami_type = str(r.attr("ami_type", "")).upper()
    if "WINDOWS" in ami_type and not r.usage.text("operating_system"):
        r.usage.values = {**r.usage.values, "operating_system": "windows"}
    if not launch.root and not launch.ebs:
        launch.root = {"volume_size": r.attr("disk_size", 20), "volume_type": "gp2"}
    price_launch(r, launch, count=count, root_group="", ebs_group="block_device_mappings")
