"""A small AWS stack applied to moto the way Terraform's AWS provider would apply its
plan (the provider cannot be downloaded here), with the plan and the state it leaves.

``apply(boto)`` creates each resource with the values of its planned ``after`` and
returns the plan (``terraform show -json tfplan``) and the state (``terraform show
-json``: the ids Terraform keeps). ``drift(boto, state)`` changes what is live behind
the plan's back: a tag, an instance type, a bucket policy, a parameter's value.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

SECRET = 'db-"pa55"\\word\\' + "w" * 48
POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": "arn:aws:s3:::conf-assets/*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
TAGS = {"Owner": "team-a"}
P = "registry.terraform.io/hashicorp/aws"


def _rc(address: str, after: dict[str, Any], unknown: dict[str, Any] | None = None,
        sensitive: dict[str, Any] | None = None) -> dict[str, Any]:
    rtype, name = address.split(".")
    return {"address": address, "mode": "managed", "type": rtype, "name": name,
            "provider_name": P, "change": {
                "actions": ["create"], "before": None, "after": after,
                "after_unknown": {"id": True, "arn": True, **(unknown or {})},
                "before_sensitive": False, "after_sensitive": sensitive or {}}}


def plan_doc(subnet: str, ami: str) -> dict[str, Any]:
    changes = [
        _rc("aws_s3_bucket.assets", {"bucket": "conf-assets", "tags": TAGS,
                                     "force_destroy": False}),
        _rc("aws_s3_bucket_policy.assets", {"bucket": "conf-assets",
                                            "policy": json.dumps(POLICY)}),
        _rc("aws_instance.web", {"ami": ami, "instance_type": "t3.micro", "subnet_id": subnet,
                                 "tags": {**TAGS, "Name": "web"}},
            {"private_ip": True, "public_ip": True}),
        _rc("aws_security_group.web", {
            "name": "conf-web", "description": "web", "tags": TAGS,
            "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp",
                         "cidr_blocks": ["10.0.0.0/16"], "description": "", "self": False,
                         "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                         "security_groups": []}]}, {"egress": True, "vpc_id": True}),
        _rc("aws_ebs_volume.data", {"availability_zone": "us-east-1a", "size": 20,
                                    "type": "gp3", "encrypted": True,
                                    "tags": {**TAGS, "Name": "data"}}, {"iops": True}),
        _rc("aws_db_instance.main", {"identifier": "conf-main", "engine": "postgres",
                                     "instance_class": "db.t3.micro", "allocated_storage": 20,
                                     "username": "app", "password": SECRET, "tags": TAGS},
            {"endpoint": True, "address": True}, {"password": True}),
        _rc("aws_lambda_function.api", {"function_name": "conf-api", "runtime": "python3.12",
                                        "handler": "app.handler", "memory_size": 256,
                                        "timeout": 10, "tags": TAGS},
            {"role": True, "qualified_arn": True}),
        _rc("aws_cloudwatch_log_group.app", {"name": "/conf/app", "retention_in_days": 14,
                                             "tags": TAGS}),
        _rc("aws_ssm_parameter.db_password", {"name": "/conf/db_password",
                                               "type": "SecureString", "value": SECRET,
                                               "tags": TAGS}, {}, {"value": True}),
    ]
    return {"format_version": "1.2", "terraform_version": "1.11.0",
            "resource_changes": changes, "configuration": {"provider_config": {"aws": {
                "name": "aws", "expressions": {"region": {"constant_value": "us-east-1"}}}}}}


def _tagset(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def apply(boto: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create the stack on moto; return (plan, state)."""
    ec2 = boto("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24",
                               AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    plan = plan_doc(subnet, ami)
    s3 = boto("s3")
    s3.create_bucket(Bucket="conf-assets")
    s3.put_bucket_tagging(Bucket="conf-assets", Tagging={"TagSet": _tagset(TAGS)})
    s3.put_bucket_policy(Bucket="conf-assets", Policy=json.dumps(POLICY, indent=2))
    inst = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             SubnetId=subnet, TagSpecifications=[{
                                 "ResourceType": "instance",
                                 "Tags": _tagset({**TAGS, "Name": "web"})}])
    instance_id = inst["Instances"][0]["InstanceId"]
    sg = ec2.create_security_group(GroupName="conf-web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    ec2.create_tags(Resources=[sg], Tags=_tagset(TAGS))
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=20, VolumeType="gp3",
                            Encrypted=True, TagSpecifications=[{
                                "ResourceType": "volume",
                                "Tags": _tagset({**TAGS, "Name": "data"})}])["VolumeId"]
    boto("rds").create_db_instance(
        DBInstanceIdentifier="conf-main", Engine="postgres", DBInstanceClass="db.t3.micro",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword=SECRET,
        Tags=_tagset(TAGS))
    role = boto("iam").create_role(RoleName="conf-api", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda"}}]}))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return 1\n")
    boto("lambda").create_function(
        FunctionName="conf-api", Runtime="python3.12", Handler="app.handler",
        Role=role["Role"]["Arn"], Code={"ZipFile": code.getvalue()}, MemorySize=256,
        Timeout=10, Tags=TAGS)
    boto("logs").create_log_group(logGroupName="/conf/app", tags=TAGS)
    boto("logs").put_retention_policy(logGroupName="/conf/app", retentionInDays=14)
    boto("ssm").put_parameter(Name="/conf/db_password", Type="SecureString", Value=SECRET,
                              Tags=_tagset(TAGS))
    ids = {"aws_instance.web": instance_id, "aws_security_group.web": sg,
           "aws_ebs_volume.data": vol}
    state = {"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": a, "type": a.split(".")[0], "name": a.split(".")[1],
         "values": {"id": i}} for a, i in ids.items()]}}}
    return plan, state


def drift(boto: Any, state: dict[str, Any]) -> None:
    ids = {r["address"]: r["values"]["id"] for r in state["values"]["root_module"]["resources"]}
    boto("logs").tag_log_group(logGroupName="/conf/app", tags={"Owner": "someone-else"})
    boto("ec2").modify_instance_attribute(InstanceId=ids["aws_instance.web"],
                                          InstanceType={"Value": "m5.large"})
    opened = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Effect": "Allow"}]}
    boto("s3").put_bucket_policy(Bucket="conf-assets", Policy=json.dumps(opened))
    boto("ssm").put_parameter(Name="/conf/db_password", Type="SecureString",
                              Value=SECRET.replace("w", "v"), Overwrite=True)
