"""pytest glue for the security gates: the built-in ``checkov`` gate, the ``devops_scan``
fixture and ``--devops-sarif``. Imports only the standard library, pytest and light
pytest_devops modules; the scanner is imported when a scan runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.errors import ConfigError
from pytest_devops.gates import BuiltinGate

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.gates import GateContext
    from pytest_devops.security.model import ScanReport

SCAN_KEY = "security.scan"
CACHE_DIR = "devops-security"


def _cache_dir(config: pytest.Config) -> Path | None:
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    return Path(cache.mkdir(CACHE_DIR)) if cache is not None else None


def _outputs(config: pytest.Config) -> list[Path]:
    """The reports this run writes: in a scanned directory they must not key the cache."""
    base = config.invocation_params.dir
    names = (config.getoption(o, None) for o in ("devops_report", "devops_sarif", "xmlpath"))
    return [base / str(n) for n in names if n]


def _xdist_run(config: pytest.Config) -> str | None:
    """The id of the test run this pytest-xdist worker belongs to (None: not a worker)."""
    workerinput = getattr(config, "workerinput", None)
    run = workerinput.get("testrunuid") if isinstance(workerinput, dict) else None
    return str(run) if run else None


class _Failed:
    """A scan that raised: kept so that every user of the scan sees the same error."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def session_scan(ctx: GateContext, config: pytest.Config) -> ScanReport:
    """The session's one scan of ``ctx.env`` (run, or read from the cache, once)."""
    from pytest_devops.security.gates import scan_environment

    def factory() -> Any:
        try:
            return scan_environment(ctx.env, redactor=getattr(ctx, "redactor", None),
                                    cache_dir=_cache_dir(config), outputs=_outputs(config),
                                    run_id=_xdist_run(config))
        except Exception as exc:  # re-raised below, for this and every later user
            return _Failed(exc)

    result = ctx.resource(SCAN_KEY, factory)
    if isinstance(result, _Failed):
        raise result.exc
    report: ScanReport = result
    return report


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    if "security" not in env.sections:
        return []
    from pytest_devops.security.gates import env_policy

    try:
        policy = env_policy(env)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if not policy.enabled:
        return []

    def run_scan(ctx: GateContext) -> str:
        from pytest_devops.security.gates import judge_scan

        return judge_scan(session_scan(ctx, config))

    gates = [BuiltinGate(
        name="checkov", kind="security", run=run_scan,
        description=f"Checkov finds no failing check in {', '.join(policy.paths)}",
    )]
    if policy.skip_checks:
        where = str(env.config_file or "devops.yaml")

        def run_skips(ctx: GateContext) -> None:
            from pytest_devops.security.gates import judge_skips

            judge_skips(policy, dt.date.today(), where)

        gates.append(BuiltinGate(name="checkov-skips", kind="security", run=run_skips,
                                 description="no security skip has expired"))
    return gates


@pytest.fixture(scope="session")
def devops_scan(request: pytest.FixtureRequest) -> ScanReport:
    """The environment's Checkov scan (a :class:`pytest_devops.ScanReport`), run once per
    session and shared with the built-in gate: assert on ``failed``, ``resources(id)``...
    A scan that could not run is an error of the test, never a pass."""
    from pytest_devops.plugin import GateContext
    from pytest_devops.security.gates import env_policy

    ctx = GateContext(request.config)
    try:
        policy = env_policy(ctx.env)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if not policy.enabled:
        pytest.skip(f"security scanning is disabled for environment {ctx.env.name}")
    return session_scan(ctx, request.config)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    target = config.getoption("devops_sarif", None)
    if not target:
        return
    from pytest_devops.plugin import state

    st = state(config)
    result = st.resources.get(SCAN_KEY)
    if result is None:
        return  # no scan in this process (gate deselected, or run by another xdist worker)
    from pytest_devops.security import sarif

    path = config.invocation_params.dir / target
    if isinstance(result, _Failed):
        sarif.write_error(path, str(result.exc), st.redactor)
    else:
        root = st.env.root if st.env else config.rootpath
        sarif.write(path, result, root, st.redactor)
