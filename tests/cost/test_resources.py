"""Each covered resource type, component by component, at us-east-1 catalog prices."""

from __future__ import annotations

from typing import Any

import pytest
from costplans import make_plan, res

from pytest_devops.cost import Usage, estimate
from pytest_devops.cost.model import money


def lines(changes: list[dict[str, Any]], usage: dict[str, Any] | None = None,
          region: str = "us-east-1") -> dict[str, list[tuple[str, str | None]]]:
    est = estimate(make_plan(changes, region=region), usage=Usage(usage or {}))
    assert est.unpriced == (), est.unpriced
    return {
        r.address: [(c.label, None if c.quantity is None else money(c.monthly))
                    for c in r.components]
        for r in est.resources
    }


LAMBDA = {"function_name": "f", "runtime": "nodejs20.x", "handler": "h"}


def test_lambda_tiers_and_architectures() -> None:
    got = lines([
        res("aws_lambda_function.none", LAMBDA),
        res("aws_lambda_function.x86", {**LAMBDA, "memory_size": 2048}),
        res("aws_lambda_function.arm", {**LAMBDA, "memory_size": 2048, "architectures": ["arm64"]}),
    ], {
        "aws_lambda_function.x86": {"monthly_requests": 15 * 10**9, "request_duration_ms": 2048},
        "aws_lambda_function.arm": {"monthly_requests": 1825 * 10**7, "request_duration_ms": 2048},
    })
    assert got["aws_lambda_function.none"] == [("Requests", None), ("Duration (first 6B)", None)]
    # 15B requests x 2.048 s x 2 GB = 61.44B GB-s: 6B + 9B + 46.44B over the tiers.
    assert got["aws_lambda_function.x86"] == [
        ("Requests", "3000.00"),
        ("Duration (first 6B)", "100000.20"),
        ("Duration (next 9B)", "135000.00"),
        ("Duration (over 15B)", "619203.10"),
    ]
    # 18.25B x 2.048 x 2 = 74.752B GB-s: 7.5B + 11.25B + 56.002B.
    assert got["aws_lambda_function.arm"] == [
        ("Requests", "3650.00"),
        ("Duration (first 7.5B)", "100000.50"),
        ("Duration (next 11.25B)", "135001.13"),
        ("Duration (over 18.75B)", "597356.53"),
    ]


def test_s3_dynamodb_logs_kms_secrets() -> None:
    got = lines([
        res("aws_s3_bucket.b", {"bucket": "b"}),
        res("aws_dynamodb_table.prov", {"billing_mode": "PROVISIONED", "read_capacity": 30,
                                        "write_capacity": 10, "name": "t"}),
        res("aws_dynamodb_table.ondemand", {"billing_mode": "PAY_PER_REQUEST", "name": "t2"}),
        res("aws_cloudwatch_log_group.lg", {"name": "lg"}),
        res("aws_kms_key.k", {"description": "k"}),
        res("aws_secretsmanager_secret.s", {"name": "s"}),
    ], {
        "aws_s3_bucket.b": {"standard": {"storage_gb": 60000, "monthly_tier_1_requests": 200000,
                                         "monthly_tier_2_requests": 1000000}},
        "aws_dynamodb_table.prov": {"storage_gb": 10},
        "aws_dynamodb_table.ondemand": {"monthly_write_request_units": 4_000_000,
                                        "monthly_read_request_units": 8_000_000},
        "aws_kms_key.k": {"monthly_requests": 100_000},
    })
    assert got["aws_s3_bucket.b"] == [
        ("Storage (standard)", "1177.60"),  # 51,200 GB x 0.023
        ("Storage (standard, next 450TB)", "193.60"),  # 8,800 GB x 0.022
        ("PUT, COPY, POST, LIST requests", "1.00"),
        ("GET, SELECT, and all other requests", "0.40"),
        ("Select data scanned", None),
        ("Select data returned", None),
    ]
    assert got["aws_dynamodb_table.prov"] == [
        ("Write capacity unit (WCU)", "4.75"),
        ("Read capacity unit (RCU)", "2.85"),
        ("Data storage", "2.50"),
    ]
    assert got["aws_dynamodb_table.ondemand"] == [
        ("Write request unit (WRU)", "2.50"),
        ("Read request unit (RRU)", "1.00"),
        ("Data storage", None),
    ]
    assert got["aws_cloudwatch_log_group.lg"] == [
        ("Data ingested", None),
        ("Archival storage", None),
        ("Insights queries data scanned", None),
    ]
    assert got["aws_kms_key.k"] == [("Customer master key", "1.00"), ("Requests", "0.30")]
    assert got["aws_secretsmanager_secret.s"] == [("Secret", "0.40"), ("API requests", None)]


def test_network_and_containers() -> None:
    got = lines([
        res("aws_eip.ip", {"domain": "vpc"}),
        res("aws_elb.classic", {"name": "c"}),
        res("aws_eks_cluster.c", {"name": "c", "version": "1.30"}),
        res("aws_eks_node_group.ng", {"cluster_name": "c", "instance_types": ["m5.large"],
                                      "scaling_config": [{"desired_size": 3, "min_size": 1,
                                                          "max_size": 5}],
                                      "disk_size": 50}),
        res("aws_elasticache_cluster.redis", {"engine": "redis", "node_type": "cache.m5.large",
                                              "num_cache_nodes": 2, "snapshot_retention_limit": 3}),
    ], {"aws_elb.classic": {"monthly_data_processed_gb": 500},
        "aws_elasticache_cluster.redis": {"snapshot_storage_size_gb": 10}})
    assert got == {
        "aws_eip.ip": [("IP address (public IPv4)", "3.65")],
        "aws_elb.classic": [("Classic load balancer", "18.25"), ("Data processed", "4.00")],
        "aws_eks_cluster.c": [("EKS cluster", "73.00")],
        "aws_eks_node_group.ng": [
            ("Instance usage (Linux/UNIX, on-demand, m5.large)", "210.24"),
            ("Storage (general purpose SSD, gp2)", "15.00"),
        ],
        "aws_elasticache_cluster.redis": [
            ("ElastiCache (redis, on-demand, cache.m5.large)", "227.76"),
            ("Backup storage", "1.70"),
        ],
    }


LC = {"instance_type": "t3.large", "image_id": "ami-1", "enable_monitoring": True,
      "root_block_device": [{"volume_size": 30, "volume_type": "gp3"}]}


@pytest.mark.parametrize(("template", "refs", "expected"), [
    (res("aws_launch_configuration.lc", LC), {"launch_configuration": [
        "aws_launch_configuration.lc.name", "aws_launch_configuration.lc"]}, [
        ("Instance usage (Linux/UNIX, on-demand, t3.large)", "242.94"),
        ("EC2 detailed monitoring", "8.40"),
        ("root_block_device: Storage (general purpose SSD, gp3)", "9.60"),
    ]),
    (res("aws_launch_template.lt", {"instance_type": "c5.xlarge", "image_id": "ami-1",
                                    "block_device_mappings": [{"device_name": "/dev/xvda",
                                    "ebs": [{"volume_size": 20, "volume_type": "gp2"}]}]}),
     {"launch_template.0.id": ["aws_launch_template.lt.id", "aws_launch_template.lt"]}, [
        ("Instance usage (Linux/UNIX, on-demand, c5.xlarge)", "496.40"),
        # /dev/xvda is the root device of the image: 20 GB, not the 8 GB default.
        ("root_block_device: Storage (general purpose SSD, gp2)", "8.00"),
    ]),
])
def test_autoscaling_group_prices_its_launch_config_times_capacity(
    template: dict[str, Any], refs: dict[str, list[str]], expected: list[tuple[str, str]],
) -> None:
    group = {"max_size": 10, "min_size": 2, "desired_capacity": 4}
    if "launch_template.0.id" in refs:
        group["launch_template"] = [{"version": "$Latest"}]
    got = lines([template, res("aws_autoscaling_group.asg", group, refs=refs)])
    assert got["aws_autoscaling_group.asg"] == expected


def test_db_replica_takes_engine_and_storage_from_its_source() -> None:
    got = lines([
        res("aws_db_instance.primary", {"engine": "mysql", "instance_class": "db.t3.large",
                                        "allocated_storage": 100}),
        res("aws_db_instance.replica", {"instance_class": "db.t3.large"},
            refs={"replicate_source_db": ["aws_db_instance.primary.identifier",
                                          "aws_db_instance.primary"]}),
        res("aws_db_instance.magnetic", {"engine": "mysql", "instance_class": "db.t3.large",
                                         "storage_type": "standard", "allocated_storage": 40}),
        res("aws_db_instance.io1", {"engine": "postgres", "instance_class": "db.t3.micro",
                                    "storage_type": "io1", "allocated_storage": 50,
                                    "iops": 1200}),
    ])
    assert got["aws_db_instance.replica"] == got["aws_db_instance.primary"] == [
        ("Database instance (on-demand, Single-AZ, db.t3.large, MySQL)", "99.28"),
        ("Storage (general purpose SSD, gp2)", "11.50"),
    ]
    assert got["aws_db_instance.magnetic"][1:] == [
        ("Storage (magnetic)", "4.00"), ("I/O requests", None),
    ]
    assert got["aws_db_instance.io1"] == [
        ("Database instance (on-demand, Single-AZ, db.t3.micro, PostgreSQL)", "13.14"),
        ("Storage (provisioned IOPS SSD, io1)", "6.25"),
        ("Provisioned IOPS", "120.00"),
    ]


def test_windows_from_an_ami_data_source_and_io2_tiers() -> None:
    got = lines([
        res("data.aws_ami.win", {"platform": "windows", "platform_details": "Windows"},
            action="read", mode="data"),
        res("aws_instance.win", {"instance_type": "t3.medium", "ebs_block_device": [
            {"device_name": "/dev/sdf", "volume_type": "io2", "volume_size": 10, "iops": 70000}]},
            refs={"ami": ["data.aws_ami.win.id", "data.aws_ami.win"]}),
    ])
    assert got["aws_instance.win"] == [
        ("Instance usage (Windows, on-demand, t3.medium)", "43.80"),
        ("root_block_device: Storage (general purpose SSD, gp2)", "0.80"),
        ("ebs_block_device[0]: Storage (provisioned IOPS SSD, io2)", "1.25"),
        ("ebs_block_device[0]: Provisioned IOPS", "2080.00"),
        ("ebs_block_device[0]: Provisioned IOPS (32K-64K)", "1456.00"),
        ("ebs_block_device[0]: Provisioned IOPS (over 64K)", "191.10"),
    ]


def test_a_multi_az_price_from_a_price_source_wins_over_twice_single() -> None:
    from pytest_devops.cost.prices import Catalog, PriceBook, shipped

    mine = Catalog({"regions": {"us-east-1": {
        "rds.instance/sqlserver-se/single": {"db.m5.xlarge": "0.977"},
        "rds.instance/sqlserver-se/multi": {"db.m5.xlarge": "1.954"},
        "rds.instance/mysql/multi": {},
    }}}, "mine")
    plan = make_plan([
        res("aws_db_instance.ss", {"engine": "sqlserver-se", "instance_class": "db.m5.xlarge",
                                   "allocated_storage": 20, "multi_az": True}),
        res("aws_db_instance.my", {"engine": "mysql", "instance_class": "db.t3.large",
                                   "allocated_storage": 20, "multi_az": True}),
    ])
    est = estimate(plan, prices=PriceBook([mine, shipped()]))
    assert [money(c.monthly) for c in est.resource("aws_db_instance.ss").components] == [
        "1426.42", "4.60"]
    assert [money(c.monthly) for c in est.resource("aws_db_instance.my").components] == [
        "198.56", "4.60"]
