"""Redaction of the channels pytest writes to besides test reports.

The core masks what a report carries (failure representation, captured output, skip and
xfail reasons, the test id). This plugin covers the rest: assertion explanations (masked
before pytest formats and shortens them), JUnit properties and the JUnit file,
live logging and ``--log-file``, the reason given to ``pytest.exit()``, and internal
errors. Imports only the standard library and pytest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.context import session_redactor

if TYPE_CHECKING:
    from pytest_devops.redact import Redactor


def _redactor(config: pytest.Config) -> Redactor | None:
    redactor = session_redactor(config)
    return redactor if len(redactor) else None


class _Shown:
    """Stands for a value whose representation held a secret: only the masked text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _masked(value: Any, redactor: Redactor) -> tuple[Any, bool]:
    """``value`` with its secrets masked, and whether it held any."""
    if isinstance(value, str):
        masked = redactor.redact(value)
        return masked, masked != value
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ is pytest's to report, not ours
        return value, False
    masked = redactor.redact(text)
    if masked == text:
        return value, False
    if isinstance(value, (dict, list, tuple)):
        return redactor.redact_obj(value), True
    return _Shown(masked), True


@pytest.hookimpl(tryfirst=True)
def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: Any, right: Any
) -> list[str] | None:
    """Explain a comparison of values that hold a secret from masked copies, so the
    shortening and the diff pytest does afterwards never cut a secret in two."""
    redactor = _redactor(config)
    if redactor is None:
        return None
    left_masked, left_hit = _masked(left, redactor)
    right_masked, right_hit = _masked(right, redactor)
    if not (left_hit or right_hit):
        return None
    from _pytest.assertion import pytest_assertrepr_compare as explain

    lines = explain(config, op, left_masked, right_masked) or [
        f"{left_masked!r} {op} {right_masked!r}"
    ]
    return [redactor.redact(line) for line in lines]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """``record_property`` values travel in the report to JUnit and to xdist."""
    report = yield
    redactor = _redactor(item.config)
    if redactor is not None and report.user_properties:
        report.user_properties = [
            (redactor.redact(str(k)), redactor.redact_obj(v) if isinstance(v, (str, list, dict))
             else _plain(v, redactor))
            for k, v in report.user_properties
        ]
    return report


def _plain(value: Any, redactor: Redactor) -> Any:
    masked = redactor.redact(str(value))
    return value if masked == str(value) else masked


class _MaskingFormatter(logging.Formatter):
    """Formats with the handler's own formatter, then masks the line."""

    def __init__(self, inner: logging.Formatter, redactor: Redactor) -> None:
        super().__init__()
        self.inner = inner
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.redact(self.inner.format(record))


def _mask_logging(config: pytest.Config, redactor: Redactor) -> None:
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    if plugin is None:
        return
    for name in ("log_cli_handler", "log_file_handler"):
        handler = getattr(plugin, name, None)
        formatter = getattr(handler, "formatter", None)
        if handler is not None and not isinstance(formatter, _MaskingFormatter):
            handler.setFormatter(_MaskingFormatter(formatter or logging.Formatter(), redactor))


def _mask_exit(exc: BaseException, redactor: Redactor) -> None:
    if isinstance(exc, pytest.exit.Exception):
        exc.msg = redactor.redact(exc.msg)
        exc.args = tuple(redactor.redact(a) if isinstance(a, str) else a for a in exc.args)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> Iterator[None]:
    """Live logging and ``--log-file`` lines are masked as they are written."""
    _mask_logging(session.config, session_redactor(session.config))
    try:
        return (yield)
    except pytest.exit.Exception as exc:
        _mask_exit(exc, session_redactor(session.config))
        raise


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """``pytest.exit(reason)`` from a test or a fixture: the terminal prints the reason."""
    redactor = _SESSION_REDACTOR[0]
    if redactor is not None:
        _mask_exit(excinfo.value, redactor)


#: The session's redactor for hooks that receive no config (one session per process).
_SESSION_REDACTOR: list[Redactor | None] = [None]


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    _SESSION_REDACTOR[0] = session_redactor(config)


@pytest.hookimpl(tryfirst=True)
def pytest_internalerror(excrepr: Any, excinfo: Any) -> None:
    """An internal error's traceback goes to the terminal line by line."""
    redactor = _SESSION_REDACTOR[0]
    if redactor is not None and len(redactor):
        redact_repr(excrepr, redactor)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Iterator[None]:
    """``record_testsuite_property`` values, then the JUnit file as written (attributes
    set by ``record_xml_attribute`` included)."""
    config = session.config
    redactor = _redactor(config)
    xml = _junit(config)
    if redactor is not None and xml is not None:
        xml.global_properties = [
            (redactor.redact(str(k)), _plain(v, redactor)) for k, v in xml.global_properties
        ]
    try:
        return (yield)
    except pytest.exit.Exception as exc:
        if redactor is not None:
            _mask_exit(exc, redactor)
        raise
    finally:
        redactor = _redactor(config)
        if redactor is not None and xml is not None:
            _rewrite(Path(xml.logfile), redactor)


def _junit(config: pytest.Config) -> Any:
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pragma: no cover - junitxml is a pytest built-in
        return None
    return config.stash.get(xml_key, None)


def _rewrite(path: Path, redactor: Redactor) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return
    masked = redactor.redact(text)
    if masked != text:
        from pytest_devops.atomic import write_text

        write_text(path, masked)


def redact_report(report: pytest.TestReport | pytest.CollectReport, redactor: Redactor) -> None:
    """Mask secrets in everything a report carries to the terminal, JUnit and workers."""
    if not len(redactor):
        return
    # A parametrized test's id can hold a secret (a URL with a token in it).
    report.nodeid = redactor.redact(report.nodeid)
    if isinstance(report, pytest.TestReport):
        path, line, domain = report.location
        report.location = (path, line, redactor.redact(domain))
    report.longrepr = redact_repr(report.longrepr, redactor)
    report.sections = [(k, redactor.redact(v)) for k, v in report.sections]
    reason = getattr(report, "wasxfail", None)
    if isinstance(reason, str):
        report.wasxfail = redactor.redact(reason)  # type: ignore[union-attr]


def redact_repr(obj: Any, redactor: Redactor, depth: int = 0) -> Any:
    """Mask secrets in a failure representation in place, keeping its structure."""
    if isinstance(obj, str):
        return redactor.redact(obj)
    if isinstance(obj, list):
        obj[:] = [redact_repr(v, redactor, depth + 1) for v in obj]
    elif isinstance(obj, tuple):
        return tuple(redact_repr(v, redactor, depth + 1) for v in obj)
    elif hasattr(obj, "__dict__") and depth < 12:
        for name, value in vars(obj).items():
            if isinstance(value, (str, list, tuple)) or hasattr(value, "__dict__"):
                object.__setattr__(obj, name, redact_repr(value, redactor, depth + 1))
    return obj
