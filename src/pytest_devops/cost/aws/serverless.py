"""Usage-priced services: Lambda, S3, CloudWatch Logs, KMS, Secrets Manager."""

from __future__ import annotations

from decimal import Decimal

from pytest_devops.cost.resource import Res, Unpriceable

__all__ = [
    "aws_cloudwatch_log_group",
    "aws_kms_key",
    "aws_lambda_function",
    "aws_s3_bucket",
    "aws_secretsmanager_secret",
]

MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)
#: Lambda duration tiers (GB-seconds a month) and their names, by architecture.
LAMBDA_TIERS = {
    "x86_64": ((6 * BILLION, "first 6B"), (9 * BILLION, "next 9B"), (None, "over 15B")),
    "arm64": ((Decimal("7.5") * BILLION, "first 7.5B"), (Decimal("11.25") * BILLION, "next 11.25B"),
              (None, "over 18.75B")),
}
#: S3 Standard storage tiers: first 50 TB, next 450 TB, over 500 TB (in GB).
S3_TIERS = ((Decimal(51200), "storage_gb_tier1", "Storage (standard)"),
            (Decimal(460800), "storage_gb_tier2", "Storage (standard, next 450TB)"),
            (None, "storage_gb_tier3", "Storage (standard, over 500TB)"))
S3_PRICED_CLASSES = ("standard",)


def aws_lambda_function(r: Res) -> None:
    arch = str((r.attr("architectures") or ["x86_64"])[0])
    if arch not in LAMBDA_TIERS:
        raise Unpriceable(f"architecture {arch!r} is not priced")
    memory = r.number("memory_size") or Decimal(128)
    requests = r.usage.number("monthly_requests")
    duration_ms = r.usage.number("request_duration_ms")
    r.add("Requests", "1M requests", None if requests is None else requests / MILLION,
          "lambda.requests/per_1m", "all", usage_based=True)
    tiers = LAMBDA_TIERS[arch]
    if requests is None or duration_ms is None:
        r.add(f"Duration ({tiers[0][1]})", "GB-seconds", None, "lambda.duration/gb_second",
              f"{arch}/tier1", usage_based=True)
        return
    left = requests * duration_ms / 1000 * memory / 1024
    for n, (size, name) in enumerate(tiers, start=1):
        take = left if size is None else min(left, size)
        if take > 0 or n == 1:
            r.add(f"Duration ({name})", "GB-seconds", take, "lambda.duration/gb_second",
                  f"{arch}/tier{n}", usage_based=True)
        left -= take


def aws_s3_bucket(r: Res) -> None:
    for cls, values in r.usage.values.items():
        if isinstance(values, dict) and cls not in S3_PRICED_CLASSES and any(
            v for v in values.values() if not isinstance(v, (dict, list))
        ):
            raise Unpriceable(f"usage for storage class {cls!r} is not priced (only standard)")
    storage = r.usage.number("standard", "storage_gb")
    if storage is None:
        r.add("Storage (standard)", "GB", None, "s3.standard", "storage_gb_tier1", usage_based=True)
    else:
        left = storage
        for n, (size, item, name) in enumerate(S3_TIERS):
            take = left if size is None else min(left, size)
            if take > 0 or n == 0:
                r.add(name, "GB", take, "s3.standard", item, usage_based=True)
            left -= take
    for key, name, item, per in (
        ("monthly_tier_1_requests", "PUT, COPY, POST, LIST requests", "tier1_requests_per_1k",
         1000),
        ("monthly_tier_2_requests", "GET, SELECT, and all other requests", "tier2_requests_per_1k",
         1000),
        ("monthly_select_data_scanned_gb", "Select data scanned", "select_scanned_gb", 1),
        ("monthly_select_data_returned_gb", "Select data returned", "select_returned_gb", 1),
    ):
        value = r.usage.number("standard", key)
        unit = "1k requests" if per == 1000 else "GB"
        r.add(name, unit, None if value is None else value / per, "s3.standard", item,
              usage_based=True)


def aws_cloudwatch_log_group(r: Res) -> None:
    for key, name, item in (
        ("monthly_data_ingested_gb", "Data ingested", "ingested_gb"),
        ("storage_gb", "Archival storage", "storage_gb_month"),
        ("monthly_data_scanned_gb", "Insights queries data scanned", "insights_scanned_gb"),
    ):
        r.add(name, "GB", r.usage.number(key), "logs", item, usage_based=True)


def aws_kms_key(r: Res) -> None:
    r.add("Customer master key", "months", 1, "kms", "key_month")
    requests = r.usage.number("monthly_requests")
    r.add("Requests", "10k requests", None if requests is None else requests / 10_000,
          "kms", "requests_per_10k", usage_based=True)


def aws_secretsmanager_secret(r: Res) -> None:
    r.add("Secret", "months", 1, "secretsmanager", "secret_month")
    requests = r.usage.number("monthly_requests")
    r.add("API requests", "10k requests", None if requests is None else requests / 10_000,
          "secretsmanager", "requests_per_10k", usage_based=True)
