"""AWS resource pricers, by Terraform resource type, and the types that cost nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pytest_devops.cost.aws import compute, database, network, serverless, volumes
from pytest_devops.cost.resource import Res

__all__ = ["FREE", "FREE_PROVIDERS", "FREE_UNLESS", "PRICERS"]

PRICERS: dict[str, Callable[[Res], None]] = {
    "aws_instance": compute.aws_instance,
    "aws_autoscaling_group": compute.aws_autoscaling_group,
    "aws_eks_node_group": compute.aws_eks_node_group,
    "aws_ec2_host": compute.aws_ec2_host,
    "aws_eip": compute.aws_eip,
    "aws_ebs_volume": volumes.aws_ebs_volume,
    "aws_db_instance": database.aws_db_instance,
    "aws_elasticache_cluster": database.aws_elasticache_cluster,
    "aws_dynamodb_table": database.aws_dynamodb_table,
    "aws_nat_gateway": network.aws_nat_gateway,
    "aws_lb": network.aws_lb,
    "aws_alb": network.aws_lb,
    "aws_elb": network.aws_elb,
    "aws_eks_cluster": network.aws_eks_cluster,
    "aws_lambda_function": serverless.aws_lambda_function,
    "aws_s3_bucket": serverless.aws_s3_bucket,
    "aws_cloudwatch_log_group": serverless.aws_cloudwatch_log_group,
    "aws_kms_key": serverless.aws_kms_key,
    "aws_secretsmanager_secret": serverless.aws_secretsmanager_secret,
}

#: Resource types AWS does not charge for (their cost, if any, shows up elsewhere:
#: templates through the instances that use them, rules through their parent).
FREE: frozenset[str] = frozenset({
    # networking
    "aws_vpc", "aws_default_vpc", "aws_subnet", "aws_default_subnet", "aws_route_table",
    "aws_default_route_table", "aws_route", "aws_route_table_association",
    "aws_main_route_table_association", "aws_internet_gateway", "aws_egress_only_internet_gateway",
    "aws_network_acl", "aws_default_network_acl", "aws_network_acl_rule",
    "aws_network_acl_association", "aws_security_group", "aws_default_security_group",
    "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule", "aws_vpc_dhcp_options",
    "aws_vpc_dhcp_options_association", "aws_network_interface",
    "aws_network_interface_attachment", "aws_eip_association", "aws_volume_attachment",
    "aws_route53_record", "aws_flow_log", "aws_vpn_gateway_attachment",
    # identity
    "aws_iam_role", "aws_iam_policy", "aws_iam_role_policy", "aws_iam_role_policy_attachment",
    "aws_iam_user", "aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_group",
    "aws_iam_group_policy", "aws_iam_group_policy_attachment", "aws_iam_group_membership",
    "aws_iam_user_group_membership", "aws_iam_policy_attachment", "aws_iam_instance_profile",
    "aws_iam_access_key", "aws_iam_openid_connect_provider", "aws_iam_saml_provider",
    "aws_iam_service_linked_role", "aws_iam_account_password_policy", "aws_key_pair",
    # compute glue (priced through the instances, groups and node groups that use them)
    "aws_launch_template", "aws_launch_configuration", "aws_placement_group",
    "aws_autoscaling_policy", "aws_autoscaling_attachment", "aws_autoscaling_lifecycle_hook",
    "aws_appautoscaling_target", "aws_appautoscaling_policy",
    # load balancer glue
    "aws_lb_listener", "aws_alb_listener", "aws_lb_listener_rule", "aws_alb_listener_rule",
    "aws_lb_target_group", "aws_alb_target_group", "aws_lb_target_group_attachment",
    "aws_alb_target_group_attachment", "aws_lb_listener_certificate",
    # settings of priced resources
    "aws_s3_bucket_policy", "aws_s3_bucket_acl", "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_ownership_controls", "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_cors_configuration", "aws_s3_bucket_logging",
    "aws_s3_bucket_website_configuration", "aws_s3_bucket_notification",
    "aws_s3_account_public_access_block", "aws_kms_alias", "aws_kms_grant",
    "aws_db_subnet_group", "aws_db_parameter_group", "aws_db_option_group",
    "aws_elasticache_subnet_group", "aws_elasticache_parameter_group",
    "aws_secretsmanager_secret_version", "aws_secretsmanager_secret_policy",
    "aws_lambda_permission", "aws_lambda_alias", "aws_lambda_event_source_mapping",
    "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target", "aws_cloudwatch_log_stream",
    "aws_cloudwatch_log_resource_policy", "aws_sns_topic_subscription", "aws_sns_topic_policy",
    "aws_sqs_queue_policy", "aws_ecr_repository_policy", "aws_ecr_lifecycle_policy",
    "aws_eks_addon", "aws_eks_access_entry", "aws_eks_access_policy_association",
    "aws_acm_certificate", "aws_acm_certificate_validation", "aws_wafv2_web_acl_association",
    "aws_api_gateway_account", "aws_api_gateway_deployment", "aws_api_gateway_resource",
    "aws_api_gateway_method", "aws_api_gateway_method_response", "aws_api_gateway_integration",
    "aws_api_gateway_integration_response", "aws_api_gateway_method_settings",
    "aws_api_gateway_base_path_mapping", "aws_elasticsearch_domain_policy",
    "aws_opensearch_domain_policy",
})

#: Types that are free in their common form; otherwise the reason they are not priced.
FREE_UNLESS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "aws_ssm_parameter": lambda v: (
        "Advanced tier parameters are not priced" if v.get("tier") == "Advanced" else None
    ),
}

#: Providers whose resources never cost money (they make values, not infrastructure).
FREE_PROVIDERS = frozenset({"null", "random", "time", "tls", "local", "terraform", "external",
                            "http", "archive", "cloudinit"})
