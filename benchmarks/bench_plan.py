"""Summarising a 50,000-resource plan against a bare ``json.load`` of the same file.

"Summarise" is what every plan gate pays: ``load_plan`` (decode, checks, model) +
``counts()`` + ``digest()``. Prints the median time of each, their ratio (target: at
most 1.5) and the peak memory of each (tracemalloc, measured in separate runs).
Run: ``python benchmarks/bench_plan.py [RESOURCES]``.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_devops.plan import load_plan
from pytest_devops.plan.capture import paused_gc

RESOURCES = 50_000
ROUNDS = 3
ACTIONS = [["create"]] * 6 + [["update"]] * 2 + [["no-op"]] * 8 + [["delete"], ["delete", "create"]]


def resource(i: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """One resource change, its planned values and its prior state, as Terraform writes them."""
    actions = ACTIONS[i % len(ACTIONS)]
    module = f"module.svc_{i % 40}." if i % 3 else ""
    address = f'{module}aws_instance.web["node-{i}"]'
    values = {
        "ami": f"ami-{i:08x}",
        "instance_type": "t3.micro" if i % 5 else "m5.large",
        "subnet_id": f"subnet-{i % 97:06d}",
        "tags": {"Name": f"web-{i}", "Owner": "platform", "CostCenter": str(1000 + i % 50)},
        "root_block_device": [{"volume_size": 8 + i % 4, "volume_type": "gp3",
                               "encrypted": True}],
        "user_data": f"#!/bin/sh\necho node {i}\n",
        "vpc_security_group_ids": [f"sg-{i % 13:06d}"],
        "monitoring": bool(i % 2),
    }
    before = None if actions == ["create"] else {**values, "id": f"i-{i:012x}",
                                                "arn": f"arn:aws:ec2:us-east-1:1:i-{i:012x}"}
    after = None if actions == ["delete"] else values
    unknown = {} if after is None else {"id": True, "arn": True, "private_ip": True,
                                        "root_block_device": [{"volume_id": True}]}
    change = {
        "address": address,
        "module_address": module[:-1] or None,
        "mode": "managed",
        "type": "aws_instance",
        "name": "web",
        "index": f"node-{i}",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": actions, "before": before, "after": after, "after_unknown": unknown,
            "before_sensitive": {} if before else False,
            "after_sensitive": {"user_data": True} if after else False,
        },
    }
    if not module:
        del change["module_address"]
    planned = {"address": address, "mode": "managed", "type": "aws_instance", "name": "web",
               "index": f"node-{i}", "provider_name": change["provider_name"],
               "schema_version": 1, "values": after or {}, "sensitive_values": {}}
    prior = {**planned, "values": before or {}}
    return change, planned, prior


def make_plan(path: Path, n: int) -> None:
    changes, planned, prior = zip(*(resource(i) for i in range(n)), strict=True)
    doc = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": list(planned)}},
        "resource_changes": list(changes),
        "prior_state": {"format_version": "1.0", "terraform_version": "1.9.5",
                        "values": {"root_module": {"resources": list(prior)}}},
        "configuration": {"provider_config": {"aws": {
            "name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
            "expressions": {"region": {"constant_value": "us-east-1"}}}}},
        "timestamp": "2026-01-01T00:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    with path.open("w", encoding="utf-8") as out:
        json.dump(doc, out)


def bare(path: Path) -> object:
    with path.open("rb") as handle:
        return json.load(handle)


def bare_no_gc(path: Path) -> object:
    """The stricter baseline: json.load with the collector paused, as load_plan runs."""
    with paused_gc():
        return bare(path)


def summarise(path: Path) -> object:
    plan = load_plan(path)
    return plan.counts(), plan.digest()


def timed(func: Callable[[Path], object], path: Path) -> float:
    gc.collect()
    start = time.perf_counter()
    func(path)
    return time.perf_counter() - start


def peak(func: Callable[[Path], object], path: Path) -> int:
    gc.collect()
    tracemalloc.start()
    func(path)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else RESOURCES
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        make_plan(path, n)
        size = path.stat().st_size
        counts, _ = summarise(path)  # type: ignore[misc]
        bare_times, strict_times, plan_times = [], [], []
        for _ in range(ROUNDS):  # interleaved so machine noise hits all alike
            bare_times.append(timed(bare, path))
            strict_times.append(timed(bare_no_gc, path))
            plan_times.append(timed(summarise, path))
        bare_peak, plan_peak = peak(bare, path), peak(summarise, path)
    a, b = statistics.median(plan_times), statistics.median(bare_times)
    c = statistics.median(strict_times)
    mib = 1024 * 1024
    print(f"plan with {n} resources, {size / mib:.1f} MiB, counts {counts}")
    print(f"median of {ROUNDS}:")
    print(f"  json.load                     {b * 1000:9.1f} ms   peak {bare_peak / mib:7.1f} MiB")
    print(f"  json.load, GC paused          {c * 1000:9.1f} ms")
    print(f"  load_plan + counts + digest   {a * 1000:9.1f} ms   peak {plan_peak / mib:7.1f} MiB")
    print(f"  time ratio to json.load       {a / b:9.2f}  (target <= 1.5)")
    print(f"  time ratio, both GC paused    {a / c:9.2f}")
    print(f"  memory ratio                  {plan_peak / bare_peak:9.2f}")


if __name__ == "__main__":
    main()
