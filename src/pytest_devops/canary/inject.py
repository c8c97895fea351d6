"""pytest plugin of a canary's own runs (``-p pytest_devops.canary.inject``).

The run named by ``$PYTEST_DEVOPS_CANARY`` (a JSON spec) either records the plan the
environment's own source made (the baseline) or starts with a mutant of it in the
session's shared values, where every gate and fixture reads the plan from. The gates
themselves are the ones the user runs: nothing here judges anything.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.context import GateContext
from pytest_devops.runid import RunId

SPEC_VAR = "PYTEST_DEVOPS_CANARY"
SECURITY_MUTANT = "public"
#: The session's shared values that hold the plan (the plan feature's, and a
#: CloudFormation environment's change set and its plan view), by their names in the
#: file the mutant runs read.
PLAN_KEY = "pytest_devops.plan"
CFN_PLAN_KEY = "cloudformation.plan"
CHANGE_SET_KEY = "cloudformation.change_set"


def shared_keys() -> dict[str, pytest.StashKey[Any]]:
    """Each name above -> the key its owning feature keeps the value under."""
    from pytest_devops.cloudformation.keys import CFN_PLAN, CHANGE_SET
    from pytest_devops.plan.keys import PLAN

    return {PLAN_KEY: PLAN, CFN_PLAN_KEY: CFN_PLAN, CHANGE_SET_KEY: CHANGE_SET}


def plan_values(ctx: GateContext) -> dict[str, Any]:
    """The session's plan values by name (the plan made now when no gate made it)."""
    from pytest_devops.plan.keys import PLAN

    ctx.get(PLAN)
    keys = shared_keys()
    return {name: found for name, key in keys.items() if (found := ctx.peek(key)) is not None}


def _spec() -> dict[str, Any]:
    path = os.environ.get(SPEC_VAR)
    if not path:
        return {}
    spec: dict[str, Any] = json.loads(Path(path).read_text("utf-8"))
    return spec


def save(values: dict[str, Any], path: Path) -> None:
    """Keep the plan for the mutant runs (a private file: the plan may hold secrets)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(values, fh, protocol=pickle.HIGHEST_PROTOCOL)


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        values: dict[str, Any] = pickle.load(fh)  # noqa: S301 - our own file, from save()
    return values


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    spec = _spec()
    if spec.get("mode") != "mutate":
        return
    from pytest_devops.canary.mutants import mutate_values

    ctx = GateContext.find(config)
    if ctx is None:
        return
    if spec["mutant"] == SECURITY_MUTANT:
        from pytest_devops.canary.insecure import insecure_env

        ctx.use_env(insecure_env(ctx.env, Path(spec["scratch"])))
    base = load(Path(spec["plan"]))
    ctx.redactor.add_all(base[PLAN_KEY].sensitive_values())
    keys = shared_keys()
    for name, value in mutate_values(spec["mutant"], base, ctx.env,
                                     spec.get("params") or {}).items():
        config.stash[keys[name]] = value


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    spec = _spec()
    if spec.get("mode") != "record" or RunId.of(session.config).is_worker:
        return
    from pytest_devops.errors import DevopsError

    ctx = GateContext.find(session.config)
    if ctx is None:
        return
    try:
        values = plan_values(ctx)
    except DevopsError:
        return
    save(values, Path(spec["plan"]))
