"""Progress lines of Terraform steps, for the plugin's plan and apply."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_devops.context import session_redactor
from pytest_devops.runid import RunId


def progress_writer(config: pytest.Config) -> Callable[[str], None]:
    """Progress lines of Terraform steps: to the terminal (stderr on an xdist worker),
    masked, each with the time since the session started."""
    import contextlib
    import sys
    import time

    start = time.monotonic()
    redactor = session_redactor(config)
    reporter = (None if RunId.of(config).is_worker
                else config.pluginmanager.get_plugin("terminalreporter"))

    def say(text: str) -> None:
        line = redactor.redact(f"devops terraform [{time.monotonic() - start:6.1f}s] {text}")
        # Around pytest's capture, so the line shows while the step runs (an xdist
        # worker's stderr is the run's stderr).
        capman = config.pluginmanager.get_plugin("capturemanager")
        with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
            if reporter is not None:
                reporter.ensure_newline()
                reporter.write_line(line)
            else:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()

    return say
