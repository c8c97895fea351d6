"""Prices from the AWS Price List Query API (``pricing:GetProducts``), cached on disk.

Covers the prices that vary by type and region and that a catalog can never list
completely: EC2 instance hours, EBS storage, RDS instance hours and ElastiCache node
hours. Fixed-rate prices (NAT gateway hours, Lambda requests...) come from the catalog
or a price file. Without AWS credentials (or network) the source steps aside for the
session and says so in its name; the catalog answers instead.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

__all__ = ["PriceListAPI", "filters_for", "on_demand_prices"]

#: The Price List API answers from these regions only; us-east-1 serves every region.
API_REGION = "us-east-1"
#: Seconds to connect and to wait for an answer, per attempt.
TIMEOUT = 10.0
OS_NAMES = {"linux": "Linux", "windows": "Windows", "rhel": "RHEL", "suse": "SUSE"}
RDS_ENGINES = {"mysql": "MySQL", "postgres": "PostgreSQL", "mariadb": "MariaDB"}
Filters = list[tuple[str, str]]


def _license(os_name: str) -> str:
    return "License Included" if os_name == "windows" else "No License required"


def filters_for(region: str, group: str, item: str) -> tuple[str, Filters] | None:
    """The service code and TERM_MATCH filters of a catalog price, or ``None`` when the
    API source does not cover that group."""
    parts = group.split("/")
    if parts[0] == "ec2.instance" and len(parts) == 3 and parts[1] in OS_NAMES:
        return "AmazonEC2", [
            ("regionCode", region),
            ("instanceType", item),
            ("operatingSystem", OS_NAMES[parts[1]]),
            ("tenancy", "Dedicated" if parts[2] == "dedicated" else "Shared"),
            ("preInstalledSw", "NA"),
            ("capacitystatus", "Used"),
            ("licenseModel", _license(parts[1])),
        ]
    if group == "ebs.storage/gb_month":
        return "AmazonEC2", [
            ("regionCode", region), ("productFamily", "Storage"), ("volumeApiName", item),
        ]
    if parts[0] == "rds.instance" and len(parts) == 3 and parts[1] in RDS_ENGINES:
        return "AmazonRDS", [
            ("regionCode", region),
            ("instanceType", item),
            ("databaseEngine", RDS_ENGINES[parts[1]]),
            ("deploymentOption", "Multi-AZ" if parts[2] == "multi" else "Single-AZ"),
        ]
    if group == "elasticache.node/hour":
        return "AmazonElastiCache", [
            ("regionCode", region), ("instanceType", item), ("cacheEngine", "Redis"),
        ]
    return None


def on_demand_prices(price_list: Iterable[str | Mapping[str, Any]]) -> list[Decimal]:
    """Every first-tier USD on-demand price in a GetProducts ``PriceList``.

    Items are JSON strings (``FormatVersion: aws_v1``): ``product``, ``serviceCode`` and
    ``terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD``.
    """
    out: list[Decimal] = []
    for entry in price_list:
        doc = json.loads(entry) if isinstance(entry, str) else entry
        for offer in ((doc.get("terms") or {}).get("OnDemand") or {}).values():
            for dim in (offer.get("priceDimensions") or {}).values():
                if str(dim.get("beginRange", "0")) != "0":
                    continue
                usd = (dim.get("pricePerUnit") or {}).get("USD")
                try:
                    out.append(Decimal(str(usd)))
                except (InvalidOperation, TypeError):
                    continue
    return out


class PriceListAPI:
    """A price source asking ``pricing.get_products``; answers cached in ``cache_dir``."""

    def __init__(
        self,
        cache_dir: Path,
        max_age_days: int = 7,
        client: Any = None,
        endpoint_url: str | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.name = "AWS Price List API"
        self.timeout = timeout
        self.cache_dir = cache_dir
        self.max_age = max_age_days * 86400
        self._client = client
        self._endpoint_url = endpoint_url
        self.disabled: str | None = None
        self.calls = 0

    def _pricing(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            # A session of its own: credentials are resolved now, not reused from another
            # client of the process. Bounded waits: an unreachable API steps aside for the
            # catalog in seconds, not after the SDK's minute-long defaults and retries.
            self._client = boto3.session.Session().client(
                "pricing", region_name=API_REGION, endpoint_url=self._endpoint_url,
                config=Config(connect_timeout=self.timeout, read_timeout=self.timeout,
                              retries={"max_attempts": 2, "mode": "standard"}),
            )
        return self._client

    def _cache_file(self, service: str, filters: Filters) -> Path:
        key = json.dumps([service, filters], separators=(",", ":"))
        return self.cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    def _cached(self, path: Path) -> tuple[bool, Decimal | None]:
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return False, None
        if not isinstance(doc, dict) or time.time() - float(doc.get("fetched", 0)) > self.max_age:
            return False, None
        price = doc.get("price")
        return True, None if price is None else Decimal(str(price))

    def lookup(self, region: str, group: str, item: str) -> Decimal | None:
        query = filters_for(region, group, item)
        if query is None or self.disabled:
            return None
        service, filters = query
        path = self._cache_file(service, filters)
        hit, price = self._cached(path)
        if hit:
            return price
        try:
            price = self._ask(service, filters)
        except Exception as exc:  # botocore's errors, imported lazily
            self._step_aside(exc)
            return None
        from pytest_devops.atomic import write_text

        doc = {"service": service, "filters": filters, "fetched": time.time(),
               "price": None if price is None else str(price)}
        write_text(path, json.dumps(doc, indent=1) + "\n")
        return price

    def _ask(self, service: str, filters: Filters) -> Decimal | None:
        client = self._pricing()
        prices: list[Decimal] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "ServiceCode": service,
                "Filters": [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in filters],
                "FormatVersion": "aws_v1",
                "MaxResults": 100,
            }
            if token:
                kwargs["NextToken"] = token
            self.calls += 1
            response = client.get_products(**kwargs)
            prices += on_demand_prices(response.get("PriceList") or ())
            token = response.get("NextToken")
            if not token:
                break
        distinct = {p for p in prices if p > 0} or set(prices)
        # Several distinct prices mean the filters did not pin one product: no answer.
        return distinct.pop() if len(distinct) == 1 else None

    def _step_aside(self, exc: BaseException) -> None:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        if isinstance(exc, NoCredentialsError):
            reason = "no AWS credentials"
        elif isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "error")
            reason = f"API error {code}"
        elif isinstance(exc, BotoCoreError):
            reason = f"cannot reach the API ({type(exc).__name__})"
        else:
            raise exc
        self.disabled = reason
        self.name = f"AWS Price List API (not used: {reason})"
