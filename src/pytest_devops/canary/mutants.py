"""Mutants of a real plan that a configured gate must reject: pure, no pytest.

Each mutant is the environment's own plan with one deliberate violation: a protected
resource replaced, the required tags removed, an instance type or a region outside the
allow-lists, a resource type not allowed, more changes than allowed, the monthly cost
multiplied past the budget. The security mutant adds a public bucket and an ingress
open to the world to what the security gate scans (see :mod:`.insecure`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_devops.plan.address import glob_match

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.plan.model import Plan, ResourceChange

__all__ = ["MUTANTS", "Mutant", "mutate"]

_WRITES = ("create", "update", "replace")
CFN = "cloudformation"
_BAD_INSTANCE_TYPES = ("x2iedn.32xlarge", "u-12tb1.112xlarge", "canary.disallowed")
_BAD_REGIONS = ("ap-southeast-4", "sa-east-1", "me-central-1", "xx-canary-1")
_BAD_TYPES = ("aws_canary_not_allowed", "canary_not_allowed")


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    #: (plan, env, params) -> the mutated plan (a deep copy; the input is left as is)
    apply: Callable[[Plan, Environment, dict[str, Any]], Plan]


def _rules(env: Environment) -> Any:
    from pytest_devops.plan.settings import rules_settings

    return rules_settings(env)


def _cfn(plan: Plan) -> bool:
    return plan.format_version == CFN


def _copy(plan: Plan) -> Plan:
    out = copy.deepcopy(plan)
    out._cache.clear()
    return out


def _writes(plan: Plan) -> list[ResourceChange]:
    return [rc for rc in plan.resource_changes if rc.mode == "managed" and rc.action in _WRITES]


def _first_not_matching(candidates: Iterable[str], patterns: Iterable[str]) -> str:
    pats = list(patterns)
    for c in candidates:
        if not any(glob_match(p, c) for p in pats):
            return c
    return "canary-" + "-".join(pats)[:40] + "-x"


def _synthetic(plan: Plan, kind: str, after: dict[str, Any], tf_type: str, cfn_type: str,
               n: int = 0) -> ResourceChange:
    from pytest_devops.plan.model import ResourceChange

    name = f"canary_{kind}_{n}" if not _cfn(plan) else f"Canary{kind.title()}{n}"
    rtype = cfn_type if _cfn(plan) else tf_type
    provider = "aws.cloudformation" if _cfn(plan) else "registry.terraform.io/hashicorp/aws"
    rc = ResourceChange(
        address=name if _cfn(plan) else f"{rtype}.{name}", type=rtype, name=name,
        actions=("create",), provider_name=provider, after=after, after_unknown={},
        after_sensitive={},
    )
    plan.resource_changes.append(rc)
    return rc


def _set(values: Any, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        values = values[int(part)] if isinstance(values, list) else values.setdefault(part, {})
    values[parts[-1]] = value


def replace_protected(plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """The first managed resource not allow-listed by ``no_destroy`` is replaced."""
    out = _copy(plan)
    rule = _rules(env).no_destroy
    allow = rule.allow if rule else ()
    for rc in out.resource_changes:
        if rc.mode == "managed" and not any(glob_match(p, rc.address) for p in allow):
            rc.actions, rc.action, rc.action_reason = ("delete", "create"), "replace", None
            rc.before = copy.deepcopy(rc.after) if rc.before is None else rc.before
            return out
    rc = _synthetic(out, "replaced", {"bucket": "canary"}, "aws_s3_bucket", "AWS::S3::Bucket")
    rc.actions, rc.action, rc.before = ("delete", "create"), "replace", {}
    return out


def untag(plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """Every taggable written resource loses the required tags (all its tags when no
    ``required_tags`` rule is configured)."""
    out = _copy(plan)
    rule = _rules(env).required_tags
    attr = rule.attribute if rule else ("Tags" if _cfn(plan) else "tags")
    done = False
    for rc in _writes(out):
        after = rc.after if isinstance(rc.after, dict) else None
        unknown = rc.after_unknown if isinstance(rc.after_unknown, dict) else {}
        if after is None or (attr not in after and attr not in unknown):
            continue
        empty: Any = [] if isinstance(after.get(attr), list) else {}
        after[attr] = empty
        unknown.pop(attr, None)
        if attr == "tags":
            after["tags_all"] = {}
            unknown.pop("tags_all", None)
        done = True
    if not done:
        _synthetic(out, "untagged", {attr: [] if _cfn(plan) else {}}, "aws_s3_bucket",
                   "AWS::S3::Bucket")
    return out


def instance_type(plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """Every resource with an instance type gets one outside ``allowed_instance_types``."""
    from pytest_devops.plan.rules import INSTANCE_TYPE_ATTRIBUTES

    out = _copy(plan)
    rule = _rules(env).allowed_instance_types
    table = {**INSTANCE_TYPE_ATTRIBUTES, **(rule.attributes if rule else {})}
    bad = _first_not_matching(_BAD_INSTANCE_TYPES, rule.allow if rule else ())
    done = False
    for rc in _writes(out):
        attr = table.get(rc.type)
        if attr is None or not isinstance(rc.after, dict):
            continue
        _set(rc.after, attr, [bad] if attr.endswith("_types") else bad)
        done = True
    if not done:
        cfn_type = next((t for t in table if "::" in t), "AWS::EC2::Instance")
        _synthetic(out, "instance", {table.get(cfn_type, "InstanceType") if _cfn(plan)
                                     else "instance_type": bad}, "aws_instance", cfn_type)
    return out


def region(plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """Every written resource is placed in a region outside ``allowed_regions``."""
    out = _copy(plan)
    rule = _rules(env).allowed_regions
    bad = _first_not_matching(_BAD_REGIONS, rule.allow if rule else ())
    writes = _writes(out) or [_synthetic(out, "regional", {}, "aws_s3_bucket",
                                         "AWS::S3::Bucket")]
    for rc in writes:
        if isinstance(rc.after, dict):
            rc.after["location" if rc.type.startswith("azurerm_") else "region"] = bad
    return out


def resource_type(plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """A resource of a type outside ``allowed_resource_types`` is created."""
    out = _copy(plan)
    rule = _rules(env).allowed_resource_types
    bad = _first_not_matching(_BAD_TYPES, rule.allow if rule else ())
    _synthetic(out, "type", {"tags": {}}, bad, "Canary::Not::Allowed")
    return out


def _clone(out: Plan, rc: ResourceChange, i: int) -> None:
    twin = copy.deepcopy(rc)
    suffix = f"Canary{i}" if _cfn(out) else f"_canary{i}"
    twin.name = rc.name + suffix
    if _cfn(out):
        twin.address = twin.name
    else:
        prefix = f"{rc.module_address}." if rc.module_address else ""
        index = rc.address[rc.address.rindex("["):] if rc.address.endswith("]") else ""
        twin.address = f"{prefix}{rc.type}.{twin.name}{index}"
    twin.actions, twin.action = ("create",), "create"
    twin.before = twin.before_sensitive = None
    out.resource_changes.append(twin)


def many_changes(plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """More resource changes than ``max_changes`` allows (written resources cloned)."""
    out = _copy(plan)
    rule = _rules(env).max_changes
    limit = rule.max if rule else 50
    base = _writes(out) or [_synthetic(out, "change", {}, "aws_s3_bucket", "AWS::S3::Bucket")]
    i = 0
    while sum(rc.action in (rule.actions if rule else _WRITES) for rc in out.resource_changes) \
            <= limit:
        _clone(out, base[i % len(base)], i // len(base))
        i += 1
    return out


def costly(plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """The monthly cost multiplied past the budget: every written resource is created
    ``factor`` more times, and one volume priced above any single-resource limit."""
    out = _copy(plan)
    factor = int(params.get("factor", 2))
    base = _writes(out)
    for i in range(factor):
        for rc in base:
            _clone(out, rc, i)
    size = int(params.get("volume_gb", 16384))
    if _cfn(plan):
        _synthetic(out, "volume", {"Size": size, "VolumeType": "io1", "Iops": 64000,
                                   "AvailabilityZone": "us-east-1a"},
                   "aws_ebs_volume", "AWS::EC2::Volume")
    else:
        _synthetic(out, "volume", {"size": size, "type": "io1", "iops": 64000,
                                   "availability_zone": "us-east-1a"},
                   "aws_ebs_volume", "AWS::EC2::Volume")
    return out


_PAB = ("block_public_acls", "block_public_policy", "ignore_public_acls",
        "restrict_public_buckets")


def public(plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """Buckets made public and SSH opened to the world (the security gate also scans an
    insecure file, see :mod:`.insecure`)."""
    out = _copy(plan)
    for rc in _writes(out):
        after = rc.after if isinstance(rc.after, dict) else None
        if after is None:
            continue
        if rc.type == "AWS::S3::Bucket":
            after["PublicAccessBlockConfiguration"] = dict.fromkeys(
                ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                 "RestrictPublicBuckets"), False)
            after["AccessControl"] = "PublicRead"
        elif rc.type == "aws_s3_bucket_public_access_block":
            after.update(dict.fromkeys(_PAB, False))
        elif rc.type in ("aws_s3_bucket_acl", "aws_s3_bucket"):
            after["acl"] = "public-read"
    if _cfn(plan):
        _synthetic(out, "ingress", {"GroupDescription": "canary", "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}]},
            "aws_security_group", "AWS::EC2::SecurityGroup")
    else:
        _synthetic(out, "ingress", {"name": "canary-open", "ingress": [
            {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]},
            "aws_security_group", "AWS::EC2::SecurityGroup")
    return out


MUTANTS: dict[str, Mutant] = {m.name: m for m in (
    Mutant("replace", "a protected resource is replaced", replace_protected),
    Mutant("untag", "the required tags are removed", untag),
    Mutant("instance-type", "an instance type outside the allow-list", instance_type),
    Mutant("region", "a region outside the allow-list", region),
    Mutant("resource-type", "a resource type outside the allow-list", resource_type),
    Mutant("changes", "more changes than max_changes", many_changes),
    Mutant("cost", "the monthly cost multiplied past the budget", costly),
    Mutant("public", "a public bucket and SSH open to the world (security)", public),
    Mutant("terraform-test", "Terraform outputs that no longer follow the configuration "
           "(terraform test)", lambda plan, env, params: _copy(plan)),
)}


def mutate(name: str, plan: Plan, env: Environment, params: dict[str, Any]) -> Plan:
    """The plan ``name`` makes of ``plan`` (``KeyError`` for an unknown mutant)."""
    return MUTANTS[name].apply(plan, env, params)


def change_set_of(plan: Plan, base: Any) -> Any:
    """The change set ``base`` as ``plan`` (a mutant of its plan view) says it would be."""
    import dataclasses

    from pytest_devops.cloudformation.model import CfnChange

    resources = dict((base.template or {}).get("Resources") or {})
    changes = []
    for rc in plan.resource_changes:
        changes.append(CfnChange(logical_id=rc.address, resource_type=rc.type,
                                 action=rc.action if rc.action != "no-op" else "import"))
        if isinstance(rc.after, dict):
            resources[rc.address] = {"Type": rc.type, "Properties": rc.after}
    return dataclasses.replace(base, changes=tuple(changes),
                               template={**base.template, "Resources": resources})


def mutate_values(name: str, base: dict[str, Any], env: Environment,
                  params: dict[str, Any]) -> dict[str, Any]:
    """The session's plan values (``inject``'s keys) with the mutant in place of the plan."""
    from pytest_devops.canary.inject import CFN_PLAN_KEY, CHANGE_SET_KEY, PLAN_KEY

    plan = mutate(name, base[PLAN_KEY], env, params)
    out: dict[str, Any] = {PLAN_KEY: plan}
    if CFN_PLAN_KEY in base:
        out[CFN_PLAN_KEY] = plan
    if CHANGE_SET_KEY in base:
        out[CHANGE_SET_KEY] = change_set_of(plan, base[CHANGE_SET_KEY])
    return out
