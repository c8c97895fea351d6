"""Read live AWS resources back, in the attribute names of the Terraform AWS provider.

Each reader gets the plan's ``after`` values and the resource's state values (ids, when
a Terraform state is at hand) and returns what it sees, or ``None`` when the resource
is not there. It returns only the attributes it can read; the others are not compared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class Clients(Protocol):
    def client(self, service: str) -> Any: ...


Reader = Callable[[Clients, Mapping[str, Any], Mapping[str, Any]], "dict[str, Any] | None"]


def _tags(items: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {t[key]: t[value] for t in items or ()}


def _missing(exc: Exception) -> bool:
    code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    return any(w in code for w in ("NotFound", "NoSuch", "Invalid", "ParameterNotFound"))


def _guard(read: Reader) -> Reader:
    def run(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
        from botocore.exceptions import ClientError

        try:
            return read(c, after, state)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
    return run


def _name(after: Mapping[str, Any], state: Mapping[str, Any], key: str) -> Any:
    return state.get(key) or after.get(key) or state.get("id")


def s3_bucket(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    from botocore.exceptions import ClientError

    s3 = c.client("s3")
    name = _name(after, state, "bucket")
    s3.head_bucket(Bucket=name)
    try:
        tags = _tags(s3.get_bucket_tagging(Bucket=name)["TagSet"])
    except ClientError:
        tags = {}
    return {"bucket": name, "tags": tags}


def s3_bucket_policy(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    name = _name(after, state, "bucket")
    return {"bucket": name, "policy": c.client("s3").get_bucket_policy(Bucket=name)["Policy"]}


def _by_id_or_tag(items: list[Any], after: Mapping[str, Any], state: Mapping[str, Any],
                  id_key: str) -> Any:
    wanted = state.get("id")
    name = (after.get("tags") or {}).get("Name")
    for item in items:
        if wanted and item[id_key] == wanted:
            return item
        if not wanted and name and _tags(item.get("Tags")).get("Name") == name:
            return item
    return None


def instance(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    ec2 = c.client("ec2")
    found = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
             if i["State"]["Name"] not in ("terminated", "shutting-down")]
    i = _by_id_or_tag(found, after, state, "InstanceId")
    if i is None:
        return None
    return {"instance_type": i["InstanceType"], "ami": i["ImageId"],
            "subnet_id": i.get("SubnetId"), "key_name": i.get("KeyName"),
            "tags": _tags(i.get("Tags"))}


def _rules(perms: Any) -> list[dict[str, Any]]:
    out = []
    for p in perms or ():
        out.append({"from_port": p.get("FromPort", 0), "to_port": p.get("ToPort", 0),
                    "protocol": p.get("IpProtocol"),
                    "cidr_blocks": sorted(r["CidrIp"] for r in p.get("IpRanges", ()))})
    return out


def planned_rules(rules: Any) -> list[dict[str, Any]]:
    """The plan's ingress/egress blocks in the shape :func:`_rules` reads them."""
    return [{"from_port": r.get("from_port"), "to_port": r.get("to_port"),
             "protocol": r.get("protocol"), "cidr_blocks": sorted(r.get("cidr_blocks") or ())}
            for r in rules or () if isinstance(r, Mapping)]


def security_group(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    ec2 = c.client("ec2")
    groups = ec2.describe_security_groups()["SecurityGroups"]
    wanted = state.get("id")
    g = next((g for g in groups if (g["GroupId"] == wanted if wanted
                                    else g["GroupName"] == after.get("name"))), None)
    if g is None:
        return None
    return {"name": g["GroupName"], "description": g.get("Description"),
            "ingress": _rules(g.get("IpPermissions")), "tags": _tags(g.get("Tags"))}


def ebs_volume(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    v = _by_id_or_tag(c.client("ec2").describe_volumes()["Volumes"], after, state, "VolumeId")
    if v is None:
        return None
    return {"size": v["Size"], "type": v["VolumeType"], "encrypted": v.get("Encrypted"),
            "availability_zone": v["AvailabilityZone"], "tags": _tags(v.get("Tags"))}


def db_instance(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    rds = c.client("rds")
    ident = _name(after, state, "identifier")
    db = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
    return {"identifier": db["DBInstanceIdentifier"], "instance_class": db["DBInstanceClass"],
            "engine": db["Engine"], "allocated_storage": db["AllocatedStorage"],
            "username": db.get("MasterUsername"), "multi_az": db.get("MultiAZ"),
            "tags": _tags(db.get("TagList"))}


def lambda_function(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    fn = c.client("lambda").get_function(FunctionName=_name(after, state, "function_name"))
    conf = fn["Configuration"]
    return {"function_name": conf["FunctionName"], "runtime": conf.get("Runtime"),
            "handler": conf.get("Handler"), "memory_size": conf.get("MemorySize"),
            "timeout": conf.get("Timeout"), "role": conf.get("Role"),
            "tags": dict(fn.get("Tags") or {})}


def log_group(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    name = _name(after, state, "name")
    logs = c.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    g = next((g for g in groups if g["logGroupName"] == name), None)
    if g is None:
        return None
    tags = logs.list_tags_log_group(logGroupName=name).get("tags", {})
    return {"name": name, "retention_in_days": g.get("retentionInDays", 0), "tags": tags}


def ssm_parameter(c: Clients, after: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
    ssm = c.client("ssm")
    name = _name(after, state, "name")
    p = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    return {"name": name, "type": p["Type"], "value": p["Value"], "tags": _tags(tags)}


READERS: dict[str, Reader] = {t: _guard(r) for t, r in {
    "aws_s3_bucket": s3_bucket,
    "aws_s3_bucket_policy": s3_bucket_policy,
    "aws_instance": instance,
    "aws_security_group": security_group,
    "aws_ebs_volume": ebs_volume,
    "aws_db_instance": db_instance,
    "aws_lambda_function": lambda_function,
    "aws_cloudwatch_log_group": log_group,
    "aws_ssm_parameter": ssm_parameter,
}.items()}

#: Attributes whose value is a secret whatever the plan says.
ALWAYS_SENSITIVE: dict[str, frozenset[str]] = {"aws_ssm_parameter": frozenset({"value"})}


def planned_view(rtype: str, after: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's values in the shape the reader returns them."""
    out = dict(after)
    if rtype == "aws_security_group" and "ingress" in out:
        out["ingress"] = planned_rules(out["ingress"])
    return out
