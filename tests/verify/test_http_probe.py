"""Each expectation and each retry rule against a real, misbehaving server on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from servers import SECRET_BODY_TOKEN, Servers

from pytest_devops.errors import GateFailure
from pytest_devops.http.model import parse_probe
from pytest_devops.http.probes import ProbeResult, run_probe, run_probes
from pytest_devops.redact import Redactor

_keys = itertools.count()
FAST_RETRY = {"backoff": 0.02, "factor": 1}


def probe(url: str, redactor: Redactor | None = None, **raw: Any) -> ProbeResult:
    return run_probe(parse_probe("svc", {"url": url, **raw}), redactor=redactor)


def messages(result: ProbeResult) -> list[str]:
    return [m.message for m in result.mismatches]


def key() -> str:
    return f"k{next(_keys)}"


# --- expectations -------------------------------------------------------------------


def test_default_expectation_is_a_2xx_status(servers: Servers) -> None:
    result = probe(servers.http.url("/ok"))
    assert result.ok
    assert [a.observation.status for a in result.attempts] == [200]
    result.raise_for_failure()


def test_status_mismatch_is_reported_with_the_last_response(servers: Servers) -> None:
    result = probe(servers.http.url("/status/404"), expect={"status": [200, 204]})
    assert messages(result) == ["status 404, expected 200 or 204"]
    assert len(result.attempts) == 1  # 404 is not transient
    with pytest.raises(GateFailure) as exc:
        result.raise_for_failure()
    text = str(exc.value)
    assert "attempt 1: 404 Not Found" in text
    assert "last response: 404 Not Found" in text
    assert "body: status 404" in text
    assert [f.rule for f in exc.value.findings] == ["http-status"]
    assert exc.value.findings[0].details["status"] == 404


def test_expected_error_status_passes(servers: Servers) -> None:
    assert probe(servers.http.url("/status/503"), expect={"status": 503}).ok


def test_body_contains(servers: Servers) -> None:
    good = probe(servers.http.url("/ok"), expect={"body_contains": ['"version": "1.2.3"']})
    bad = probe(servers.http.url("/text"), expect={"body_contains": ["status", "wrong"]})
    assert good.ok
    assert messages(bad) == ["body does not contain 'status'"]


def test_body_regex(servers: Servers) -> None:
    assert probe(servers.http.url("/ok"), expect={"body_regex": r"\d+\.\d+\.\d+"}).ok
    bad = probe(servers.http.url("/html"), expect={"body_regex": r'"status":\s*"ok"'})
    assert messages(bad) == ['body does not match /"status":\\s*"ok"/']


def test_json_paths(servers: Servers) -> None:
    expect = {"json": {"status": "ok", "items[0].name": "a", "items[1].ready": False,
                       "$.count": 2}}
    assert probe(servers.http.url("/ok"), expect={"json": expect["json"]}).ok
    bad = probe(
        servers.http.url("/degraded"),
        expect={"json": {**expect["json"], "items[0].ready": True, "items[1].name": "b"}},
    )
    assert messages(bad) == [
        'status is "degraded", expected "ok"',
        "items[1].ready is missing, expected false",
        "items[0].ready is 1, expected true",
        'items[1].name is missing, expected "b"',
    ]


def test_json_expected_but_body_is_not_json(servers: Servers) -> None:
    bad = probe(servers.http.url("/html"), expect={"json": {"status": "ok"}})
    assert messages(bad) == ["body is not JSON (Expecting value: line 1 column 1 (char 0))"]


def test_headers(servers: Servers) -> None:
    ok = probe(
        servers.http.url("/ok"),
        expect={"headers": {"content-type": "application/json", "X-Version": True,
                            "X-Powered-By": False}},
    )
    assert ok.ok
    bad = probe(
        servers.http.url("/text"),
        expect={"headers": {"Content-Type": "application/json", "X-Version": True,
                            "Content-Length": False}},
    )
    assert messages(bad) == [
        "header Content-Type is 'text/plain', expected 'application/json'",
        "header X-Version is missing",
        "header Content-Length is present ('28')",
    ]


def test_latency_percentile_over_samples(servers: Servers) -> None:
    fast = probe(servers.http.url("/ok"),
                 expect={"max_latency_ms": 2000, "percentile": "p95", "samples": 4})
    assert fast.ok
    assert len(fast.latencies_ms) == 4
    slow = probe(servers.http.url("/slow/60"),
                 expect={"max_latency_ms": 20, "percentile": "p50", "samples": 3})
    assert len(slow.latencies_ms) == 3
    assert min(slow.latencies_ms) >= 60  # every sample waited for the server
    [message] = messages(slow)
    assert message.startswith("p50 latency ")
    assert message.endswith(" ms over 3 samples, expected at most 20 ms")


def test_latency_samples_cut_short_by_the_deadline(servers: Servers) -> None:
    result = probe(servers.http.url("/slow/150"), timeout=1, deadline=0.5,
                   expect={"max_latency_ms": 5000, "samples": 10})
    assert messages(result) == [
        f"only {len(result.latencies_ms)} of 10 latency samples before the deadline"
    ]
    assert 1 <= len(result.latencies_ms) < 10


def test_redirects_followed_to_the_expected_final_url(servers: Servers) -> None:
    result = probe(servers.http.url("/redirect/3"),
                   expect={"redirects": {"final_url": servers.http.url("/ok")}})
    assert result.ok
    assert result.last is not None
    assert result.last.redirects == tuple(
        servers.http.url(p) for p in ("/redirect/2", "/redirect/1", "/ok")
    )


def test_redirect_ending_elsewhere(servers: Servers) -> None:
    result = probe(servers.http.url("/redirect/1"),
                   expect={"redirects": {"final_url": servers.http.url("/v2/ok")}})
    assert messages(result) == [
        f"ended at {servers.http.url('/ok')}, expected {servers.http.url('/v2/ok')}"
    ]


def test_redirect_chain_too_long_and_loops(servers: Servers) -> None:
    long = probe(servers.http.url("/redirect/4"), expect={"redirects": {"max": 2}})
    assert messages(long) == ["more than 2 redirects (next: /redirect/1)"]
    loop = probe(servers.http.url("/loop"))
    assert messages(loop) == ["more than 5 redirects (next: /loop)"]


def test_credentials_are_not_sent_to_another_host_on_redirect(servers: Servers) -> None:
    headers = {"Authorization": "Bearer t-123456789", "X-Api-Key": "k-abcdef123456",
               "X-Trace": "trace-1"}
    away = probe(servers.http.url("/to-localhost/echo"), headers=headers)
    assert away.ok, away.report()
    assert away.last is not None
    assert away.last.final_url.startswith("http://localhost:")
    seen = json.loads(away.last.body)
    assert seen["x-trace"] == "trace-1"
    assert "authorization" not in seen
    assert "x-api-key" not in seen


def test_credentials_follow_a_redirect_on_the_same_host_or_to_https() -> None:
    from pytest_devops.http.transport import _headers_for

    sent = (("Authorization", "Bearer t"), ("X-Trace", "1"))
    assert _headers_for("http://a.test/x", "http://a.test/y", sent) == sent
    assert _headers_for("https://a.test/x", "https://a.test:443/y", sent) == sent
    assert _headers_for("http://a.test/x", "https://a.test/y", sent) == sent
    assert _headers_for("https://a.test/x", "http://a.test/y", sent) == (("X-Trace", "1"),)
    assert _headers_for("https://a.test/x", "https://a.test:8443/y", sent) == (("X-Trace", "1"),)
    assert _headers_for("https://a.test/x", "https://b.test/x", sent) == (("X-Trace", "1"),)


def test_redirect_not_followed(servers: Servers) -> None:
    result = probe(servers.http.url("/moved"),
                   expect={"status": 301, "headers": {"Location": "/ok"},
                           "redirects": {"follow": False}})
    assert result.ok
    assert probe(servers.http.url("/moved"), expect={"redirects": {"follow": False}}).mismatches


def test_tls_valid_certificate_with_the_ca(servers: Servers) -> None:
    tls = {"ca_file": str(servers.ca_file), "min_days_to_expiry": 30}
    assert probe(servers.tls_valid.url("/ok"), expect={"tls": tls}).ok


def test_tls_untrusted_without_the_ca(servers: Servers) -> None:
    result = probe(servers.tls_valid.url("/ok"))
    assert messages(result) == ["certificate rejected: unable to get local issuer certificate"]
    assert result.attempts[0].observation.error == "tls"
    assert len(result.attempts) == 1  # a TLS rejection is not transient


def test_tls_expiring_soon(servers: Servers) -> None:
    result = probe(servers.tls_soon.url("/ok"),
                   expect={"tls": {"ca_file": str(servers.ca_file), "min_days_to_expiry": 14}})
    [message] = messages(result)
    assert message.startswith("certificate expires ")
    assert message.endswith(" (10.0 days left), expected at least 14")


def test_tls_expired_rejected_when_verifying(servers: Servers) -> None:
    result = probe(servers.tls_expired.url("/ok"),
                   expect={"tls": {"ca_file": str(servers.ca_file)}})
    assert messages(result) == ["certificate rejected: certificate has expired"]


def test_tls_expired_reported_when_not_verifying(servers: Servers) -> None:
    result = probe(servers.tls_expired.url("/ok"),
                   expect={"tls": {"verify": False, "min_days_to_expiry": 1}})
    [message] = messages(result)
    assert message.startswith("certificate expired ")
    assert message.endswith(" (-2.0 days left), expected at least 1")


def test_tls_self_signed(servers: Servers) -> None:
    rejected = probe(servers.tls_self_signed.url("/ok"),
                     expect={"tls": {"ca_file": str(servers.ca_file)}})
    assert messages(rejected) == ["certificate rejected: self-signed certificate"]
    accepted = probe(servers.tls_self_signed.url("/ok"), expect={"tls": {"verify": False}})
    assert accepted.ok


def test_min_days_on_plain_http_is_a_mismatch(servers: Servers) -> None:
    result = probe(servers.http.url("/ok"), expect={"tls": {"min_days_to_expiry": 1}})
    assert messages(result) == ["no TLS certificate to check (not an https:// URL)"]


def test_post_with_body(servers: Servers) -> None:
    result = probe(servers.http.url("/anything"), method="POST", body="hello",
                   expect={"status": 201, "json": {"got": "hello"}})
    assert result.ok


def test_head_reads_no_body(servers: Servers) -> None:
    result = probe(servers.http.url("/ok"), method="HEAD", expect={"headers": {"X-Version": True}})
    assert result.ok
    assert result.last is not None
    assert result.last.body == b""


def test_body_is_read_up_to_the_limit(servers: Servers) -> None:
    result = probe(servers.http.url("/big"), max_body_bytes=1000)
    assert result.ok
    assert result.last is not None
    assert (len(result.last.body), result.last.truncated) == (1000, True)


# --- retries --------------------------------------------------------------------------


def test_flapping_503_then_200_is_retried(servers: Servers) -> None:
    result = probe(servers.http.url(f"/flap/{key()}/2"), retries=FAST_RETRY)
    assert result.ok
    assert [(a.observation.status, a.retry_on) for a in result.attempts] == [
        (503, "503"), (503, "503"), (200, None)
    ]


@pytest.mark.parametrize("code", [502, 504])
def test_gateway_errors_are_retried(servers: Servers, code: int) -> None:
    result = probe(servers.http.url(f"/flap/{key()}/1/{code}"), retries=FAST_RETRY)
    assert [a.observation.status for a in result.attempts] == [code, 200]


def test_500_is_not_retried_unless_configured(servers: Servers) -> None:
    path = f"/flap/{key()}/1/500"
    once = probe(servers.http.url(path), retries=FAST_RETRY)
    assert [a.observation.status for a in once.attempts] == [500]
    again = probe(servers.http.url(path.replace("/1/", "/0/").replace("k", "j")),
                  retries={**FAST_RETRY, "when": [500]})
    assert again.ok


def test_retries_are_limited_and_the_last_observation_kept(servers: Servers) -> None:
    result = probe(servers.http.url(f"/flap/{key()}/9"), retries={**FAST_RETRY, "max": 2})
    assert [a.observation.status for a in result.attempts] == [503, 503, 503]
    assert result.stopped == "no retries left (max 2)"
    text = str(result.failure())
    assert "attempt 3: 503 Service Unavailable" in text
    assert "body: not yet (3)" in text


def test_retry_only_on_listed_conditions(servers: Servers) -> None:
    result = probe(servers.http.url(f"/flap/{key()}/1"),
                   retries={**FAST_RETRY, "when": ["timeout"]})
    assert [a.observation.status for a in result.attempts] == [503]


def test_connection_refused_is_retried_then_fails(servers: Servers) -> None:
    result = probe(servers.refused_url, retries={**FAST_RETRY, "max": 2})
    assert [a.observation.error for a in result.attempts] == ["refused"] * 3
    port = servers.refused_url.rsplit(":", 1)[1].rstrip("/")
    assert messages(result) == [f"connection refused by 127.0.0.1:{port}"]


def test_connection_reset_is_retried(servers: Servers) -> None:
    result = probe(servers.http.url(f"/reset-then-ok/{key()}/2"), retries=FAST_RETRY)
    assert result.ok
    assert [a.retry_on for a in result.attempts] == ["reset", "reset", None]


def test_reset_not_retried_when_not_listed(servers: Servers) -> None:
    result = probe(servers.http.url("/reset"), retries={**FAST_RETRY, "when": [503]})
    assert [a.observation.error for a in result.attempts] == ["reset"]


def test_unexpected_body_retried_when_asked(servers: Servers) -> None:
    k = key()
    result = probe(servers.http.url(f"/flap/{k}/1/200"),
                   retries={**FAST_RETRY, "when": ["unexpected"]},
                   expect={"json": {"status": "ok"}})
    assert result.ok
    assert [a.retry_on for a in result.attempts] == ["unexpected", None]


def test_timeout_is_retried(servers: Servers) -> None:
    result = probe(servers.http.url("/slow/400"), timeout=0.1, deadline=2,
                   retries={**FAST_RETRY, "max": 1})
    assert [a.observation.error for a in result.attempts] == ["timeout", "timeout"]


def test_dns_failure_is_a_failure_of_the_endpoint() -> None:
    result = probe("http://no-such-host.invalid/", retries={**FAST_RETRY, "max": 0}, deadline=10)
    assert result.attempts[0].observation.error == "dns"
    assert not result.ok


# --- deadlines --------------------------------------------------------------------------
# No assertion here measures speed: each shows which limit ended the probe. The timeouts
# are long, so a probe that ignored its deadline would end otherwise (an answer, a timeout
# after 30 s, or every retry spent).

SLOW_TIMEOUT = 30


@pytest.mark.parametrize("path", ["/drip", "/slow/3000"])
def test_an_attempt_is_cut_by_the_deadline(servers: Servers, path: str) -> None:
    result = probe(servers.http.url(path), timeout=SLOW_TIMEOUT, deadline=0.3)
    assert not result.ok
    assert [a.observation.error for a in result.attempts] == ["timeout"]
    assert result.elapsed_s < SLOW_TIMEOUT


def test_retries_stop_at_the_deadline(servers: Servers) -> None:
    result = probe(servers.http.url("/flap/never/99"), timeout=5, deadline=0.3,
                   retries={"max": 50, "backoff": 0.1, "factor": 1})
    assert not result.ok
    assert 1 <= len(result.attempts) < 51
    assert result.stopped == "deadline of 0.3 s reached before the next attempt"


def test_never_responding_socket(servers: Servers) -> None:
    result = probe(servers.blackhole_url, timeout=0.15, deadline=0.35,
                   retries={**FAST_RETRY, "max": 10})
    # Each attempt waits its whole timeout (nothing answers): within 0.35 s, three at most.
    assert 1 <= len(result.attempts) <= 3
    assert {a.observation.error for a in result.attempts} == {"timeout"}
    assert "no complete response within" in messages(result)[0]


def test_long_retry_series_is_shortened_in_the_report(servers: Servers) -> None:
    result = probe(servers.refused_url, retries={"max": 11, "backoff": 0.001, "factor": 1})
    lines = result.report().splitlines()
    assert len(result.attempts) == 12
    assert [line.split(":")[0].strip() for line in lines[1:10]] == [
        "attempt 1", "attempt 2", "attempt 3", "… 5 more attempt(s) …", "attempt 9",
        "attempt 10", "attempt 11", "attempt 12", "stopped"]
    details = result.findings()[0].details
    assert (details["attempts"], details["status"]) == (12, None)


def test_tls_handshake_with_a_silent_server(servers: Servers) -> None:
    url = servers.blackhole_url.replace("http://", "https://")
    result = probe(url, timeout=SLOW_TIMEOUT, deadline=0.3)
    assert [a.observation.error for a in result.attempts] == ["timeout"]
    assert result.elapsed_s < SLOW_TIMEOUT


def test_many_probes_run_concurrently_within_their_deadlines(servers: Servers) -> None:
    # /gather answers only when all eight requests are in flight at once.
    probes = [
        parse_probe(f"p{i}", {"url": servers.http.url("/gather/concurrent/8"), "deadline": 20,
                              "timeout": 15, "retries": {"max": 0}})
        for i in range(8)
    ] + [parse_probe("hole", {"url": servers.blackhole_url, "timeout": 0.5, "deadline": 0.5})]
    results = run_probes(probes)
    assert sorted(results) == sorted(p.name for p in probes)
    assert [results[f"p{i}"].ok for i in range(8)] == [True] * 8
    assert not results["hole"].ok


# --- redaction ---------------------------------------------------------------------------


def test_body_excerpt_and_messages_are_redacted(servers: Servers) -> None:
    redactor = Redactor([SECRET_BODY_TOKEN])
    result = probe(servers.http.url("/secret"), redactor=redactor, retries={"max": 0})
    text = str(result.failure())
    assert SECRET_BODY_TOKEN not in text
    assert "body: internal error; token=***" in text
    cut = str(probe(servers.http.url("/secret-at-cut"), redactor=redactor,
                    retries={"max": 0}).failure())
    assert SECRET_BODY_TOKEN[:5] not in cut  # no part of it either, where the excerpt ends
    assert "body: " + "x" * 295 + "***" in cut
    quoted = probe(servers.http.url("/echo"), redactor=redactor, retries={"max": 0},
                   headers={"X-Trace": "y" * 195 + SECRET_BODY_TOKEN},
                   expect={"json": {"x-trace": "t-1"}})
    assert messages(quoted) == ['x-trace is "' + "y" * 195 + '***", expected "t-1"']
    assert SECRET_BODY_TOKEN[:4] not in str(quoted.failure())


def test_headers_given_in_a_test_are_masked(servers: Servers) -> None:
    from pytest_devops.http.prober import HttpProber

    prober = HttpProber()
    result = prober.get(servers.http.url("/echo"), headers={"X-Api-Key": "k-abcdef123456"},
                        expect={"status": 500}, retries={"max": 0})
    assert result.last is not None
    assert '"x-api-key": "k-abcdef123456"' in result.last.text()  # it was sent
    text = str(result.failure())
    assert "k-abcdef123456" not in text
    assert '"x-api-key": "***"' in text
