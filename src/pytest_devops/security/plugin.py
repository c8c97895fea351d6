"""pytest glue for the security gates: the built-in ``checkov`` gate, the ``devops_scan``
fixture and ``--devops-sarif`` (declared in :mod:`pytest_devops.security.options`).
Imports only the standard library, pytest and light pytest_devops modules; the scanner is
imported when a scan runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.context import GateContext
from pytest_devops.gates import BuiltinGate
from pytest_devops.runid import RunId
from pytest_devops.security.keys import SCAN, ScanFailed
from pytest_devops.security.settings import parse

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.security.model import ScanReport

CACHE_DIR = "devops-security"


def _cache_dir(config: pytest.Config) -> Path | None:
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    return Path(cache.mkdir(CACHE_DIR)) if cache is not None else None


def _outputs(config: pytest.Config) -> list[Path]:
    """The reports this run writes: in a scanned directory they must not key the cache."""
    base = config.invocation_params.dir
    names = (config.getoption(o, None) for o in ("devops_report", "devops_sarif", "xmlpath"))
    return [base / str(n) for n in names if n]


def _scan(ctx: GateContext) -> ScanReport | ScanFailed:
    from pytest_devops.security.gates import scan_environment

    config = ctx.config
    try:
        return scan_environment(ctx.env, redactor=ctx.redactor, cache_dir=_cache_dir(config),
                                outputs=_outputs(config), run_id=RunId.of(config).testrunuid)
    except Exception as exc:  # re-raised below, for this and every later user
        return ScanFailed(exc)


def session_scan(ctx: GateContext) -> ScanReport:
    """The session's one scan of ``ctx.env`` (run, or read from the cache, once)."""
    result = ctx.get(SCAN)
    if isinstance(result, ScanFailed):
        raise result.exc
    return result


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    ctx = GateContext.find(config)
    if ctx is not None:
        ctx.provide(SCAN, _scan)


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    if "security" not in env.sections:
        return []
    policy = GateContext.of(config).settings(parse)
    if not policy.enabled:
        return []

    def run_scan(ctx: GateContext) -> str:
        from pytest_devops.security.gates import judge_scan

        return judge_scan(session_scan(ctx))

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
    ctx = GateContext.of(request.config)
    if not ctx.settings(parse).enabled:
        pytest.skip(f"security scanning is disabled for environment {ctx.env.name}")
    return session_scan(ctx)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    target = config.getoption("devops_sarif", None)
    ctx = GateContext.find(config)
    if not target or ctx is None:
        return
    result: Any = ctx.peek(SCAN)
    if result is None:
        return  # no scan in this process (gate deselected, or run by another xdist worker)
    from pytest_devops.security import sarif

    path = config.invocation_params.dir / target
    if isinstance(result, ScanFailed):
        sarif.write_error(path, str(result.exc), ctx.redactor)
    else:
        sarif.write(path, result, ctx.env.root, ctx.redactor)
