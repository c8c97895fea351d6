"""Conformance feature plugin: built-in ``conformance[TYPE]`` post-deploy items and the
``devops_conformance`` fixture. Imports only the standard library and pytest at load."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.aws.keys import AWS
from pytest_devops.conformance.settings import ConformanceSettings, parse
from pytest_devops.context import GateContext
from pytest_devops.gates import BuiltinGate
from pytest_devops.plan.keys import PLAN

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.conformance.model import ConformanceReport


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
        ctx = GateContext.of(self.config)
        if not ctx.env.section("aws"):
            return None
        return ctx.get(AWS).session()

    def check(self, types: Iterable[str] | None = None) -> ConformanceReport:
        from pytest_devops.conformance.check import check

        return check(GateContext.of(self.config).get(PLAN), self._clients(), self._state(), types,
                     self.settings.ignore)

    def assert_conforms(self, types: Iterable[str] | None = None) -> None:
        from pytest_devops.conformance.check import judge

        wanted = list(types) if types is not None else None
        judge(self.check(wanted), f"conformance[{','.join(wanted)}]" if wanted
              else "conformance")


def _run(rtype: str, ctx: GateContext) -> None:
    settings = ctx.settings(parse)
    assert settings is not None
    Conformance(ctx.config, settings).assert_conforms([rtype])


def _types(config: pytest.Config) -> list[str]:
    from pytest_devops.conformance.check import written

    return sorted({rc.type for rc in written(GateContext.of(config).get(PLAN))})


def _unavailable(reason: str, ctx: GateContext) -> None:
    from pytest_devops.errors import GateError

    raise GateError(f"conformance: {reason}")


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    if GateContext.of(config).settings(parse) is None:
        return []
    from pytest_devops.errors import DevopsError

    try:
        types = _types(config)
    except DevopsError as exc:
        return [BuiltinGate(name="conformance", kind="postdeploy",
                            run=partial(_unavailable, f"no plan to compare with: {exc}"))]
    return [BuiltinGate(name=f"conformance[{t}]", kind="postdeploy", run=partial(_run, t),
                        description=f"live {t} resources match the plan")
            for t in types]


@pytest.fixture(scope="session")
def devops_conformance(request: pytest.FixtureRequest) -> Conformance:
    """Compare the environment's plan with the live resources (``check()``,
    ``assert_conforms()``); ``conformance:`` in devops.yaml sets the state file."""
    ctx = GateContext.of(request.config)
    return Conformance(request.config, ctx.settings(parse) or ConformanceSettings())
