"""``pytest-devops cost PLAN``: JSON shape, formats, redaction, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from costplans import plan_doc, res

from pytest_devops.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["cost", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_of_the_example_plan(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(corpus / "plans/infracost__example_plan.json"), "--usage",
                       str(corpus / "expected/infracost__example_usage.yml"), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["currency", "monthly_before", "monthly_after", "monthly_delta",
                         "resources", "unpriced"]
    assert (doc["currency"], doc["monthly_before"], doc["monthly_after"], doc["monthly_delta"]) \
        == ("USD", "0.00", "1361.31", "1361.31")
    assert [r["address"] for r in doc["resources"]] == [
        "aws_instance.web_app", "aws_instance.zero_cost_instance",
        "aws_lambda_function.hello_world", "aws_lambda_function.zero_cost_lambda",
        "aws_s3_bucket.usage",
    ]
    web = doc["resources"][0]
    assert (web["monthly_before"], web["monthly_after"], web["monthly_delta"]) == (
        "0.00", "742.64", "742.64")
    assert web["components"][0] == {
        "name": "Instance usage (Linux/UNIX, on-demand, m5.4xlarge)", "group": None,
        "unit": "hours", "quantity": "730", "price": "0.768", "monthly": "560.64",
        "usage_based": False,
    }
    assert doc["unpriced"] == []


def test_without_usage_usage_priced_lines_depend_on_usage(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(corpus / "plans/infracost__example_plan.json"))
    assert code == 0
    assert "TOTAL (USD/month): $0.00 -> $1,485.28 (+$1,485.28)" in out
    assert "  Requests" in out
    assert "depends on usage: $0.20 per 1M requests" in out
    assert "5 priced, 0 free, 0 not priced" in out


def test_markdown_lists_unpriced(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(corpus / "plans/infracost__azure_firewall.json"),
                       "--format", "markdown")
    assert code == 0
    assert out.splitlines()[0] == "**Monthly cost:** $0.00 → $0.00 (**+$0.00**)"
    assert "**Not priced (11):**" in out
    assert ("- `azurerm_firewall.premium`: Azure resources are not priced (the cost engine "
            "prices AWS)") in out


def _secret_plan(tmp_path: Path) -> Path:
    """An instance whose type is also a sensitive tag value, and a parameter whose address
    holds a secret (a for_each key made with nonsensitive()): only redaction hides them."""
    doc = plan_doc([
        res("aws_instance.web",
            {"ami": "ami-1", "instance_type": "m5.large", "tags": {"Code": "m5.large"}},
            after_sensitive={"tags": {"Code": True}}),
        res('aws_ssm_parameter.p["hunter2-secret"]', {"name": "p", "value": "hunter2-secret"},
            after_sensitive={"value": True}),
        res('aws_sqs_queue.q["hunter2-secret"]', {"name": "q"}),
    ], region=None)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    return path


def test_region_option_and_redaction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(_secret_plan(tmp_path)), "--region", "eu-west-1",
                       "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["monthly_after"] == "78.99"  # 730 x 0.107 + 8 GB x 0.11
    assert "m5.large" not in out
    assert result["resources"][0]["components"][0]["name"] == (
        "Instance usage (Linux/UNIX, on-demand, ***)"
    )
    assert [u["address"] for u in result["unpriced"]] == ['aws_sqs_queue.q["***"]']


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_no_secret_in_any_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code, out, err = run(capsys, str(_secret_plan(tmp_path)), "--region", "eu-west-1",
                         "--format", fmt)
    assert code == 0
    assert "aws_instance.web" in out
    assert ("m5.large" in out + err, "hunter2-secret" in out + err) == (False, False)
    assert "***" in out


def test_plan_from_stdin(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    data = (corpus / "plans/infracost__example_plan.json").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(capsys, "-", "--format", "json")
    assert code == 0
    assert json.loads(out)["monthly_after"] == "1485.28"


def test_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "missing.json"))
    assert code == 2
    assert "pytest-devops cost: error:" in err
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_doc([])))
    usage = tmp_path / "usage.yml"
    usage.write_text("version: 9\n")
    code, _, err = run(capsys, str(plan), "--usage", str(usage))
    assert code == 2
    assert f"{usage}: version: unsupported usage file version '9'" in err


def test_price_file_option(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"regions": {"us-east-1": {
        "ec2.instance/linux/shared": {"m5.4xlarge": "0.5"}}}}))
    code, out, _ = run(capsys, str(corpus / "plans/infracost__example_plan.json"), "--usage",
                       str(corpus / "expected/infracost__example_usage.yml"), "--price-file",
                       str(prices))
    assert code == 0
    assert "TOTAL (USD/month): $0.00 -> $1,165.67 (+$1,165.67)" in out
    assert "prices: price file prices.json, catalog (2025-01-15)" in out


def test_table_shows_each_component_name_whole(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(corpus / "plans/infracost__tf012_plan.json"))
    assert code == 0
    lines = out.splitlines()
    at = lines.index("module.db.module.db_1.module.db_instance.aws_db_instance.this[0] (update): "
                     "$12.99 -> $12.99 (+$0.00)")
    assert [" ".join(line.split()) for line in lines[at + 1:at + 3]] == [
        "Database instance (on-demand, Single-AZ, db.t3.micro, MySQL) 730 hours $12.41",
        "Storage (general purpose SSD, gp2) 5 GB $0.58",
    ]
    assert lines[-3:] == ["TOTAL (USD/month): $40.56 -> $81.12 (+$40.56)",
                          "14 priced, 12 free, 0 not priced", "prices: catalog (2025-01-15)"]


def test_an_errored_plan_is_priced_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = plan_doc([res("aws_nat_gateway.nat", {"subnet_id": "s"})])
    doc["errored"] = True
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(capsys, str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["monthly_after"] == "32.85"
    assert err.splitlines() == [
        "warning: the plan is errored (`terraform plan` failed part-way); its changes are "
        "incomplete"]
