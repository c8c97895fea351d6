"""Where the commands print: through the redactor, inert to the Actions runner."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from pytest_devops.github.context import GithubEnv
from pytest_devops.github.escape import escape_data, escape_property, inert, stop_commands
from pytest_devops.redact import Redactor


class Console:
    """stdout and stderr, through the redactor; untrusted text inside ``stop-commands``."""

    def __init__(
        self,
        redactor: Redactor,
        gh: GithubEnv,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.redactor, self.gh = redactor, gh
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    def commands(self, lines: Iterable[str]) -> None:
        """Workflow commands we built (their data is escaped already)."""
        for line in lines:
            self.stdout.write(self.redactor.redact(line) + "\n")

    def text(self, lines: Iterable[str]) -> None:
        """Text that came from the report: inert under Actions."""
        body = [self.redactor.redact(line) for line in lines]
        for line in stop_commands(body) if self.gh.actions else body:
            self.stdout.write(line + "\n")

    def note(self, message: str) -> None:
        self.stderr.write(inert(self.redactor.redact(f"pytest-devops github: {message}")) + "\n")

    def warn(self, message: str, title: str = "pytest-devops") -> None:
        message = self.redactor.redact(message)
        self.stderr.write(inert(f"pytest-devops github: warning: {message}") + "\n")
        if self.gh.actions:
            self.stdout.write(f"::warning title={escape_property(title)}::{escape_data(message)}\n")
        self.stdout.flush()

    def error(self, message: str) -> None:
        self.stderr.write(inert(self.redactor.redact(f"pytest-devops github: error: {message}")))
        self.stderr.write("\n")
