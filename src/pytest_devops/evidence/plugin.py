"""``--devops-evidence PATH``: write the run's evidence bundle when the session ends.
Imports only the standard library and pytest at load."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.runid import RunId

REPORT = pytest.StashKey[dict[str, Any]]()
WRITTEN = pytest.StashKey[str]()


@pytest.hookimpl(trylast=True)
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    """Keep the report as it is written (every feature has amended it by now)."""
    config.stash[REPORT] = report


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, Any, Any]:
    result = yield  # the report, JUnit and SARIF are written by now
    config = session.config
    target = config.getoption("devops_evidence", None)
    if not target or RunId.of(config).is_worker:
        return result
    from pytest_devops.context import GateContext
    from pytest_devops.evidence.bundle import write_bundle
    from pytest_devops.evidence.collect import bundle_files

    ctx = GateContext.find(config)
    if ctx is None:
        raise pytest.UsageError("--devops-evidence needs an environment (--devops-env NAME)")
    report = config.stash.get(REPORT, None)
    if report is None:
        report = ctx.report.to_dict(env=ctx.env.name, stage=ctx.stage,
                                    exitstatus=int(session.exitstatus))
        report["env_source"] = ctx.source
        config.hook.pytest_devops_report(report=report, config=config)
    files, meta = bundle_files(config, report)
    path = config.invocation_params.dir / Path(target).expanduser()
    config.stash[WRITTEN] = f"{path} (manifest {write_bundle(path, files, meta)})"
    return result


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    written = config.stash.get(WRITTEN, None)
    if written is not None:
        terminalreporter.write_line(f"devops evidence: {written}")
