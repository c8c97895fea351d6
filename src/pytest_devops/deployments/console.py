"""AWS console links of deployed resources (CloudFormation and Terraform type names)."""

from __future__ import annotations

from urllib.parse import quote

_EC2 = "https://{r}.console.aws.amazon.com/ec2/home?region={r}#"
_CW = "https://{r}.console.aws.amazon.com/cloudwatch/home?region={r}#"
#: type -> link template ({r}: region, {id}: physical id, {q}: the id URL-quoted).
LINKS: dict[str, str] = {
    "s3_bucket": "https://s3.console.aws.amazon.com/s3/buckets/{id}?region={r}",
    "instance": _EC2 + "InstanceDetails:instanceId={id}",
    "volume": _EC2 + "VolumeDetails:volumeId={id}",
    "security_group": _EC2 + "SecurityGroup:groupId={id}",
    "vpc": "https://{r}.console.aws.amazon.com/vpcconsole/home?region={r}#VpcDetails:VpcId={id}",
    "subnet": "https://{r}.console.aws.amazon.com/vpcconsole/home?region={r}"
              "#SubnetDetails:subnetId={id}",
    "target_group": _EC2 + "TargetGroup:targetGroupArn={q}",
    "load_balancer": _EC2 + "LoadBalancer:loadBalancerArn={q}",
    "alarm": _CW + "alarmsV2:alarm/{q}",
    "log_group": _CW + "logsV2:log-groups/log-group/{q}",
    "db_instance": "https://{r}.console.aws.amazon.com/rds/home?region={r}#database:id={id}",
    "lambda": "https://{r}.console.aws.amazon.com/lambda/home?region={r}#/functions/{q}",
    "ssm_parameter": "https://{r}.console.aws.amazon.com/systems-manager/parameters/{q}"
                     "/description?region={r}",
}
TYPES: dict[str, str] = {
    "AWS::S3::Bucket": "s3_bucket", "aws_s3_bucket": "s3_bucket",
    "AWS::EC2::Instance": "instance", "aws_instance": "instance",
    "AWS::EC2::Volume": "volume", "aws_ebs_volume": "volume",
    "AWS::EC2::SecurityGroup": "security_group", "aws_security_group": "security_group",
    "AWS::EC2::VPC": "vpc", "aws_vpc": "vpc", "AWS::EC2::Subnet": "subnet",
    "aws_subnet": "subnet",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "target_group",
    "aws_lb_target_group": "target_group",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load_balancer", "aws_lb": "load_balancer",
    "AWS::CloudWatch::Alarm": "alarm", "aws_cloudwatch_metric_alarm": "alarm",
    "AWS::Logs::LogGroup": "log_group", "aws_cloudwatch_log_group": "log_group",
    "AWS::RDS::DBInstance": "db_instance", "aws_db_instance": "db_instance",
    "AWS::Lambda::Function": "lambda", "aws_lambda_function": "lambda",
    "AWS::SSM::Parameter": "ssm_parameter", "aws_ssm_parameter": "ssm_parameter",
}
STACK = ("https://{r}.console.aws.amazon.com/cloudformation/home?region={r}"
         "#/stacks/resources?stackId={q}")


def console_url(rtype: str, physical_id: str | None, region: str | None,
                stack_id: str | None = None) -> str | None:
    """The resource's page, else (a stack's resource of another type) the stack's
    resources page, else ``None``."""
    if not region:
        return None
    kind = TYPES.get(rtype)
    if kind is not None and physical_id:
        return LINKS[kind].format(r=region, id=physical_id, q=quote(physical_id, safe=""))
    if stack_id:
        return STACK.format(r=region, q=quote(stack_id, safe=""))
    return None
