"""The pytest plugin: environment selection, stages, outcomes, the gate report.

Only the standard library and pytest are imported here; every heavy dependency is
imported by the feature that uses it, when it is used. The features (listed in
:mod:`pytest_devops.features`) reach the session only through
:class:`~pytest_devops.context.GateContext`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops import newhooks
from pytest_devops.context import GateContext, session_redactor, usage_error
from pytest_devops.errors import ConfigError, GateError, GateFailure
from pytest_devops.features import FEATURES, present_parsers
from pytest_devops.gates import KINDS, MARKER_HELP, Selection, evaluate
from pytest_devops.masking import redact_report
from pytest_devops.options import add_options
from pytest_devops.redact import Redactor
from pytest_devops.report.results import GateResult, RunReport
from pytest_devops.runid import RunId

if TYPE_CHECKING:
    from pytest_devops.config import Environment


@dataclass
class DevopsState:
    """What the core resolved for this session, kept on ``config.stash``."""

    env_name: str | None = None
    source: str | None = None
    stage: str | None = None
    config_path: Path | None = None
    redactor: Redactor = field(default_factory=Redactor)
    report: RunReport = field(default_factory=RunReport)
    ctx: GateContext | None = None

    @property
    def env(self) -> Environment | None:
        return self.ctx.env if self.ctx is not None else None


STATE = pytest.StashKey[DevopsState]()
SELECTION = pytest.StashKey[Selection]()


def state(config: pytest.Config) -> DevopsState:
    """The core's state for ``config`` (created empty when the plugin is not configured)."""
    found = config.stash.get(STATE, None)
    if found is None:
        found = config.stash[STATE] = DevopsState(redactor=session_redactor(config))
    return found


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(newhooks)
    pluginmanager.import_plugin("pytest_devops.fixtures")
    pluginmanager.import_plugin("pytest_devops.masking")
    pluginmanager.import_plugin("pytest_devops.report_guard")


def _register_features(config: pytest.Config, active: bool) -> None:
    """The features when the run uses the plugin; else fixtures that say what is missing.

    A run that selects no environment, stage or report loads nothing more than the core,
    so a suite that does not use pytest-devops pays next to nothing for it.
    """
    for name in [f.plugin for f in FEATURES] if active else ["pytest_devops.idle"]:
        config.pluginmanager.import_plugin(name)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    for help_text in MARKER_HELP.values():
        config.addinivalue_line("markers", help_text)
    st = state(config)
    st.stage = config.option.devops_stage
    config.pluginmanager.register(_Recorder(st.report, st.redactor), "devops-recorder")
    if config.option.help or config.option.version:
        return
    from pytest_devops.selection import select

    selected = select(
        config.rootpath,
        env=config.option.devops_env,
        config=config.option.devops_config,
        ini_env=config.getini("devops_env") or None,
        ini_config=config.getini("devops_config") or None,
        ini_base=config.inipath.parent if config.inipath else None,
    )
    st.env_name, st.source, st.config_path = selected.env, selected.source, selected.config
    if st.env_name is None:
        _register_features(config, bool(st.stage or config.option.devops_report))
        return
    try:
        env = selected.load()
    except ConfigError as exc:
        raise usage_error(exc) from None
    assert env is not None
    st.redactor.add_env(env.redact_env)
    st.ctx = ctx = GateContext(config, env, st.stage, st.report, st.source)
    ctx.install()
    for parse in present_parsers(env):  # every wrong setting is a usage error, now
        ctx.settings(parse)
    _register_features(config, True)
    for secrets in config.hook.pytest_devops_secrets(env=ctx.env, config=config):
        st.redactor.add_all(secrets or ())


def pytest_report_header(config: pytest.Config) -> str | None:
    st = state(config)
    if st.env_name is None:
        return "devops: no environment selected" if st.stage else None
    where = f", config {st.config_path}" if st.config_path else ""
    stage = f", stage {st.stage}" if st.stage else ""
    return f"devops: environment {st.env_name} (from {st.source}){stage}{where}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    st = state(config)
    if st.env is not None and st.config_path is not None:
        from pytest_devops.items import builtin_items

        items[:0] = builtin_items(session, st.config_path)
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        try:
            selection = evaluate(item.iter_markers())
        except TypeError as exc:
            raise pytest.UsageError(f"{item.nodeid}: {exc}") from None
        item.stash[SELECTION] = selection
        reason = selection.deselect_reason(st.env_name, st.stage)
        (dropped if reason else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _kind(item: pytest.Item) -> str | None:
    selection = item.stash.get(SELECTION, None)
    return selection.kind if selection else None


#: What a gate raises to say the rule is broken: an assertion or ``pytest.fail()``.
_FAILURES = (AssertionError, pytest.fail.Exception)


def _undecided(kind: str | None, exc: BaseException | None) -> bool:
    """A gate that raised something other than a broken rule could not decide."""
    return kind is not None and exc is not None and (
        isinstance(exc, GateError) or not isinstance(exc, _FAILURES))


def _outcome(report: pytest.TestReport, kind: str | None, exc: BaseException | None) -> str:
    if hasattr(report, "wasxfail") and _undecided(kind, exc):
        return "error"  # an expected failure is a broken rule, never a gate that errored
    if report.passed:
        return "pass"
    if report.skipped:
        return "skip"
    if report.when != "call" or isinstance(exc, GateError):
        return "error"
    if _undecided(kind, exc):
        # In a gate, only a broken rule is a failure; anything else means undecided.
        return "error"
    return "fail"


def _message(report: pytest.TestReport, exc: BaseException | None, note: str = "") -> str:
    if report.passed:
        return note
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if exc is None:
        return ""
    if isinstance(exc, (GateFailure, GateError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    st = state(item.config)
    kind = _kind(item)
    exc = call.excinfo.value if call.excinfo else None
    result = _outcome(report, kind, exc)
    findings = [f.to_dict() for f in getattr(exc, "findings", ())]
    soft = result == "fail" and kind in (st.env.soft_fail if st.env else ())
    redactor = st.redactor
    report.devops = {  # type: ignore[attr-defined]
        "kind": kind,
        "outcome": result,
        # Masked before it is cut, so no piece of a secret is left at the cut.
        "message": redactor.redact(_message(report, exc, getattr(item, "note", "")))[:4000],
        "findings": redactor.redact_obj(findings),
        "soft": soft,
    }
    redact_report(report, redactor)
    if result == "error" and hasattr(report, "wasxfail"):
        report.outcome = "failed"
        del report.wasxfail
    if soft:
        report.outcome = "passed"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """A module that fails to import may show a secret in its traceback."""
    outcome: Any = yield
    redact_report(outcome.get_result(), state(collector.config).redactor)


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, Any] | None:
    info = getattr(report, "devops", None)
    if not info or report.when != "call":
        return None
    if info["outcome"] == "error":
        return "error", "E", ("ERROR", {"red": True})
    if info["soft"]:
        return "soft-failed", "w", ("SOFT-FAIL", {"yellow": True})
    return None


class _Recorder:
    """Collects every test's result (on the controller under pytest-xdist)."""

    def __init__(self, report: RunReport, redactor: Redactor) -> None:
        self.report = report
        self.redactor = redactor

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message: Any) -> None:
        """A warning's text goes to the warnings summary (and to the controller from an
        xdist worker): mask it before anything reads it."""
        text = str(warning_message.message)
        masked = self.redactor.redact(text)
        if masked != text:
            # The category stays as it was; the message is only its text.
            warning_message.message = Warning(masked)

    def pytest_sessionstart(self) -> None:
        self.report.started = time.time()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        info = getattr(report, "devops", None)
        if info is None:
            return
        self.report.add(
            GateResult(
                nodeid=report.nodeid,
                kind=info["kind"],
                outcome=info["outcome"],
                duration=report.duration,
                message=info["message"],
                findings=info["findings"],
                soft=info["soft"],
            ),
            when=report.when,
        )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    st = state(config)
    if not st.report.results or (st.env_name is None and not st.report.has_gates()):
        return
    from pytest_devops.report.results import terminal_lines

    title = f"devops gates: environment {st.env_name or '-'}"
    if st.stage:
        title += f", stage {st.stage}"
    terminalreporter.write_sep("=", title)
    for line, markup in terminal_lines(st.report, KINDS, int(exitstatus)):
        terminalreporter.write_line(st.redactor.redact(line), **markup)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    path = config.option.devops_report
    if not path or RunId.of(config).is_worker:
        return
    st = state(config)
    doc = st.report.to_dict(env=st.env_name, stage=st.stage, exitstatus=int(exitstatus))
    doc["env_source"] = st.source
    config.hook.pytest_devops_report(report=doc, config=config)
    from pytest_devops.atomic import write_text

    # Relative to where pytest was started, as --junitxml is.
    target = config.invocation_params.dir / Path(path).expanduser()
    write_text(target, st.redactor.dumps(doc, indent=2) + "\n")
