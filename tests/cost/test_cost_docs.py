"""The examples of docs/cost.md are valid: config, price file, usage file, JSON shape."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from pytest_devops.config import resolve
from pytest_devops.cost.prices import load_price_file
from pytest_devops.cost.settings import cost_settings
from pytest_devops.cost.usage import load_usage

DOC = Path(__file__).resolve().parents[2] / "docs" / "cost.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text("utf-8"), re.DOTALL)


def test_config_example_is_valid(tmp_path: Path) -> None:
    [config] = [b for b in blocks("yaml") if b.startswith("environments:")]
    [usage] = [b for b in blocks("yaml") if b.startswith("version: 0.1")]
    # The settings check the usage file the config names: it is the documented one.
    (tmp_path / "infracost-usage.yml").write_text(usage)
    env = resolve(yaml.safe_load(config), "staging", tmp_path / "devops.yaml", {})
    settings = cost_settings(env)
    assert settings.usage_file == tmp_path / "infracost-usage.yml"
    assert settings.budget.limits() == {
        "monthly_max": Decimal(5000), "monthly_increase_max": Decimal(250),
        "monthly_increase_pct_max": Decimal(10), "resource_max": Decimal(1500),
    }


def test_price_file_example_loads(tmp_path: Path) -> None:
    [prices] = [b for b in blocks("yaml") if "regions:" in b]
    path = tmp_path / "prices.yml"
    path.write_text(prices)
    catalog = load_price_file(path)
    assert catalog.lookup("eu-west-1", "ec2.instance/linux/shared", "x2iedn.32xlarge") == \
        Decimal("31.219")
    assert catalog.lookup("ap-south-1", "vpc.nat_gateway", "hour") == Decimal("0.056")


def test_usage_example_loads(tmp_path: Path) -> None:
    [usage] = [b for b in blocks("yaml") if b.startswith("version: 0.1")]
    path = tmp_path / "usage.yml"
    path.write_text(usage)
    loaded = load_usage(path)
    assert loaded.for_resource("aws_nat_gateway.az[0]", "aws_nat_gateway").values == {
        "monthly_data_processed_gb": 500}
    assert loaded.for_resource("aws_nat_gateway.az[2]", "aws_nat_gateway").values == {
        "monthly_data_processed_gb": 200}


def test_json_example_has_the_documented_keys() -> None:
    [doc] = blocks("json")
    parsed = json.loads(doc)
    assert list(parsed) == ["currency", "monthly_before", "monthly_after", "monthly_delta",
                            "resources", "unpriced"]


def test_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """The "no pytest" example runs as written, on a plan and the documented usage file."""
    from costplans import plan_doc, res

    [code] = [b for b in blocks("python") if "load_usage" in b]
    [usage] = [b for b in blocks("yaml") if b.startswith("version: 0.1")]
    doc = plan_doc([res("aws_nat_gateway.az[0]", {})], "us-east-1")
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    (tmp_path / "infracost-usage.yml").write_text(usage)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/cost.md", "exec"), {})  # noqa: S102 - the documented example
    # One NAT gateway in us-east-1: 730 hours at $0.045 plus 500 GB at $0.045 (usage file).
    assert Decimal(capsys.readouterr().out) == Decimal("55.35")
