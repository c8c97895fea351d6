"""The pytest plugin: options, environment selection, stages, outcomes, the gate report.

Only the standard library and pytest are imported here; every heavy dependency is
imported by the feature that uses it, when it is used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from pytest_devops import newhooks
from pytest_devops.errors import ConfigError, GateError, GateFailure
from pytest_devops.gates import KINDS, MARKER_HELP, STAGES, BuiltinGate, Selection, evaluate
from pytest_devops.redact import Redactor
from pytest_devops.report import GateResult, RunReport

if TYPE_CHECKING:
    from pytest_devops.config import Environment

#: Feature plugins, registered with this one (each imports only stdlib + pytest at load).
FEATURES = (
    "pytest_devops.security.plugin",
    "pytest_devops.verify.plugin_http",
    "pytest_devops.verify.plugin_hosts",
    "pytest_devops.verify.plugin_aws",
    "pytest_devops.github.plugin",
    "pytest_devops.plan.plugin",
    "pytest_devops.cost.plugin",
    "pytest_devops.terraform.plugin",
    "pytest_devops.canary.plugin",
    "pytest_devops.evidence.plugin",
    "pytest_devops.conformance.plugin",
    "pytest_devops.deployments.plugin",
)

ENV_VAR = "PYTEST_DEVOPS_ENV"


@dataclass
class DevopsState:
    """Everything the plugin resolved for this session, kept on ``config.stash``."""

    env_name: str | None = None
    source: str | None = None
    stage: str | None = None
    config_path: Path | None = None
    env: Environment | None = None
    redactor: Redactor = field(default_factory=Redactor)
    report: RunReport = field(default_factory=RunReport)
    resources: dict[str, Any] = field(default_factory=dict)

    def resource(self, key: str, factory: Callable[[], Any]) -> Any:
        if key not in self.resources:
            self.resources[key] = factory()
        return self.resources[key]


STATE = pytest.StashKey[DevopsState]()
SELECTION = pytest.StashKey[Selection]()


def state(config: pytest.Config) -> DevopsState:
    """The plugin's state for ``config`` (created empty when the plugin is not configured)."""
    return config.stash.setdefault(STATE, DevopsState())


T = TypeVar("T")


def session_settings(
    config: pytest.Config, key: pytest.StashKey[T], parse: Callable[[Environment], T]
) -> T | None:
    """A feature's settings, parsed once per session from the selected environment
    (``None`` when no environment is selected); a :class:`ConfigError` is a usage error."""
    env = state(config).env
    if env is None:
        return None
    if key not in config.stash:
        try:
            config.stash[key] = parse(env)
        except ConfigError as exc:  # a setting is wrong: the usage error of PRODUCT.md
            raise pytest.UsageError(str(exc)) from None
    return config.stash[key]


class GateContext:
    """What a built-in gate receives: the environment and the session's shared values."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._state = state(config)
        if self._state.env is None:
            raise GateError(
                "no environment selected",
                hint=f"run with --devops-env NAME (or set {ENV_VAR})",
            )
        self.env: Environment = self._state.env
        self.redactor = self._state.redactor

    def resource(self, key: str, factory: Callable[[], Any]) -> Any:
        return self._state.resource(key, factory)


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
    for name in FEATURES if active else ("pytest_devops.idle",):
        config.pluginmanager.import_plugin(name)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("devops", "infrastructure gates (pytest-devops)")
    group.addoption(
        "--devops-env",
        metavar="NAME",
        help=f"environment to gate, from devops.yaml (default: ${ENV_VAR}, ini devops_env).",
    )
    group.addoption(
        "--devops-config",
        metavar="PATH",
        help="config file (default: ini devops_config, else devops.yaml in the rootdir).",
    )
    group.addoption(
        "--devops-stage",
        choices=sorted(STAGES),
        help="run only the gates of this stage: plan (plan, security, cost), "
        "apply (post-deploy), promote (post-deploy and tests marked for promote).",
    )
    group.addoption("--devops-report", metavar="PATH", help="write the JSON gate report to PATH.")
    group.addoption(
        "--devops-sarif",
        metavar="PATH",
        help="write the security scan's findings to PATH as SARIF 2.1.0 (for code scanning).",
    )
    group.addoption(
        "--devops-confirm-apply",
        metavar="ENV",
        help="allow tests to apply the protected environment ENV "
        "(also $PYTEST_DEVOPS_CONFIRM_APPLY).",
    )
    group.addoption(
        "--devops-change-set",
        metavar="NAME_OR_ARN",
        help="use this existing CloudFormation change set as the plan instead of creating "
        "one (also $PYTEST_DEVOPS_CHANGE_SET).",
    )
    group.addoption(
        "--devops-canary",
        action="store_true",
        help="after the gates ran, run the plan-stage gates on mutants of the plan and "
        "fail on every gate that still passes (a gate that cannot fail).",
    )
    group.addoption(
        "--devops-evidence",
        metavar="PATH",
        help="write the run's evidence bundle to PATH (plan, report, JUnit, SARIF, prices, "
        "config, versions, SHA-256 manifest); replay it with pytest-devops replay.",
    )
    group.addoption(
        "--devops-plan",
        metavar="PATH",
        help="gate this plan (a JSON plan or a binary one) instead of the environment's "
        "plan source (also $PYTEST_DEVOPS_PLAN).",
    )
    parser.addini("devops_env", "default environment for --devops-env.")
    parser.addini("devops_config", "config file for --devops-config.")


def _select(config: pytest.Config) -> tuple[str | None, str | None]:
    if config.option.devops_env:
        return config.option.devops_env, "--devops-env"
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR], ENV_VAR
    ini = config.getini("devops_env")
    if ini:
        return str(ini), "ini devops_env"
    return None, None


def pytest_configure(config: pytest.Config) -> None:
    for help_text in MARKER_HELP.values():
        config.addinivalue_line("markers", help_text)
    st = state(config)
    st.stage = config.option.devops_stage
    config.pluginmanager.register(_Recorder(st.report, st.redactor), "devops-recorder")
    if config.option.help or config.option.version:
        return
    st.env_name, st.source = _select(config)
    explicit = config.option.devops_config or config.getini("devops_config") or None
    if explicit and not os.path.isabs(explicit) and not config.option.devops_config:
        # An ini path is relative to the ini file, as pytest reads its own path settings.
        base = config.inipath.parent if config.inipath else config.rootpath
        explicit = str(base / explicit)
    from pytest_devops.config import find_config

    st.config_path = find_config(config.rootpath, explicit)
    if st.env_name is None:
        _register_features(config, bool(st.stage or config.option.devops_report))
        return
    if st.config_path is None:
        raise pytest.UsageError(
            f"--devops-env {st.env_name} (from {st.source}): no config file; "
            f"expected {config.rootpath / 'devops.yaml'} or --devops-config PATH"
        )
    from pytest_devops.config import load_environment

    try:
        st.env = load_environment(st.config_path, st.env_name)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    st.redactor.add_env(st.env.redact_env)
    _register_features(config, True)
    for secrets in config.hook.pytest_devops_secrets(env=st.env, config=config):
        st.redactor.add_all(secrets or ())


def pytest_report_header(config: pytest.Config) -> str | None:
    st = state(config)
    if st.env_name is None:
        return "devops: no environment selected" if st.stage else None
    where = f", config {st.config_path}" if st.config_path else ""
    stage = f", stage {st.stage}" if st.stage else ""
    return f"devops: environment {st.env_name} (from {st.source}){stage}{where}"


class DevopsFile(pytest.File):
    """The config file as the parent of the built-in gates (``devops.yaml::NAME``)."""

    def collect(self) -> Iterator[pytest.Item]:
        env = state(self.config).env
        assert env is not None
        for contributed in self.config.hook.pytest_devops_builtin_gates(
            env=env, config=self.config
        ):
            for gate in contributed or ():
                yield BuiltinGateItem.from_parent(self, name=gate.name, gate=gate)


class BuiltinGateItem(pytest.Item):
    """A gate enabled in ``devops.yaml``, reported like any user test."""

    def __init__(self, *, gate: BuiltinGate, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = gate
        self.add_marker(f"devops_{gate.kind}")

    def runtest(self) -> None:
        # A gate that passes may say what it checked ("checked nothing" must show).
        self.note = self.gate.run(GateContext(self.config)) or ""

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.gate.kind} gate {self.name}"

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (GateFailure, GateError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def _builtin_items(session: pytest.Session, st: DevopsState) -> list[pytest.Item]:
    """Collect the config file's built-in gates the way pytest collects a file, so they
    are counted, and a broken contribution is a collection error naming the file."""
    assert st.config_path is not None
    parent = DevopsFile.from_parent(session, path=st.config_path)
    report = parent.ihook.pytest_make_collect_report(collector=parent)
    parent.ihook.pytest_collectreport(report=report)
    return [node for node in report.result if isinstance(node, pytest.Item)]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    st = state(config)
    if st.env is not None:
        items[:0] = _builtin_items(session, st)
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
    _redact_report(report, redactor)
    if result == "error" and hasattr(report, "wasxfail"):
        report.outcome = "failed"
        del report.wasxfail
    if soft:
        report.outcome = "passed"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """A module that fails to import may show a secret in its traceback."""
    outcome: Any = yield
    _redact_report(outcome.get_result(), state(collector.config).redactor)


def _redact_report(report: pytest.TestReport | pytest.CollectReport, redactor: Redactor) -> None:
    """Mask secrets in everything a report carries to the terminal, JUnit and workers."""
    if not len(redactor):
        return
    # A parametrized test's id can hold a secret (a URL with a token in it).
    report.nodeid = redactor.redact(report.nodeid)
    if isinstance(report, pytest.TestReport):
        path, line, domain = report.location
        report.location = (path, line, redactor.redact(domain))
    report.longrepr = _redact_repr(report.longrepr, redactor)
    report.sections = [(k, redactor.redact(v)) for k, v in report.sections]
    reason = getattr(report, "wasxfail", None)
    if isinstance(reason, str):
        report.wasxfail = redactor.redact(reason)  # type: ignore[union-attr]


def _redact_repr(obj: Any, redactor: Redactor, depth: int = 0) -> Any:
    """Mask secrets in a failure representation in place, keeping its structure."""
    if isinstance(obj, str):
        return redactor.redact(obj)
    if isinstance(obj, list):
        obj[:] = [_redact_repr(v, redactor, depth + 1) for v in obj]
    elif isinstance(obj, tuple):
        return tuple(_redact_repr(v, redactor, depth + 1) for v in obj)
    elif hasattr(obj, "__dict__") and depth < 12:
        for name, value in vars(obj).items():
            if isinstance(value, (str, list, tuple)) or hasattr(value, "__dict__"):
                object.__setattr__(obj, name, _redact_repr(value, redactor, depth + 1))
    return obj


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
    from pytest_devops.report import terminal_lines

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
    if not path or hasattr(config, "workerinput"):
        return
    st = state(config)
    doc = st.report.to_dict(env=st.env_name, stage=st.stage, exitstatus=int(exitstatus))
    doc["env_source"] = st.source
    config.hook.pytest_devops_report(report=doc, config=config)
    from pytest_devops.atomic import write_text

    # Relative to where pytest was started, as --junitxml is.
    target = config.invocation_params.dir / Path(path).expanduser()
    write_text(target, st.redactor.dumps(doc, indent=2) + "\n")
