"""The HTTP feature end to end through pytester: URL gates, the devops_http fixture,
config errors, redaction of request secrets."""

from __future__ import annotations

import json

import pytest
from servers import Servers

TOKEN = "s3cr3t-bearer-token-value"


def config(servers: Servers) -> str:
    http = servers.http.base
    return f"""
environments:
  staging:
    urls:
      health: {http}/ok
      api:
        url: {http}/ok
        headers:
          Authorization: Bearer {TOKEN}
        expect:
          status: 200
          json: {{"status": "ok", "items[0].name": "a"}}
          headers: {{X-Version: "1.2.3"}}
      wrong:
        url: {http}/degraded
        headers:
          X-Api-Key: {TOKEN}
        retries: {{max: 0}}
        expect:
          json: {{status: ok}}
      down:
        url: {servers.refused_url}
        timeout: 1
        deadline: 2
        retries: {{max: 1, backoff: 0.05}}
      tls:
        url: {servers.tls_valid.base}/ok
        expect:
          tls: {{ca_file: {servers.ca_file}, min_days_to_expiry: 30}}
      manual:
        url: {http}/text
        gate: false
"""


@pytest.fixture
def project(pytester: pytest.Pytester, servers: Servers) -> pytest.Pytester:
    pytester.makefile(".yaml", devops=config(servers))
    return pytester


def test_each_url_is_a_postdeploy_gate(project: pytest.Pytester) -> None:
    result = project.runpytest("--devops-env=staging", "--devops-report=r.json", "-v")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        "*devops.yaml::url?health? PASSED*",
        "*devops.yaml::url?api? PASSED*",
        "*devops.yaml::url?wrong? FAILED*",
        "*devops.yaml::url?down? FAILED*",
        "*devops.yaml::url?tls? PASSED*",
    ])
    doc = json.loads((project.path / "r.json").read_text())
    gates = {g["nodeid"].split("::")[1]: g for g in doc["gates"]}
    assert sorted(gates) == ["url[api]", "url[down]", "url[health]", "url[tls]", "url[wrong]"]
    assert {g["kind"] for g in gates.values()} == {"postdeploy"}
    assert gates["url[wrong]"]["outcome"] == "fail"
    assert [(f["rule"], f["message"]) for f in gates["url[wrong]"]["findings"]] == [
        ("http-json", 'status is "degraded", expected "ok"')
    ]
    down = gates["url[down]"]
    assert down["outcome"] == "fail"
    assert "attempt 2: refused: connection refused" in down["message"]
    assert TOKEN not in (project.path / "r.json").read_text()
    assert TOKEN not in result.stdout.str()


def test_url_gates_run_in_the_apply_stage_only(project: pytest.Pytester) -> None:
    result = project.runpytest("--devops-env=staging", "--devops-stage=plan")
    result.assert_outcomes(deselected=5)


def test_devops_http_fixture(project: pytest.Pytester, servers: Servers) -> None:
    project.makepyfile(
        test_api=f"""
        import pytest
        from pytest_devops import GateFailure, HttpProber, ProbeResult

        @pytest.mark.devops_postdeploy
        def test_named(devops_http: HttpProber):
            result: ProbeResult = devops_http.probe("api")
            assert result.ok
            assert result.last.status == 200

        @pytest.mark.devops_postdeploy
        def test_override(devops_http):
            devops_http.check("manual", expect={{"body_contains": "wrong service"}})

        @pytest.mark.devops_postdeploy
        def test_adhoc(devops_http):
            result = devops_http.get("{servers.http.base}/ok", expect={{"json": {{"count": 3}}}})
            result.raise_for_failure()

        @pytest.mark.devops_postdeploy
        def test_unknown(devops_http):
            devops_http.probe("nope")
        """
    )
    result = project.runpytest("--devops-env=staging", "-k", "test_", "--devops-report=r.json")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    doc = json.loads((project.path / "r.json").read_text())
    outcome = {g["nodeid"].split("::")[-1]: g for g in doc["gates"]}
    assert outcome["test_adhoc"]["outcome"] == "fail"
    assert outcome["test_adhoc"]["findings"][0]["message"] == "count is 2, expected 3"
    assert outcome["test_unknown"]["outcome"] == "error"
    assert "no URL named 'nope' in environment 'staging'" in outcome["test_unknown"]["message"]


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ('{status: "200"}', "*devops.yaml:6: environments.staging.urls.api.expect.status: "
                            "expected an integer or a list, got a string"),
        ('{body_regex: "("}', "*devops.yaml:6: environments.staging.urls.api.expect.body_regex: "
                              "invalid regular expression: missing ), unterminated subpattern*"),
        ('{percentile: p42}', "*environments.staging.urls.api.expect.percentile: expected one of*"),
        ('{json: {"a..b": 1}}', "*environments.staging.urls.api.expect.json: invalid JSON path*"),
    ],
)
def test_invalid_probe_is_a_usage_error(pytester: pytest.Pytester, expect: str,
                                        message: str) -> None:
    pytester.makefile(".yaml", devops=f"""
environments:
  staging:
    urls:
      api:
        url: http://127.0.0.1:1/
        expect: {expect}
""")
    result = pytester.runpytest("--devops-env=staging")
    assert result.ret == 4
    result.stderr.fnmatch_lines([message])


def test_non_http_url_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", devops="""
environments:
  staging:
    urls:
      api:
        url: ftp://127.0.0.1/
""")
    result = pytester.runpytest("--devops-env=staging")
    assert result.ret == 4
    result.stderr.fnmatch_lines([
        "*devops.yaml:5: environments.staging.urls.api.url: expected an http:// or https:// URL*"
    ])


def test_only_selected_url_gates_are_probed(project: pytest.Pytester, servers: Servers) -> None:
    before = servers.http.hits["/degraded"]
    result = project.runpytest("--devops-env=staging", "-k", "health or api")
    result.assert_outcomes(passed=2)
    assert servers.http.hits["/degraded"] == before  # url[wrong] was deselected: not probed
