"""The gate report file is this run's, or there is none.

At session start the path given to ``--devops-report`` is checked (a directory is a
usage error) and an earlier run's file there is removed, so a run that stops before it
writes its report never leaves the previous verdict to be published. The report records
the GitHub Actions run that wrote it, and ``github publish`` refuses another run's.
Imports only the standard library and pytest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_devops.runid import RunId
from pytest_devops.runinfo import current_run


def report_target(config: pytest.Config) -> Path | None:
    path = config.option.devops_report
    if not path:
        return None
    # Relative to where pytest was started, as --junitxml is.
    return config.invocation_params.dir / Path(path).expanduser()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.option.help or config.option.version or RunId.of(config).is_worker:
        return
    target = report_target(config)
    if target is None:
        return
    given = config.option.devops_report
    if target.is_dir():
        raise pytest.UsageError(
            f"--devops-report {given}: is a directory; give a file path, "
            f"e.g. --devops-report {Path(given) / 'gates.json'}"
        )
    try:
        target.unlink(missing_ok=True)  # an earlier run's verdict must not outlive this run
    except OSError as exc:
        raise pytest.UsageError(
            f"--devops-report {given}: cannot remove the earlier "
            f"report ({exc.strerror or exc}); make the path writable"
        ) from None


@pytest.hookimpl
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    run = current_run()
    if run:
        report["run"] = run


#: Whether a gate of this session stopped on a configuration error (a usage error).
_CONFIG_FAULT = pytest.StashKey[str]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A setting read only when a gate runs and found wrong is a usage error: one line
    naming the file and key (no traceback), and exit status 4 for the run."""
    report = yield
    exc = call.excinfo.value if call.excinfo else None
    from pytest_devops.errors import ConfigError

    if isinstance(exc, ConfigError):
        from pytest_devops.context import session_redactor

        text = session_redactor(item.config).redact(str(exc))
        report.longrepr = text
        item.config.stash[_CONFIG_FAULT] = text.splitlines()[0]
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    fault = session.config.stash.get(_CONFIG_FAULT, None)
    if fault is not None and not RunId.of(session.config).is_worker:
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
