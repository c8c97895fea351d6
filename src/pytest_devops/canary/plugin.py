"""``--devops-canary``: after the plan-stage gates ran on the real plan, run them again on
each mutant of it and report every gate that still passes. Imports only the standard
library and pytest at load."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.context import GateContext
from pytest_devops.runid import RunId

if TYPE_CHECKING:
    from pytest_devops.canary.model import CanaryResult

RESULT: pytest.StashKey[CanaryResult] = pytest.StashKey()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not config.getoption("devops_canary", False) or RunId.of(config).is_worker:
        return
    from pytest_devops.canary.inject import plan_values
    from pytest_devops.canary.model import CanaryResult
    from pytest_devops.canary.run import Project, run_mutants
    from pytest_devops.cost.keys import ESTIMATE
    from pytest_devops.errors import DevopsError

    ctx = GateContext.find(config)
    env = ctx.env if ctx is not None else None
    if ctx is None or env is None or env.config_file is None:
        raise pytest.UsageError("--devops-canary needs an environment (--devops-env NAME)")
    baseline = ctx.report.to_dict(env=env.name, stage="plan", exitstatus=int(exitstatus))
    try:
        values = plan_values(ctx)
        cost = ctx.peek(ESTIMATE)
        if cost is not None:
            baseline["cost"] = {"monthly_after": str(cost.monthly_after)}
        project = Project(env=env.name, config=env.config_file,
                          cwd=config.invocation_params.dir, args=tuple(config.args))
        result = run_mutants(project, env, values, baseline, ctx.redactor)
    except DevopsError as exc:
        result = CanaryResult(env=env.name, errors=[str(exc)])
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
    redactor = GateContext.of(config).redactor
    terminalreporter.write_sep("=", f"devops canary: environment {result.env}")
    for line in result.lines():
        bad = line.startswith(("SURVIVED", "ERROR")) or line == "outcome: fail"
        terminalreporter.write_line(redactor.redact(line), red=bad)
