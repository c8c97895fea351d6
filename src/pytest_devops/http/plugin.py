"""HTTP verification in pytest: the ``devops_http`` fixture and one gate per URL.

Imports only the standard library, pytest and light pytest_devops modules at load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pytest

from pytest_devops.context import GATE, GateContext
from pytest_devops.gates import BuiltinGate
from pytest_devops.http.settings import parse

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.http.model import Probe
    from pytest_devops.http.prober import HttpProber
    from pytest_devops.http.probes import ProbeResult

SELECTED: pytest.StashKey[set[str]] = pytest.StashKey()
RESULTS: pytest.StashKey[Mapping[str, ProbeResult]] = pytest.StashKey()
PROBER: pytest.StashKey[HttpProber] = pytest.StashKey()


def probes(config: pytest.Config) -> dict[str, Probe]:
    """The selected environment's probes, parsed once per session."""
    ctx = GateContext.find(config)
    return ctx.settings(parse) if ctx is not None else {}


def pytest_devops_secrets(env: Environment, config: pytest.Config) -> Iterable[object]:
    from pytest_devops.http.model import sensitive_values

    return [value for probe in probes(config).values() for value in sensitive_values(probe)]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which URL gates survived selection: only those are probed."""
    gates = (item.stash.get(GATE, None) for item in session.items)
    session.config.stash[SELECTED] = {
        gate.extra["url"] for gate in gates if gate is not None and "url" in gate.extra
    }


def _results(ctx: GateContext) -> Mapping[str, ProbeResult]:
    from pytest_devops.http.probes import run_probes

    config = ctx.config

    def run_all() -> Mapping[str, ProbeResult]:
        prober = _prober(config)
        selected = config.stash.get(SELECTED, None)
        todo = [p for p in prober.probes.values() if p.gate]
        if selected is not None:
            todo = [p for p in todo if p.name in selected]
        return run_probes(todo, redactor=prober.redactor)

    return ctx.cached(RESULTS, run_all)


def _gate(name: str) -> BuiltinGate:
    def run(ctx: GateContext) -> None:
        # The first URL gate runs every gate probe at once; the others read the result.
        _results(ctx)[name].raise_for_failure()

    return BuiltinGate(
        name=f"url[{name}]",
        kind="postdeploy",
        run=run,
        description=f"the endpoint {name} answers as expected",
        extra={"url": name},
    )


def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    return [_gate(name) for name, probe in probes(config).items() if probe.gate]


def _prober(config: pytest.Config) -> HttpProber:
    from pytest_devops.http.prober import HttpProber

    ctx = GateContext.of(config)
    return ctx.cached(PROBER, lambda: HttpProber(
        probes(config), redactor=ctx.redactor, root=ctx.env.root, env_name=ctx.env.name
    ))


@pytest.fixture(scope="session")
def devops_http(request: pytest.FixtureRequest) -> HttpProber:
    """An :class:`~pytest_devops.HttpProber`: ``devops_http.probe("api")`` runs the
    environment's probe named ``api``; ``devops_http.get(url, expect={...})`` any URL."""
    return _prober(request.config)
