"""Settings a gate reads when it runs (a usage or price file, a baseline, a budget value):
a wrong one is a usage error like any other: one line naming the file and what is
expected, exit status 4, no traceback; the gate report says error."""

from __future__ import annotations

import pytest
from faultkit import run_gates, section
from faultkit import secrets_env as secrets_env

PLAN = ('{"format_version": "1.2", "planned_values": {"root_module": {}}, '
        '"resource_changes": [], "configuration": {"root_module": {}}}')

CASES = {
    "usage-file-a-list": (
        "cost: {usage_file: usage.yml, budget: {monthly_max: 10}}", {"usage.yml": "- [1, 2]\n"},
        ["usage.yml", "expected a mapping with `version:` and `resource_usage:`"]),
    "usage-file-missing": (
        "cost: {usage_file: nowhere.yml, budget: {monthly_max: 10}}", {},
        ["nowhere.yml"]),
    "price-file-a-list": (
        "cost: {price_file: prices.yml, budget: {monthly_max: 10}}", {"prices.yml": "- 1\n"},
        ["prices.yml", "expected a mapping with a `regions:` key"]),
    "budget-nan": (
        "cost: {budget: {monthly_max: .nan}}", {},
        ["devops.yaml", "monthly_max"]),
    "baseline-missing": (
        "security: {paths: [infra], baseline: nobase.json}",
        {"infra/main.tf": 'resource "terraform_data" "x" {}\n'},
        ["nobase.json", "security.baseline", "not found"]),
    "baseline-not-json": (
        "security: {paths: [infra], baseline: base.json}",
        {"infra/main.tf": 'resource "terraform_data" "x" {}\n', "base.json": "{not json"},
        ["base.json", "security.baseline"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_late_setting_fault_is_a_usage_error(pytester: pytest.Pytester,
                                               secrets_env: dict[str, str], name: str) -> None:
    body, extra, parts = CASES[name]
    out = run_gates(pytester, section(f"terraform: {{plan_file: plan.json}}\n{body}"),
                    {"plan.json": PLAN, **extra})
    assert out.ret == 4, out.text
    # One line names the file and the key (before or after the gates ran, as the setting
    # is read at start or by the gate).
    assert any(all(p in line for p in parts) for line in out.lines), out.text
    assert "Traceback" not in out.text
    assert "site-packages" not in out.text
    assert len(out.lines) < 30, out.text
