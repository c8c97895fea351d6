"""The AWS Price List API source, against a loopback server speaking the API's JSON
protocol (``X-Amz-Target: AWSPriceListService.GetProducts``) with recorded responses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from costplans import make_plan, res

from pytest_devops.cost.model import money
from pytest_devops.cost.prices import PriceBook, shipped
from pytest_devops.cost.pricing_api import PriceListAPI, filters_for, on_demand_prices
from pytest_devops.cost.settings import CostSettings, estimate_with

RECORDED = json.loads((Path(__file__).parent / "data/getproducts_responses.json").read_text())


class PricingServer(ThreadingHTTPServer):
    requests: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: PricingServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        target = self.headers.get("X-Amz-Target")
        self.server.requests.append({"target": target, **body})
        filters = {f["Field"]: f["Value"] for f in body.get("Filters", [])}
        if filters.get("instanceType") == "m7i.8xlarge":
            answer = RECORDED["m7i.8xlarge"]
        elif filters.get("volumeApiName") == "gp3":
            answer = RECORDED["gp3_page2" if body.get("NextToken") else "gp3_page1"]
        elif filters.get("instanceType") == "denied.large":
            self._send(400, {"__type": "AccessDeniedException", "Message": "not allowed"})
            return
        else:
            answer = {"FormatVersion": "aws_v1", "PriceList": []}
        self._send(200, answer)

    def _send(self, status: int, doc: dict[str, Any]) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[PricingServer]:
    srv = PricingServer(("127.0.0.1", 0), Handler)
    srv.requests = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def api(server: PricingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PriceListAPI:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server.requests.clear()
    host, port = server.server_address[:2]
    return PriceListAPI(tmp_path / "cache", endpoint_url=f"http://{host!s}:{port}")


def test_instance_price_comes_from_the_api_and_is_cached(
    api: PriceListAPI, server: PricingServer
) -> None:
    group = "ec2.instance/linux/shared"
    assert api.lookup("us-east-1", group, "m7i.8xlarge") == Decimal("1.6128")
    [request] = server.requests
    assert request["target"] == "AWSPriceListService.GetProducts"
    assert request["ServiceCode"] == "AmazonEC2"
    assert request["FormatVersion"] == "aws_v1"
    assert {(f["Type"], f["Field"], f["Value"]) for f in request["Filters"]} == {
        ("TERM_MATCH", "regionCode", "us-east-1"),
        ("TERM_MATCH", "instanceType", "m7i.8xlarge"),
        ("TERM_MATCH", "operatingSystem", "Linux"),
        ("TERM_MATCH", "tenancy", "Shared"),
        ("TERM_MATCH", "preInstalledSw", "NA"),
        ("TERM_MATCH", "capacitystatus", "Used"),
        ("TERM_MATCH", "licenseModel", "No License required"),
    }
    # A second process (a new source over the same cache directory) asks nothing.
    again = PriceListAPI(api.cache_dir, endpoint_url=api._endpoint_url)
    assert again.lookup("us-east-1", group, "m7i.8xlarge") == Decimal("1.6128")
    assert len(server.requests) == 1
    assert again.calls == 0


def test_pages_are_followed(api: PriceListAPI, server: PricingServer) -> None:
    assert api.lookup("ap-south-1", "ebs.storage/gb_month", "gp3") == Decimal("0.0912")
    assert [r.get("NextToken") for r in server.requests] == [None, "page-2-token"]


def test_no_product_is_no_price_and_is_cached_too(api: PriceListAPI, server: PricingServer) -> None:
    assert api.lookup("us-east-1", "rds.instance/mysql/single", "db.nope.large") is None
    assert api.lookup("us-east-1", "rds.instance/mysql/single", "db.nope.large") is None
    assert len(server.requests) == 1
    [request] = server.requests
    assert request["ServiceCode"] == "AmazonRDS"


def test_groups_the_api_does_not_cover_are_not_asked(
    api: PriceListAPI, server: PricingServer
) -> None:
    assert filters_for("us-east-1", "vpc.nat_gateway", "hour") is None
    assert api.lookup("us-east-1", "vpc.nat_gateway", "hour") is None
    assert server.requests == []


def test_an_api_error_steps_aside_for_the_session(
    api: PriceListAPI, server: PricingServer
) -> None:
    assert api.lookup("us-east-1", "ec2.instance/linux/shared", "denied.large") is None
    assert api.name == "AWS Price List API (not used: API error AccessDeniedException)"
    assert api.lookup("us-east-1", "ec2.instance/linux/shared", "m7i.8xlarge") is None
    assert len(server.requests) == 1


def test_an_api_that_never_answers_steps_aside_after_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        host, port = silent.getsockname()[:2]
        api = PriceListAPI(tmp_path / "cache", endpoint_url=f"http://{host}:{port}", timeout=0.3)
        book = PriceBook([api, shipped()])
        assert book.price("us-east-1", "ec2.instance/linux/shared", "m5.large") == Decimal("0.096")
    assert api.name == "AWS Price List API (not used: cannot reach the API (ReadTimeoutError))"
    assert list((tmp_path / "cache").glob("*")) == []


def test_without_credentials_the_catalog_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: PricingServer
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    host, port = server.server_address[:2]
    server.requests.clear()
    api = PriceListAPI(tmp_path / "cache", endpoint_url=f"http://{host!s}:{port}")
    book = PriceBook([api, shipped()])
    assert book.price("us-east-1", "ec2.instance/linux/shared", "m5.large") == Decimal("0.096")
    assert api.name == "AWS Price List API (not used: no AWS credentials)"
    assert server.requests == []


def test_settings_put_the_api_between_price_file_and_catalog(
    api: PriceListAPI, server: PricingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    host, port = server.server_address[:2]
    # The SDK's own setting for a service endpoint: the source builds a plain client.
    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", f"http://{host!s}:{port}")
    plan = make_plan([res("aws_instance.big", {"ami": "ami-1", "instance_type": "m7i.8xlarge"})])
    settings = CostSettings(price_source="aws", price_cache=tmp_path / "c")
    est = estimate_with(plan, settings)
    assert money(est.monthly_after) == "1178.14"  # 730 x 1.6128 + 8 GB x 0.10 (catalog)
    assert est.sources == ("AWS Price List API", "catalog (2025-01-15)")


def test_reading_a_price_list_takes_first_tier_on_demand_usd_only() -> None:
    assert on_demand_prices(RECORDED["m7i.8xlarge"]["PriceList"]) == [Decimal("1.6128000000")]
