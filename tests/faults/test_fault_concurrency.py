"""Concurrency faults: gates spread over pytest-xdist workers, and two runs writing the
same report at once. One complete report, every gate counted once, nothing leaked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from faultkit import run_gates, section
from faultkit import secrets_env as secrets_env
from leaks import SECRETS, assert_no_leak

TESTS = """
import os
import pytest

S = os.environ["DEVOPS_SECRET"]

@pytest.mark.devops_plan
@pytest.mark.parametrize("n", range(6))
def test_gate(n):
    print("worker output", S)
    assert n % 3, f"gate {n} broke with {S!r}"

@pytest.mark.devops_cost
def test_errors():
    raise RuntimeError(f"price api down: {S}")

@pytest.mark.devops_security
@pytest.mark.xfail(reason="known")
def test_xfail_that_errors():
    raise RuntimeError(f"scanner crashed: {S}")
"""


def test_gates_on_two_workers_make_one_masked_report(
        pytester: pytest.Pytester, secrets_env: dict[str, str]) -> None:
    out = run_gates(pytester, section("description: xdist"), {}, "-n", "2", tests=TESTS)
    assert out.ret == 1
    assert out.report is not None
    assert out.report["totals"] == {"pass": 4, "fail": 2, "error": 2, "skip": 0, "soft_fail": 0}
    # An errored gate is an error whatever marks it carries: xfail does not make it a skip.
    assert out.gate("test_xfail_that_errors")["outcome"] == "error"
    assert out.gate("test_gate[0]")["message"].startswith("AssertionError: gate 0 broke with '***'")


def test_two_runs_writing_one_report_leave_a_whole_one(pytester: pytest.Pytester,
                                                       secrets_env: dict[str, str]) -> None:
    pytester.makefile(".yaml", devops=section("description: race"))
    pytester.makepyfile(test_scenario="""
        import pytest

        @pytest.mark.devops_plan
        @pytest.mark.parametrize("n", range(50))
        def test_gate(n):
            pass
    """)
    env = {**os.environ, **SECRETS}
    env.pop("PYTEST_ADDOPTS", None)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
           "--devops-env=staging", "--devops-report=r.json", "-o", "addopts="]
    runs = [subprocess.Popen(cmd, cwd=pytester.path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT) for _ in range(3)]
    outputs = [p.communicate(timeout=120)[0] for p in runs]
    assert [p.returncode for p in runs] == [0, 0, 0]
    doc = json.loads((pytester.path / "r.json").read_text())
    assert (doc["outcome"], doc["totals"]["pass"]) == ("pass", 50)
    assert [p.name for p in pytester.path.iterdir() if p.name.startswith(".r.json")] == []
    assert_no_leak([(f"run {i}", o) for i, o in enumerate(outputs)])
