"""Cost faults: a budget exceeded, an unpriced resource, a plan the estimate cannot read;
the plan's sensitive values (the secret) appear in no output."""

from __future__ import annotations

import json
from typing import Any

import pytest
from faultkit import run_gates, section
from faultkit import secrets_env as secrets_env
from leaks import SECRETS


def _plan(instance_type: str = "m5.large", extra: list[dict[str, Any]] | None = None) -> str:
    def rc(address: str, after: dict[str, Any], sensitive: Any = None) -> dict[str, Any]:
        rtype, name = address.split(".")
        return {"address": address, "mode": "managed", "type": rtype, "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {"actions": ["create"], "before": None, "after": after,
                           "after_unknown": {}, "before_sensitive": False,
                           "after_sensitive": sensitive or {}}}
    changes = [
        rc("aws_instance.web", {"ami": "ami-1", "instance_type": instance_type,
                                "user_data": SECRETS["DEVOPS_SECRET"]}, {"user_data": True}),
        *(extra or []),
    ]
    return json.dumps({
        "format_version": "1.2", "terraform_version": "1.11.0",
        "planned_values": {"root_module": {"resources": []}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {
            "name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
            "expressions": {"region": {"constant_value": "us-east-1"}}}}},
    })


UNPRICED = {"address": "aws_quantum_computer.q", "mode": "managed", "type": "aws_quantum_computer",
            "name": "q", "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": None, "after": {"qubits": 8},
                       "after_unknown": {}, "before_sensitive": False, "after_sensitive": {}}}

CASES = {
    "within-budget": ("budget: {monthly_max: 1000}", _plan(), 0, "pass",
                      "cost        1 passed"),
    "over-budget": ("budget: {monthly_max: 10}", _plan(), 1, "fail",
                    "FAIL      devops.yaml::cost.monthly_max: *"),
    "increase-over": ("budget: {monthly_increase_max: 5}", _plan("m5.xlarge"), 1, "fail",
                      "FAIL      devops.yaml::cost.monthly_increase_max: *"),
    "unpriced-fails": ("fail_on_unpriced: true\nbudget: {monthly_max: 1000}",
                       _plan(extra=[UNPRICED]), 1, {"cost.monthly_max": "pass",
                                                    "cost.unpriced": "fail"},
                       "FAIL      devops.yaml::cost.unpriced: cost.unpriced: 1 resource(s) "
                       "could not be priced; the budget cannot vouch for them*"),
    "unreadable-plan": ("budget: {monthly_max: 1000}", '{"format_version": "1.2", ', 1, "error",
                        "ERROR     devops.yaml::cost.monthly_max: *truncated*"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_cost_faults(pytester: pytest.Pytester, secrets_env: dict[str, str], name: str) -> None:
    cost, plan, code, outcome, line = CASES[name]
    config = section("terraform: {plan_file: plan.json}\ncost:\n"
                     + "\n".join("  " + ln for ln in cost.splitlines()))
    out = run_gates(pytester, config, {"plan.json": plan})
    assert out.ret == code, out.text
    expected = outcome if isinstance(outcome, dict) else {"cost.monthly_max": outcome}
    if "increase" in name:
        expected = {"cost.monthly_increase_max": outcome}
    assert out.outcomes() == expected
    out.shows(line)
