"""Usage files, price files and the shipped catalog."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pytest_devops.cost import Usage, load_usage
from pytest_devops.cost.prices import Catalog, MissingPrice, PriceBook, load_price_file, shipped
from pytest_devops.errors import ConfigError

CATALOG_REGIONS = {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1"}


def test_shipped_catalog_states_date_source_and_regions() -> None:
    catalog = shipped()
    assert catalog.taken == "2025-01-15"
    assert catalog.source.startswith("AWS public on-demand list prices")
    assert set(catalog.regions()) == CATALOG_REGIONS


@pytest.mark.parametrize(("region", "group", "item", "price"), [
    ("us-east-1", "ec2.instance/linux/shared", "m5.large", "0.096"),
    ("us-east-2", "ec2.instance/linux/shared", "m5.large", "0.096"),  # same as its base
    ("eu-west-1", "ec2.instance/linux/shared", "m5.large", "0.107"),
    ("eu-central-1", "ebs.storage/gb_month", "gp3", "0.0952"),
    ("eu-central-1", "eks.cluster", "hour", "0.10"),  # inherited group
])
def test_catalog_lookup_with_base_regions(region: str, group: str, item: str, price: str) -> None:
    assert shipped().lookup(region, group, item) == Decimal(price)


def test_a_region_that_lists_a_group_does_not_inherit_its_items() -> None:
    # eu-west-1 lists its own RDS MySQL prices; a class it lacks is missing, not us-east-1's.
    assert shipped().lookup("eu-west-1", "rds.instance/mysql/single", "db.r5.large") is None
    assert shipped().lookup("ap-south-1", "eks.cluster", "hour") is None


def test_a_price_file_region_shares_its_base_from_every_source(tmp_path: Path) -> None:
    """The documented price file: ap-south-1 with its own NAT prices, the rest as in the
    catalog's us-east-1; a group the file lists there is never borrowed."""
    path = tmp_path / "prices.yml"
    path.write_text(
        "schema: pytest-devops/prices@1\n"
        "regions:\n"
        "  ap-south-1:\n"
        "    base: us-east-1\n"
        "    vpc.nat_gateway: {hour: '0.056', data_gb: '0.056'}\n"
        "    ec2.instance/linux/shared: {m6i.large: '0.101'}\n"
    )
    book = PriceBook([load_price_file(path), shipped()])
    assert book.get("ap-south-1", "vpc.nat_gateway", "hour") == Decimal("0.056")
    assert book.get("ap-south-1", "kms", "key_month") == shipped().lookup(
        "us-east-1", "kms", "key_month")
    assert book.get("ap-south-1", "ec2.instance/linux/shared", "m6i.large") == Decimal("0.101")
    assert book.get("ap-south-1", "ec2.instance/linux/shared", "m5.large") is None
    assert book.get("ap-southeast-2", "kms", "key_month") is None


def test_missing_price_names_the_sources() -> None:
    book = PriceBook([Catalog({"regions": {}}, "mine"), shipped()])
    with pytest.raises(MissingPrice, match=r"no price for kms 'key_month' in mars-1; not in mine, "
                                           r"catalog: add it to a price file"):
        book.price("mars-1", "kms", "key_month")


def test_price_file_yaml(tmp_path: Path) -> None:
    path = tmp_path / "prices.yml"
    path.write_text("regions:\n  us-east-1:\n    ec2.instance/linux/shared:\n"
                    "      m5.large: '0.05'\n      t3.micro: 0.004\n")
    catalog = load_price_file(path)
    assert catalog.name == "price file prices.yml"
    assert catalog.lookup("us-east-1", "ec2.instance/linux/shared", "t3.micro") == Decimal("0.004")


@pytest.mark.parametrize(("text", "message"), [
    ("regions: []\n", "regions: expected a `regions:` mapping"),
    ("regions:\n  us-east-1:\n    kms:\n      key_month: lots\n",
     "regions.us-east-1.kms.key_month: expected a price"),
    ("regions:\n  us-east-1:\n    kms:\n      key_month: -1\n", "must be a non-negative number"),
    ("schema: other@2\nregions: {}\n", "unknown price file schema 'other@2'"),
    ("regions: [\n", "invalid YAML"),
])
def test_price_file_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "prices.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_price_file(path)
    assert str(path) in str(info.value)


def test_usage_precedence_exact_over_wildcard_over_type(tmp_path: Path) -> None:
    path = tmp_path / "usage.yml"
    path.write_text(
        "version: 0.1\n"
        "resource_type_default_usage:\n"
        "  aws_lambda_function: {monthly_requests: 1, request_duration_ms: 100}\n"
        "resource_usage:\n"
        "  aws_lambda_function.f[*]: {monthly_requests: 2}\n"
        "  aws_lambda_function.f[1]: {request_duration_ms: 300}\n"
        "  module.m[*].aws_lambda_function.g: {monthly_requests: 5}\n"
        "  aws_lambda_function.commented:\n"
    )
    usage = load_usage(path)
    def get(address: str) -> dict[str, object]:
        return dict(usage.for_resource(address, "aws_lambda_function").values)

    assert get("aws_lambda_function.f[0]") == {"monthly_requests": 2, "request_duration_ms": 100}
    assert get("aws_lambda_function.f[1]") == {"monthly_requests": 2, "request_duration_ms": 300}
    assert get('module.m["a"].aws_lambda_function.g') == {
        "monthly_requests": 5, "request_duration_ms": 100}
    assert get("aws_lambda_function.other") == {"monthly_requests": 1, "request_duration_ms": 100}


@pytest.mark.parametrize(("text", "message"), [
    ("version: 0.2\n", "unsupported usage file version '0.2'"),
    ("version: 0.1\nresource_usage: [1]\n", "resource_usage: expected a mapping"),
    ("version: 0.1\nresource_usage:\n  a.b: 3\n", "resource_usage.a.b: expected a mapping"),
    ("- 1\n", "expected a mapping with `version:`"),
    ("version: 0.1\nresource_usage: {a: {\n", "invalid YAML"),
])
def test_usage_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "usage.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_usage(path)


def test_usage_values_must_be_numbers() -> None:
    usage = Usage({"aws_nat_gateway.n": {"monthly_data_processed_gb": "lots"}})
    values = usage.for_resource("aws_nat_gateway.n", "aws_nat_gateway")
    with pytest.raises(ConfigError, match=r"resource_usage\.aws_nat_gateway\.n\."
                                          r"monthly_data_processed_gb: expected a number"):
        values.number("monthly_data_processed_gb")


def test_a_bad_usage_value_names_the_file_and_the_entry_it_came_from(tmp_path: Path) -> None:
    path = tmp_path / "usage.yml"
    path.write_text(
        "version: 0.1\n"
        "resource_type_default_usage:\n"
        "  aws_lambda_function: {monthly_requests: lots, request_duration_ms: -5}\n"
        "resource_usage:\n"
        "  aws_lambda_function.f[*]: {request_duration_ms: slow}\n"
        "  module.m[*].aws_lambda_function.g: {monthly_requests: many}\n"
        "  aws_lambda_function.f[1]: {monthly_requests: some}\n"
    )
    usage = load_usage(path)

    def error(address: str, key: str) -> str:
        with pytest.raises(ConfigError) as info:
            usage.for_resource(address, "aws_lambda_function").number(key)
        return str(info.value)

    assert error("aws_lambda_function.h", "monthly_requests") == (
        f"{path}: resource_type_default_usage.aws_lambda_function.monthly_requests: "
        "expected a number, got 'lots'")
    assert error("aws_lambda_function.h", "request_duration_ms") == (
        f"{path}: resource_type_default_usage.aws_lambda_function.request_duration_ms: "
        "expected a non-negative number, got -5")
    assert error("aws_lambda_function.f[0]", "request_duration_ms") == (
        f"{path}: resource_usage.aws_lambda_function.f[*].request_duration_ms: "
        "expected a number, got 'slow'")
    assert error('module.m["a"].aws_lambda_function.g', "monthly_requests") == (
        f"{path}: resource_usage.module.m[*].aws_lambda_function.g.monthly_requests: "
        "expected a number, got 'many'")
    assert error("aws_lambda_function.f[1]", "monthly_requests") == (
        f"{path}: resource_usage.aws_lambda_function.f[1].monthly_requests: "
        "expected a number, got 'some'")
