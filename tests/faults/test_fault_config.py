"""Configuration faults: one line naming the file, the key and what to do; exit 4 (a
usage error); no traceback; no report left from an earlier run."""

from __future__ import annotations

import json

import pytest
from faultkit import HEAD, run_gates, section
from faultkit import secrets_env as secrets_env

STALE = json.dumps({"schema": "pytest-devops/report@1", "outcome": "pass", "gates": []})

CASES = {
    "unknown-environment": (
        HEAD, "--devops-env=production",
        "ERROR: */devops.yaml:1: environments: unknown environment 'production'; known "
        "environments: staging"),
    "yaml-syntax": (
        HEAD + "    urls: [unclosed\n", "",
        "ERROR: */devops.yaml:*"),
    "wrong-type": (
        section("urls: 5"), "",
        "ERROR: */devops.yaml:*environments.staging.urls*"),
    "unknown-key": (
        section("plan_fiel: plan.json"), "",
        "ERROR: */devops.yaml:*plan_fiel*"),
    "negative-budget": (
        section("terraform: {plan_file: plan.json}\ncost: {budget: {monthly_max: -5}}"), "",
        "ERROR: */devops.yaml:*: environments.staging.cost.budget.monthly_max: -5 is less than "
        "the minimum of 0"),
    "secret-in-bad-value": (
        section("urls: ${DEVOPS_SECRET}"), "",
        "ERROR: */devops.yaml:*environments.staging.urls*"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_config_fault_is_one_usage_error_line(pytester: pytest.Pytester,
                                                secrets_env: dict[str, str], name: str) -> None:
    config, extra_arg, line = CASES[name]
    (pytester.path / "r.json").write_text(STALE)
    out = run_gates(pytester, config, {}, *([extra_arg] if extra_arg else []))
    assert out.ret == 4, out.text
    out.shows(line)
    assert "Traceback" not in out.text
    assert len(out.lines) <= 4, out.text
    # The earlier run's passing report is gone: nothing stale can be published.
    assert out.report is None


def test_report_path_that_is_a_directory(pytester: pytest.Pytester,
                                         secrets_env: dict[str, str]) -> None:
    pytester.makefile(".yaml", devops=HEAD)
    (pytester.path / "out").mkdir()
    result = pytester.runpytest("--devops-env=staging", "--devops-report=out")
    assert result.ret == 4
    assert [ln for ln in result.errlines if ln] == [
        "ERROR: --devops-report out: is a directory; give a file path, "
        "e.g. --devops-report out/gates.json"]
    assert "Traceback" not in "\n".join(result.outlines + result.errlines)


def test_no_config_file(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--devops-env=staging")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: --devops-env staging (from --devops-env): no config "
                                 "file; expected */devops.yaml or --devops-config PATH"])


def test_a_bad_marker_argument(pytester: pytest.Pytester, secrets_env: dict[str, str]) -> None:
    tests = """
    import pytest

    @pytest.mark.devops_stage("deploy")
    def test_x():
        pass
    """
    out = run_gates(pytester, HEAD, {}, tests=tests)
    assert out.ret == 4
    out.shows("ERROR: test_scenario.py::test_x: devops_stage takes stage names from "
              "['apply', 'plan', 'promote'], got ('deploy',)")
