"""Exception types shared by every gate.

A gate ends in one of three ways: it passes, it fails (the infrastructure breaks the
rule: :class:`GateFailure`, an ``AssertionError``), or it errors (the gate could not
decide: :class:`GateError` and its subclasses). An error is never counted as a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_devops.findings import Finding


class DevopsError(Exception):
    """Base class of every error pytest-devops raises on purpose."""


class ConfigError(DevopsError):
    """The configuration is wrong: names the file, the key path and what was expected.

    Given a file and a key path but no line, the line is looked up in the file the first
    time it is needed, so every section's checks point at the line without doing so.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.key = key
        self._line = line
        self._located = line is not None
        self.hint = hint
        super().__init__(message)

    @property
    def line(self) -> int | None:
        if not self._located:
            self._located = True
            if self.file and self.key:
                from pytest_devops.config_problems import line_of_key

                self._line = line_of_key(self.file, self.key)
        return self._line

    def within(self, file: str | None, env: str) -> ConfigError:
        """This error as seen from environment ``env`` of ``file``: a key path relative to
        the environment (``urls.api``) becomes ``environments.ENV.urls.api``."""
        key = self.key
        if key and not key.startswith("environments."):
            key = f"environments.{env}.{key}"
        if key == self.key and (self.file or file) == self.file:
            return self
        return ConfigError(self.message, file=self.file or file, key=key,
                           line=self._line if self._located else None, hint=self.hint)

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        parts = [p for p in (where, self.key) if p]
        text = ": ".join([*parts, self.message])
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class GateError(DevopsError):
    """The gate could not decide: missing input, unreadable file, tool crash, timeout."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class GateTimeout(GateError):
    """The gate ran out of time before it could decide."""


class ToolMissing(GateError):
    """A tool the gate needs (terraform, checkov, ...) is not installed."""

    def __init__(self, tool: str, install_hint: str) -> None:
        self.tool = tool
        super().__init__(f"{tool} was not found", hint=install_hint)


class GateFailure(AssertionError):
    """The infrastructure violates the rule. Carries the findings that say where."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        self.message = message
        self.findings = tuple(findings)
        super().__init__(message)

    def __str__(self) -> str:
        lines = [self.message]
        lines += [f"  - {f.summary()}" for f in self.findings]
        return "\n".join(lines)
