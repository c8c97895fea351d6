"""HTTP verification in pytest: the ``devops_http`` fixture and one gate per URL.

Imports only the standard library, pytest and light pytest_devops modules at load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pytest

from pytest_devops.errors import ConfigError
from pytest_devops.gates import BuiltinGate

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.gates import GateContext
    from pytest_devops.verify.http import ProbeResult
    from pytest_devops.verify.http_model import Probe
    from pytest_devops.verify.http_prober import HttpProber

PROBES = pytest.StashKey["dict[str, Probe]"]()
SELECTED = pytest.StashKey["set[str]"]()
RESULTS_KEY = "verify.http.results"


def _parse(env: Environment) -> dict[str, Probe]:
    from pytest_devops.verify.http_model import parse_urls

    file = str(env.config_file) if env.config_file else None
    try:
        return parse_urls(env.section("urls"), file=file, root=env.root)
    except ConfigError as exc:
        if exc.key and exc.key.startswith("urls"):
            exc = ConfigError(
                exc.message, file=exc.file, key=f"environments.{env.name}.{exc.key}",
                hint=exc.hint,
            )
        raise exc from None


def probes(config: pytest.Config) -> dict[str, Probe]:
    """The selected environment's probes, parsed once per session."""
    from pytest_devops.plugin import session_settings

    return session_settings(config, PROBES, _parse) or {}


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    probes(config)  # parse now: a wrong setting is a usage error before anything runs


def pytest_devops_secrets(env: Environment, config: pytest.Config) -> Iterable[object]:
    from pytest_devops.verify.http_model import sensitive_values

    try:
        parsed = _parse(env)
    except ConfigError:
        return []  # reported as a usage error by pytest_configure
    return [value for probe in parsed.values() for value in sensitive_values(probe)]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which URL gates survived selection: only those are probed."""
    from pytest_devops.plugin import BuiltinGateItem

    session.config.stash[SELECTED] = {
        item.gate.extra["url"]
        for item in session.items
        if isinstance(item, BuiltinGateItem) and "url" in item.gate.extra
    }


def _results(ctx: GateContext, config: pytest.Config) -> Mapping[str, ProbeResult]:
    from pytest_devops.verify.http import run_probes

    def run_all() -> Mapping[str, ProbeResult]:
        prober = _prober(config)
        selected = config.stash.get(SELECTED, None)
        todo = [p for p in prober.probes.values() if p.gate]
        if selected is not None:
            todo = [p for p in todo if p.name in selected]
        return run_probes(todo, redactor=prober.redactor)

    results: Mapping[str, ProbeResult] = ctx.resource(RESULTS_KEY, run_all)
    return results


def _gate(name: str, config: pytest.Config) -> BuiltinGate:
    def run(ctx: GateContext) -> None:
        # The first URL gate runs every gate probe at once; the others read the result.
        _results(ctx, config)[name].raise_for_failure()

    return BuiltinGate(
        name=f"url[{name}]",
        kind="postdeploy",
        run=run,
        description=f"the endpoint {name} answers as expected",
        extra={"url": name},
    )


def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    return [_gate(name, config) for name, probe in probes(config).items() if probe.gate]


def _prober(config: pytest.Config) -> HttpProber:
    from pytest_devops.plugin import state
    from pytest_devops.verify.http_prober import HttpProber

    st = state(config)
    env = st.env

    def make() -> HttpProber:
        return HttpProber(
            probes(config),
            redactor=st.redactor,
            root=env.root if env else None,
            env_name=env.name if env else None,
        )

    prober: HttpProber = st.resource("verify.http.prober", make)
    return prober


@pytest.fixture(scope="session")
def devops_http(request: pytest.FixtureRequest) -> HttpProber:
    """An :class:`~pytest_devops.HttpProber`: ``devops_http.probe("api")`` runs the
    environment's probe named ``api``; ``devops_http.get(url, expect={...})`` any URL."""
    return _prober(request.config)
