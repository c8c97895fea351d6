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

from pytest_devops.runinfo import current_run


def report_target(config: pytest.Config) -> Path | None:
    path = config.option.devops_report
    if not path:
        return None
    # Relative to where pytest was started, as --junitxml is.
    return config.invocation_params.dir / Path(path).expanduser()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.option.help or config.option.version or hasattr(config, "workerinput"):
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
