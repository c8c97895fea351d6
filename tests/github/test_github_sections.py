"""Plan, cost and security sections: rendered when present, exact, and never trusted."""

from __future__ import annotations

from typing import Any

from pytest_devops.github.sections import cost_blocks, money, plan_blocks, security_blocks


def text(blocks: list[Any]) -> str:
    return "\n\n".join(b.text for b in blocks)


def test_absent_or_malformed_sections_render_nothing_or_what_is_sure() -> None:
    assert plan_blocks({}) == cost_blocks({}) == security_blocks({}) == []
    assert text(plan_blocks({"counts": "lots", "resources": "x"})) == "#### Plan\n\nNo changes."


def test_plan_with_hostile_addresses() -> None:
    plan = {
        "counts": {"create": 0, "update": 0, "delete": 2, "replace": 0, "read": 1},
        "resources": [
            {
                "address": 'aws_s3_bucket.b["</details><script>"]',
                "type": "aws_s3_bucket",
                "actions": ["delete"],
            },
            {"address": "data.x|y", "type": "x", "actions": ["read"]},
            {"address": "n", "actions": ["no-op"]},
        ],
        "digest": 42,
    }
    assert text(plan_blocks(plan)) == (
        "#### Plan\n\n**2** to delete · **1** to read\n\n"
        "<details><summary>Resource changes (2)</summary>\n\n"
        "| | Action | Resource | Type |\n| --- | --- | --- | --- |\n"
        '| \\- | delete | `aws_s3_bucket.b["</details><script>"]` | `aws_s3_bucket` |\n'
        "| &lt;= | read | data.x\\|y | `x` |\n\n</details>"
    )


def test_money() -> None:
    assert money("1234.5") == "1,234.50"
    assert money(12, signed=True) == "+12.00"
    assert money("-3.456", signed=True) == "-3.46"
    assert money("NaN") == "NaN"
    assert money("<b>free</b>") == "&lt;b&gt;free&lt;/b&gt;"
    assert money(None) == money(True) == "-"


def test_cost_from_the_estimate_shape() -> None:
    cost = {
        "currency": "EUR",
        "monthly_before": "0.00",
        "monthly_after": "-5",
        "monthly_delta": "-5",
        "resources": [
            {
                "address": "aws_instance.a",
                "monthly_before": "5",
                "monthly_after": "0",
                "monthly_delta": "-5.00",
            }
        ],
        "unpriced": [{"address": "aws_x.y", "reason": "no price for @team"}, "aws_z.w"],
    }
    assert text(cost_blocks(cost)) == (
        "#### Cost\n\n| Monthly (EUR) | Before | After | Change |\n"
        "| --- | ---: | ---: | ---: |\n| Total | 0.00 | -5.00 | **-5.00** |\n\n"
        "<details><summary>Cost by resource (1)</summary>\n\n"
        "| Resource | Before | After | Change |\n| --- | ---: | ---: | ---: |\n"
        "| `aws_instance.a` | 5.00 | 0.00 | -5.00 |\n\n</details>\n\n"
        "<details><summary>Not priced (2)</summary>\n\n"
        "- `aws_x.y`: no price for @\u200bteam\n- `aws_z.w`\n\n</details>"
    )


def test_security_in_the_scanner_result_shape() -> None:
    security = {
        "failed": [
            {
                "check_id": "CKV_AWS_20",
                "check_name": "S3 public ACL",
                "resource": "aws_s3_bucket.b",
                "file": "/main.tf",
                "lines": [3, 9],
                "severity": "HIGH",
            }
        ]
    }
    assert text(security_blocks(security)) == (
        "#### Security\n\n**1** finding\n\n"
        "<details><summary>Security findings (1)</summary>\n\n"
        "| Severity | Rule | Resource | Location | Message |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| HIGH | `CKV_AWS_20` | `aws_s3_bucket.b` | `/main.tf:3-9` | S3 public ACL |\n\n</details>"
    )


def test_long_tables_show_the_first_rows_and_count_the_rest() -> None:
    plan = {"resources": [{"address": f"r.{i}", "actions": ["create"]} for i in range(103)]}
    table = text(plan_blocks(plan)).split("\n\n", 2)[2]
    lines = table.split("\n")
    assert lines[:2] == ["<details><summary>Resource changes (103)</summary>", ""]
    assert lines[4:6] == ["| \\+ | create | `r.0` | - |", "| \\+ | create | `r.1` | - |"]
    assert lines[-5:] == ["| \\+ | create | `r.99` | - |", "", "… and 3 more.", "", "</details>"]
    cost = {
        "currency": "USD",
        "resources": [{"address": f"r.{i}", "monthly_after": 1} for i in range(101)],
    }
    assert text(cost_blocks(cost)).endswith(
        "| `r.99` | - | 1.00 | +1.00 |\n\n… and 1 more.\n\n</details>"
    )
