"""A change set in Terraform's words, so the cost engine can price CloudFormation.

The cost engine prices Terraform resource types from their planned attributes. This
module maps the CloudFormation types it knows how to price (and the free ones) to
their Terraform twins with the attributes pricing reads; any other type is kept as is
and the estimate lists it as unpriced. Addresses stay the logical ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.plan.model import Plan

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
ROOT_DEVICES = ("/dev/xvda", "/dev/sda1", "/dev/nvme0n1")

Props = Mapping[str, Any]


def _ebs(ebs: Props) -> dict[str, Any]:
    keys = {"VolumeSize": "volume_size", "VolumeType": "volume_type", "Iops": "iops",
            "Throughput": "throughput", "Encrypted": "encrypted"}
    return {tf: ebs[cfn] for cfn, tf in keys.items() if cfn in ebs}


def _instance(p: Props) -> dict[str, Any]:
    out: dict[str, Any] = {
        "instance_type": p.get("InstanceType", "m1.small"),  # CloudFormation's default
        "ebs_optimized": p.get("EbsOptimized"),
        "monitoring": p.get("Monitoring"),
        "tenancy": p.get("Tenancy"),
    }
    credits = (p.get("CreditSpecification") or {}).get("CPUCredits")
    if credits:
        out["credit_specification"] = [{"cpu_credits": credits}]
    root: list[dict[str, Any]] = []
    extra: list[dict[str, Any]] = []
    for mapping in p.get("BlockDeviceMappings") or ():
        if "Ebs" not in mapping:
            continue
        device = {"device_name": mapping.get("DeviceName"), **_ebs(mapping["Ebs"])}
        (root if mapping.get("DeviceName") in ROOT_DEVICES else extra).append(device)
    if root:
        out["root_block_device"] = root[:1]
    if extra:
        out["ebs_block_device"] = extra
    return {k: v for k, v in out.items() if v is not None}


def _volume(p: Props) -> dict[str, Any]:
    keys = {"Size": "size", "VolumeType": "type", "Iops": "iops", "Throughput": "throughput"}
    return {tf: p[cfn] for cfn, tf in keys.items() if cfn in p}


def _db(p: Props) -> dict[str, Any]:
    keys = {"DBInstanceClass": "instance_class", "Engine": "engine", "MultiAZ": "multi_az",
            "AllocatedStorage": "allocated_storage", "StorageType": "storage_type",
            "Iops": "iops", "LicenseModel": "license_model"}
    out = {tf: p[cfn] for cfn, tf in keys.items() if cfn in p}
    if "iops" in out and "storage_type" not in out:
        out["storage_type"] = "io1"  # CloudFormation's default when Iops is given
    return out


def _lambda(p: Props) -> dict[str, Any]:
    return {"memory_size": p.get("MemorySize", 128),
            "architectures": p.get("Architectures", ["x86_64"])}


def _lb(p: Props) -> dict[str, Any]:
    return {"load_balancer_type": p.get("Type", "application")}


def _log_group(p: Props) -> dict[str, Any]:
    return {"retention_in_days": p.get("RetentionInDays", 0)}


def _none(p: Props) -> dict[str, Any]:
    return {}


#: CloudFormation type -> (Terraform type, attributes from the properties).
TYPES: Mapping[str, tuple[str, Callable[[Props], dict[str, Any]]]] = {
    "AWS::EC2::Instance": ("aws_instance", _instance),
    "AWS::EC2::Volume": ("aws_ebs_volume", _volume),
    "AWS::EC2::EIP": ("aws_eip", lambda p: {"domain": p.get("Domain", "vpc")}),
    "AWS::EC2::NatGateway": ("aws_nat_gateway", _none),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": ("aws_lb", _lb),
    "AWS::RDS::DBInstance": ("aws_db_instance", _db),
    "AWS::Lambda::Function": ("aws_lambda_function", _lambda),
    "AWS::S3::Bucket": ("aws_s3_bucket", _none),
    "AWS::Logs::LogGroup": ("aws_cloudwatch_log_group", _log_group),
    "AWS::KMS::Key": ("aws_kms_key", _none),
    "AWS::SecretsManager::Secret": ("aws_secretsmanager_secret", _none),
    # Free: mapped so the estimate does not list them as unpriced.
    "AWS::EC2::VPC": ("aws_vpc", _none),
    "AWS::EC2::Subnet": ("aws_subnet", _none),
    "AWS::EC2::SecurityGroup": ("aws_security_group", _none),
    "AWS::EC2::InternetGateway": ("aws_internet_gateway", _none),
    "AWS::EC2::RouteTable": ("aws_route_table", _none),
    "AWS::ElasticLoadBalancingV2::TargetGroup": ("aws_lb_target_group", _none),
    "AWS::ElasticLoadBalancingV2::Listener": ("aws_lb_listener", _none),
    "AWS::IAM::Role": ("aws_iam_role", _none),
    "AWS::IAM::InstanceProfile": ("aws_iam_instance_profile", _none),
}


def terraform_view(plan: Plan, region: str | None = None) -> Plan:
    """``plan`` (from a change set) with Terraform types and attributes, for pricing."""
    from pytest_devops.plan.model import Plan, ResourceChange

    changes = []
    for rc in plan.resource_changes:
        mapped = TYPES.get(rc.type)
        if mapped is None:
            changes.append(rc)
            continue
        tf_type, convert = mapped

        def side(values: Any, convert: Callable[[Props], dict[str, Any]] = convert) -> Any:
            return convert(values) if isinstance(values, Mapping) else None

        changes.append(ResourceChange(
            address=rc.address, type=tf_type, name=rc.name, actions=rc.actions,
            action=rc.action, provider_name=AWS_PROVIDER,
            before=side(rc.before), after=side(rc.after),
        ))
    raw: dict[str, Any] = {}
    if region:
        raw["configuration"] = {"provider_config": {"aws": {
            "name": "aws", "expressions": {"region": {"constant_value": region}}}}}
    return Plan(format_version=plan.format_version, resource_changes=changes, raw=raw,
                source=plan.source, applyable=plan.applyable, complete=plan.complete)
