"""``--devops-canary``: after the plan-stage gates ran on the real plan, run them again on
each mutant of it and report every gate that still passes. Imports only the standard
library and pytest at load."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_devops.canary.model import CanaryResult

RESULT: pytest.StashKey[CanaryResult] = pytest.StashKey()


def _plan_values(config: pytest.Config) -> dict[str, Any]:
    from pytest_devops.canary.inject import CFN_PLAN_KEY, CHANGE_SET_KEY, PLAN_KEY
    from pytest_devops.plan.plugin import get_plan
    from pytest_devops.plugin import state

    st = state(config)
    if PLAN_KEY not in st.resources:
        get_plan(config)
    keys = (PLAN_KEY, CFN_PLAN_KEY, CHANGE_SET_KEY)
    return {k: st.resources[k] for k in keys if k in st.resources}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not config.getoption("devops_canary", False) or hasattr(config, "workerinput"):
        return
    from pytest_devops.canary.model import CanaryResult
    from pytest_devops.canary.run import Project, run_mutants
    from pytest_devops.errors import DevopsError
    from pytest_devops.plugin import state

    st = state(config)
    if st.env is None or st.env_name is None or st.config_path is None:
        raise pytest.UsageError("--devops-canary needs an environment (--devops-env NAME)")
    baseline = st.report.to_dict(env=st.env_name, stage="plan", exitstatus=int(exitstatus))
    try:
        values = _plan_values(config)
        cost = st.resources.get("pytest_devops.cost")
        if cost is not None:
            baseline["cost"] = {"monthly_after": str(cost.monthly_after)}
        project = Project(env=st.env_name, config=st.config_path,
                          cwd=config.invocation_params.dir, args=tuple(config.args))
        result = run_mutants(project, st.env, values, baseline, st.redactor)
    except DevopsError as exc:
        result = CanaryResult(env=st.env_name, errors=[str(exc)])
    config.stash[RESULT] = result
    if result.outcome != "pass" and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    result = config.stash.get(RESULT, None)
    if result is None:
        return
    report["canary"] = result.to_dict()
    if report.get("outcome") == "pass" and result.outcome != "pass":
        report["outcome"] = result.outcome


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    result = config.stash.get(RESULT, None)
    if result is None:
        return
    from pytest_devops.plugin import state

    redactor = state(config).redactor
    terminalreporter.write_sep("=", f"devops canary: environment {result.env}")
    for line in result.lines():
        bad = line.startswith(("SURVIVED", "ERROR")) or line == "outcome: fail"
        terminalreporter.write_line(redactor.redact(line), red=bad)
