"""Conformance feature plugin: built-in ``conformance[TYPE]`` post-deploy items and the
``devops_conformance`` fixture. Imports only the standard library and pytest at load."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.gates import BuiltinGate

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.conformance.model import ConformanceReport
    from pytest_devops.gates import GateContext


@dataclass(frozen=True)
class ConformanceSettings:
    state_file: Path | None = None
    ignore: dict[str, frozenset[str]] = field(default_factory=dict)


def parse(env: Environment) -> ConformanceSettings | None:
    raw = env.section("conformance")
    if not raw or not raw.get("enabled", True):
        return None
    return ConformanceSettings(
        state_file=env.path(raw["state_file"]) if raw.get("state_file") else None,
        ignore={k: frozenset(v) for k, v in (raw.get("ignore") or {}).items()})


class Conformance:
    """What ``devops_conformance`` returns: compare the environment's plan with what is
    live, for every written resource or some types (``check(types=[...])``)."""

    def __init__(self, config: pytest.Config, settings: ConformanceSettings) -> None:
        self.config = config
        self.settings = settings

    def _state(self) -> dict[str, Any] | None:
        from pytest_devops.errors import GateError

        path = self.settings.state_file
        if path is None:
            return None
        try:
            doc: dict[str, Any] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise GateError(f"conformance.state_file {path}: cannot read it: {exc}",
                            hint="write it with: terraform show -json > FILE") from None
        return doc

    def _clients(self) -> Any:
        from pytest_devops.plugin import state

        env = state(self.config).env
        if env is None or not env.section("aws"):
            return None
        from pytest_devops.verify.plugin_aws import runtime

        return runtime(self.config).session()

    def check(self, types: Iterable[str] | None = None) -> ConformanceReport:
        from pytest_devops.conformance.check import check
        from pytest_devops.plan.plugin import get_plan

        return check(get_plan(self.config), self._clients(), self._state(), types,
                     self.settings.ignore)

    def assert_conforms(self, types: Iterable[str] | None = None) -> None:
        from pytest_devops.conformance.check import judge

        wanted = list(types) if types is not None else None
        judge(self.check(wanted), f"conformance[{','.join(wanted)}]" if wanted
              else "conformance")


def _settings(config: pytest.Config) -> ConformanceSettings | None:
    from pytest_devops.plugin import state

    env = state(config).env
    return parse(env) if env is not None else None


def _run(config: pytest.Config, rtype: str, ctx: GateContext) -> None:
    settings = _settings(config)
    assert settings is not None
    Conformance(config, settings).assert_conforms([rtype])


def _types(config: pytest.Config) -> list[str]:
    from pytest_devops.conformance.check import written
    from pytest_devops.plan.plugin import get_plan

    return sorted({rc.type for rc in written(get_plan(config))})


def _unavailable(reason: str, ctx: GateContext) -> None:
    from pytest_devops.errors import GateError

    raise GateError(f"conformance: {reason}")


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    if parse(env) is None:
        return []
    from pytest_devops.errors import DevopsError

    try:
        types = _types(config)
    except DevopsError as exc:
        return [BuiltinGate(name="conformance", kind="postdeploy",
                            run=partial(_unavailable, f"no plan to compare with: {exc}"))]
    return [BuiltinGate(name=f"conformance[{t}]", kind="postdeploy", run=partial(_run, config, t),
                        description=f"live {t} resources match the plan")
            for t in types]


@pytest.fixture(scope="session")
def devops_conformance(request: pytest.FixtureRequest) -> Conformance:
    """Compare the environment's plan with the live resources (``check()``,
    ``assert_conforms()``); ``conformance:`` in devops.yaml sets the state file."""
    from pytest_devops.plugin import GateContext

    env = GateContext(request.config).env
    return Conformance(request.config, parse(env) or ConformanceSettings())
