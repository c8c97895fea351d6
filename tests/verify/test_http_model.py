"""The probe model: parsing, JSON paths, percentiles, secrets, certificate expiry."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import pytest

from pytest_devops.errors import ConfigError
from pytest_devops.http.expect import json_get, percentile, same
from pytest_devops.http.model import (
    DEFAULT_RETRY_ON,
    HttpExpectation,
    RetryPolicy,
    parse_json_path,
    parse_probe,
    sensitive_values,
)
from pytest_devops.http.tlsinfo import not_after


def test_a_string_is_a_probe_with_defaults() -> None:
    probe = parse_probe("web", "https://example.test/")
    assert (probe.method, probe.timeout, probe.deadline, probe.gate) == ("GET", 5.0, 30.0, True)
    assert probe.expect == HttpExpectation()
    assert probe.retries == RetryPolicy(when=frozenset(DEFAULT_RETRY_ON))
    assert probe.expect.status_ok(204)
    assert not probe.expect.status_ok(301)


def test_expectations_are_normalised(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("")
    probe = parse_probe(
        "api",
        {"url": "http://127.0.0.1:8080/x", "expect": {
            "status": 200, "body_contains": "ok", "tls": {"ca_file": "ca.pem"}}},
        root=tmp_path,
    )
    assert probe.expect.status == (200,)
    assert probe.expect.body_contains == ("ok",)
    assert probe.expect.tls.ca_file == str(tmp_path / "ca.pem")


@pytest.mark.parametrize(
    ("raw", "key", "message"),
    [
        ({"url": "localhost:80"}, "urls.x.url", "expected an http:// or https:// URL"),
        ({"url": "http://h:99999/"}, "urls.x.url", "invalid URL"),
        ({"url": "http://h/", "retries": {"when": ["flaky"]}}, "urls.x.retries.when[0]", "flaky"),
        ({"url": "http://h/", "timeout": 0}, "urls.x.timeout", "less than or equal"),
        ({"url": "http://h/", "expect": {"json": {"a[x]": 1}}}, "urls.x.expect.json",
         "invalid JSON path"),
        ({"url": "https://h/", "expect": {"tls": {"ca_file": "/no/such/ca.pem"}}},
         "urls.x.expect.tls.ca_file", "CA file /no/such/ca.pem not found"),
    ],
)
def test_bad_probes_name_the_key(raw: dict, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_probe("x", raw, key="urls.x", file="devops.yaml")
    assert exc.value.key == key
    assert message in exc.value.message


def test_retry_delays_grow_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff=0.5, factor=2, max_backoff=3)
    assert [policy.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("status", ("status",)),
        ("$.data.items[0].name", ("data", "items", 0, "name")),
        ("[1][-1]", (1, -1)),
        ("a-b.c_d", ("a-b", "c_d")),
    ],
)
def test_json_paths(path: str, steps: tuple) -> None:
    assert parse_json_path(path) == steps


@pytest.mark.parametrize("path", ["", "a..b", "a[x]", "a[0]b"])
def test_bad_json_paths(path: str) -> None:
    with pytest.raises(ValueError, match="JSON path"):
        parse_json_path(path)


def test_json_get_and_json_equality() -> None:
    doc = {"a": [{"b": 1}, {"b": True}], "c": None}
    assert json_get(doc, "a[0].b") == 1
    assert json_get(doc, "a[-1].b") is True
    assert json_get(doc, "c") is None
    missing = json_get(doc, "a[2]")
    assert missing is json_get(doc, "x.y")
    assert same(1, 1.0)
    assert same([1, {"x": "y"}], [1, {"x": "y"}])
    assert not same(1, True)
    assert not same(0, False)
    assert not same([1], [1, 2])


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, p) for p in ("p50", "p90", "p95", "p99", "max")] == [
        50.0, 90.0, 95.0, 99.0, 100.0]
    assert percentile([10.0, 30.0, 20.0], "p50") == 20.0
    assert percentile([10.0, 30.0, 20.0], "p95") == 30.0


def test_secret_headers_and_url_passwords_are_sensitive() -> None:
    probe = parse_probe("api", {
        "url": "https://deploy:hunter22x@example.test/",
        "headers": {"Authorization": "Bearer abc.def.ghi", "X-Api-Key": "k-123456",
                    "Accept": "application/json", "Cookie": "session=zzzz"},
    })
    assert sensitive_values(probe) == [
        "Bearer abc.def.ghi", "k-123456", "session=zzzz", "hunter22x", "abc.def.ghi"]


def test_certificate_expiry_from_der(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    when = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    leaf = trustme.CA().issue_cert("example.test", not_after=when)
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    assert not_after(der) == when
    old = dt.datetime(2001, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)  # a UTCTime year
    leaf = trustme.CA().issue_cert("example.test", not_before=old - dt.timedelta(days=9),
                                   not_after=old)
    assert not_after(ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())) == old
    with pytest.raises(ValueError, match=r"not a DER X\.509 certificate"):
        not_after(b"\x30\x03\x02\x01")
