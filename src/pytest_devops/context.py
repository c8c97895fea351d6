"""The session contract between the core and every feature: one :class:`GateContext`.

The core makes it at configure time when an environment is selected, and every feature
(the project's own and third-party ones alike) reaches the session through it:

- ``ctx.config``, ``ctx.env``, ``ctx.redactor``, ``ctx.stage``;
- ``ctx.settings(parse)``: a section's frozen settings, parsed once (a wrong value is the
  usage error, exit 4);
- ``ctx.get(KEY)``: a shared result (the plan, the scan, the estimate), made once by the
  feature that owns ``KEY`` (a ``pytest.StashKey[T]`` declared in that feature's
  ``keys`` module) and registered with ``ctx.provide(KEY, producer)``. A feature asks for
  another's result by its key, never by importing the other's plugin.

Imports only the standard library and pytest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from pytest_devops.errors import ConfigError, GateError
from pytest_devops.selection import ENV_VAR

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.gates import BuiltinGate
    from pytest_devops.redact import Redactor
    from pytest_devops.report.results import RunReport

T = TypeVar("T")

#: The built-in gate a collected item runs (set by the core on each gate item).
GATE: pytest.StashKey[BuiltinGate] = pytest.StashKey()


def session_redactor(config: pytest.Config) -> Redactor:
    """The session's one redactor (every byte that leaves the process goes through it),
    there whether or not an environment is selected."""
    found = config.stash.get(_REDACTOR, None)
    if found is None:
        from pytest_devops.redact import Redactor

        found = config.stash[_REDACTOR] = Redactor()
    return found


def usage_error(exc: ConfigError) -> pytest.UsageError:
    """The one usage error (exit 4) a wrong setting becomes: file, line, key, no traceback."""
    return pytest.UsageError(str(exc))


class GateContext:
    """The selected environment and everything the session shares about it."""

    def __init__(
        self, config: pytest.Config, env: Environment, stage: str | None, report: RunReport,
        source: str | None = None,
    ) -> None:
        self.config = config
        self.env = env
        #: Where the environment's name came from (``--devops-env``, a variable, ini).
        self.source = source
        self.redactor = session_redactor(config)
        self.stage = stage
        #: The gate results recorded so far (on the xdist controller: every worker's).
        self.report = report
        self._settings: dict[Callable[[Environment], Any], Any] = {}
        self._producers: dict[pytest.StashKey[Any], Callable[[GateContext], Any]] = {}

    @staticmethod
    def find(config: pytest.Config) -> GateContext | None:
        """The session's context, ``None`` when no environment is selected."""
        return config.stash.get(_CONTEXT, None)

    @staticmethod
    def of(config: pytest.Config) -> GateContext:
        """The session's context; a :class:`GateError` when no environment is selected."""
        found = config.stash.get(_CONTEXT, None)
        if found is None:
            raise GateError(
                "no environment selected",
                hint=f"run with --devops-env NAME (or set {ENV_VAR})",
            )
        return found

    def install(self) -> None:
        config = self.config
        config.stash[_CONTEXT] = self

    def use_env(self, env: Environment) -> None:
        """Gate ``env`` instead (a canary run's altered copy): its sections are parsed
        again when asked for."""
        self.env = env
        self._settings.clear()

    def settings(self, parse: Callable[[Environment], T]) -> T:
        """``parse(env)``, computed once per session; a :class:`ConfigError` is the usage
        error. The core parses every present section this way at configure time."""
        if parse not in self._settings:
            try:
                self._settings[parse] = parse(self.env)
            except ConfigError as exc:
                raise usage_error(exc) from None
        found: T = self._settings[parse]
        return found

    def provide(self, key: pytest.StashKey[T], producer: Callable[[GateContext], T]) -> None:
        """Say how ``key``'s result is made (by the feature that owns ``key``)."""
        self._producers[key] = producer

    def get(self, key: pytest.StashKey[T]) -> T:
        """The session's result for ``key``, made on first use by its producer.

        A producer that raises is asked again by the next user (its error is each
        user's error), as nothing was made."""
        stash = self.config.stash
        if key not in stash:
            producer = self._producers.get(key)
            if producer is None:
                raise GateError(
                    f"no feature provides {key!r}", hint="is its plugin disabled with -p no:?"
                )
            stash[key] = producer(self)
        return stash[key]

    def peek(self, key: pytest.StashKey[T]) -> T | None:
        """The result for ``key`` when this process already made it, else ``None``."""
        return self.config.stash.get(key, None)

    def cached(self, key: pytest.StashKey[T], factory: Callable[[], T]) -> T:
        """A feature's own session value: ``factory()`` once, kept under ``key``."""
        stash = self.config.stash
        if key not in stash:
            stash[key] = factory()
        return stash[key]


_CONTEXT = pytest.StashKey[GateContext]()
_REDACTOR: pytest.StashKey[Redactor] = pytest.StashKey()
