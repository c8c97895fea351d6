"""Pricing a 50,000-resource plan against a bare ``json.load`` of it.

Prints the ratio (target: the estimate costs at most 2x the json.load) for the estimate
alone (plan already loaded, as in a session where the plan gates loaded it) and for
load + estimate. Run: ``python benchmarks/bench_cost.py [N]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pytest_devops.cost import Usage, estimate
from pytest_devops.plan import parse_plan

ROUNDS = 5
AWS = "registry.terraform.io/hashicorp/aws"


def resource(i: int) -> tuple[str, str, dict[str, Any]]:
    """A realistic mix: compute, storage, network, serverless and free glue."""
    kind = i % 10
    if kind == 0:
        return "aws_instance", f"web{i}", {
            "ami": "ami-0abcdef", "instance_type": ("t3.micro", "m5.large", "c5.xlarge")[i % 3],
            "tags": {"Name": f"web-{i}", "Owner": "team"}, "monitoring": i % 2 == 0,
            "root_block_device": [{"volume_size": 20, "volume_type": "gp3"}],
            "ebs_block_device": [{"device_name": "/dev/sdf", "volume_size": 100,
                                  "volume_type": "gp2"}],
        }
    if kind == 1:
        return "aws_ebs_volume", f"data{i}", {"size": 50 + i % 100, "type": "gp3",
                                              "iops": 3000 + i % 5000, "throughput": 125}
    if kind == 2:
        return "aws_lambda_function", f"fn{i}", {"function_name": f"fn{i}", "memory_size": 512,
                                                 "runtime": "python3.12", "handler": "h"}
    if kind == 3:
        return "aws_s3_bucket", f"b{i}", {"bucket": f"bucket-{i}", "tags": {"Owner": "team"}}
    if kind == 4:
        return "aws_db_instance", f"db{i}", {"engine": "postgres", "instance_class": "db.t3.large",
                                             "allocated_storage": 100, "multi_az": True}
    if kind == 5:
        return "aws_nat_gateway", f"nat{i}", {"subnet_id": f"subnet-{i}"}
    if kind == 6:
        return "aws_security_group", f"sg{i}", {
            "name": f"sg{i}", "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp",
                                           "cidr_blocks": ["10.0.0.0/8"]}],
        }
    if kind == 7:
        return "aws_iam_role", f"role{i}", {"name": f"role{i}", "assume_role_policy": "{}" * 20}
    if kind == 8:
        return "aws_lb", f"lb{i}", {"load_balancer_type": "application", "subnets": ["s-1", "s-2"]}
    return "aws_cloudwatch_log_group", f"lg{i}", {"name": f"/app/{i}", "retention_in_days": 30}


def make_plan(n: int) -> dict[str, Any]:
    changes = []
    for i in range(n):
        rtype, name, after = resource(i)
        action = ("create", "update", "no-op", "delete")[i % 4]
        changes.append({
            "address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
            "provider_name": AWS,
            "change": {
                "actions": [action],
                "before": None if action == "create" else after,
                "after": None if action == "delete" else after,
                "after_unknown": {"id": True, "arn": True},
                "before_sensitive": {}, "after_sensitive": {},
            },
        })
    return {
        "format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {
            "name": "aws", "full_name": AWS,
            "expressions": {"region": {"constant_value": "us-east-1"}}}}},
    }


def best(fn: Any) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(json.dumps(make_plan(n)))
        size = path.stat().st_size

        def load() -> Any:
            with path.open("rb") as fh:
                return json.load(fh)

        doc = load()
        plan = parse_plan(doc, str(path))
        usage = Usage({"aws_lambda_function.fn2": {"monthly_requests": 10**6}})
        t_json = best(load)
        t_estimate = best(lambda: estimate(plan, usage=usage))
        t_parse = best(lambda: parse_plan(load(), str(path)))
        est = estimate(plan, usage=usage)
    print(f"plan: {n} resource changes, {size / 1e6:.1f} MB")
    print(f"json.load:            {t_json:.3f} s")
    ratio = t_estimate / t_json
    print(f"estimate (plan held): {t_estimate:.3f} s  ratio {ratio:.2f} (target <= 2)")
    print(f"load_plan + estimate: {t_parse + t_estimate:.3f} s  "
          f"ratio {(t_parse + t_estimate) / t_json:.2f}")
    print(f"priced {len(est.resources)}, free {len(est.free)}, unpriced {len(est.unpriced)}; "
          f"monthly after ${est.monthly_after:,.2f}")


if __name__ == "__main__":
    main()
