"""Databases: RDS instances, ElastiCache clusters, DynamoDB tables."""

from __future__ import annotations

from decimal import Decimal

from pytest_devops.cost.aws.volumes import VOLUME_TYPES
from pytest_devops.cost.resource import Res, Unpriceable

__all__ = ["aws_db_instance", "aws_dynamodb_table", "aws_elasticache_cluster"]

#: The EBS volume types RDS offers, named as EBS names them.
RDS_STORAGE = {t: VOLUME_TYPES[t] for t in ("gp2", "gp3", "io1", "io2", "standard")}
#: RDS gp3 includes 3,000 IOPS / 125 MB/s below 400 GB and 12,000 IOPS / 500 MB/s from
#: 400 GB (MySQL, MariaDB, PostgreSQL).
GP3_BASELINE = ((Decimal(400), Decimal(3000), Decimal(125)), (None, Decimal(12000), Decimal(500)))
ENGINES = {"mysql": "MySQL", "postgres": "PostgreSQL", "mariadb": "MariaDB"}
MILLION = Decimal(1_000_000)


def _engine(r: Res) -> str:
    engine = r.attr("engine")
    if not engine:
        source = r.referenced("replicate_source_db")
        if source is not None:
            engine = source[1].get("engine")
    if not engine:
        raise Unpriceable("engine is not known (set engine, or replicate a database of this plan)")
    return str(engine).lower()


def aws_db_instance(r: Res) -> None:
    engine = _engine(r)
    klass = str(r.require("instance_class"))
    multi = r.flag("multi_az")
    deployment = "Multi-AZ" if multi else "Single-AZ"
    # A Multi-AZ deployment is a primary and a standby: twice the Single-AZ price, unless
    # a price source knows the Multi-AZ price itself (group rds.instance/ENGINE/multi).
    factor = 2 if multi else 1
    if r.usage.text("reserved_instance_term"):
        raise Unpriceable("reserved RDS instances are not in the price catalog")
    label = ENGINES.get(engine, engine)
    name = f"Database instance (on-demand, {deployment}, {klass}, {label})"
    if multi and r.prices.get(r.region, f"rds.instance/{engine}/multi", klass) is not None:
        r.hours(name, f"rds.instance/{engine}/multi", klass)
    else:
        r.hours(name, f"rds.instance/{engine}/single", klass, factor=factor)
    storage = r.number("allocated_storage")
    if storage is None:
        source = r.referenced("replicate_source_db")
        storage = None if source is None else r.number("allocated_storage", source[1])
    stype = str(r.attr("storage_type") or ("io1" if r.number("iops") else "gp2"))
    if stype not in RDS_STORAGE:
        raise Unpriceable(f"storage_type {stype!r} is not priced")
    if storage is None:
        raise Unpriceable("allocated_storage is not known until apply (or not set)")
    r.add(RDS_STORAGE[stype], "GB", storage, "rds.storage/gb_month", stype, factor=factor)
    iops = r.number("iops")
    if stype in ("io1", "io2"):
        if iops is None:
            raise Unpriceable(f"iops of {stype} storage is not known")
        r.add("Provisioned IOPS", "IOPS", iops, "rds.iops/iops_month", stype, factor=factor)
    elif stype == "gp3":
        free_iops, free_throughput = _gp3_baseline(storage)
        if iops is not None and iops > free_iops:
            r.add("Provisioned IOPS", "IOPS", iops - free_iops, "rds.iops/iops_month", "gp3",
                  factor=factor)
        throughput = r.number("storage_throughput")
        if throughput is not None and throughput > free_throughput:
            r.add("Provisioned throughput", "MBps", throughput - free_throughput,
                  "rds.throughput/mbps_month", "gp3", factor=factor)
    elif stype == "standard":
        requests = r.usage.number("monthly_standard_io_requests")
        r.add("I/O requests", "1M requests", None if requests is None else requests / MILLION,
              "rds.io_requests/per_1m", "standard", usage_based=True)
    backup = r.usage.number("additional_backup_storage_gb")
    if backup is not None:
        r.add("Additional backup storage", "GB", backup, "rds.backup/gb_month", "all",
              usage_based=True)


def _gp3_baseline(storage: Decimal) -> tuple[Decimal, Decimal]:
    for cap, iops, throughput in GP3_BASELINE:
        if cap is None or storage < cap:
            return iops, throughput
    raise AssertionError("unreachable: the last baseline has no cap")


def aws_elasticache_cluster(r: Res) -> None:
    if r.attr("replication_group_id") or r.configured("replication_group_id"):
        raise Unpriceable("a member of a replication group: its nodes are billed with the group "
                          "(aws_elasticache_replication_group is not priced)")
    engine = str(r.attr("engine", "redis")).lower()
    if engine not in ("redis", "memcached"):
        raise Unpriceable(f"engine {engine!r} is not priced")
    node = str(r.require("node_type"))
    nodes = r.number("num_cache_nodes") or Decimal(1)
    r.hours(f"ElastiCache ({engine}, on-demand, {node})", "elasticache.node/hour", node,
            count=nodes)
    retention = r.number("snapshot_retention_limit") or Decimal(0)
    if engine == "redis" and retention > 1:
        size = r.usage.number("snapshot_storage_size_gb")
        r.add("Backup storage", "GB", None if size is None else size * (retention - 1),
              "elasticache.snapshot/gb_month", "all", usage_based=True)


def aws_dynamodb_table(r: Res) -> None:
    if r.blocks("replica"):
        raise Unpriceable("global table replicas (replica blocks) are not priced")
    mode = str(r.attr("billing_mode", "PROVISIONED")).upper()
    if mode == "PROVISIONED":
        hours = Decimal(730)
        for attr, unit, item in (("write_capacity", "WCU", "wcu_hour"),
                                 ("read_capacity", "RCU", "rcu_hour")):
            capacity = r.number(attr)
            if capacity is None:
                raise Unpriceable(f"{attr} is not known until apply")
            r.add(f"{'Write' if unit == 'WCU' else 'Read'} capacity unit ({unit})", unit,
                  capacity, "dynamodb.provisioned", item, factor=hours)
    elif mode == "PAY_PER_REQUEST":
        for key, name, item in (
            ("monthly_write_request_units", "Write request unit (WRU)", "write_request_units"),
            ("monthly_read_request_units", "Read request unit (RRU)", "read_request_units"),
        ):
            units = r.usage.number(key)
            r.add(name, "1M units", None if units is None else units / MILLION,
                  "dynamodb.on_demand/per_1m", item, usage_based=True)
    else:
        raise Unpriceable(f"billing_mode {mode!r} is not priced")
    storage = r.usage.number("storage_gb")
    r.add("Data storage", "GB", storage, "dynamodb.storage/gb_month", "standard", usage_based=True)
