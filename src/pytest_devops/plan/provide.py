"""The plan of an environment: read from ``terraform.plan_file`` or made by the runner.

Made plans are shared by every pytest-xdist worker of a run: the first worker to get
the lock runs Terraform (with its own ``TF_DATA_DIR``), the others read its result.
Sensitive values are registered with the redactor the moment the plan is loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_devops.config import Environment
from pytest_devops.errors import GateError
from pytest_devops.plan.load import load_plan, parse_plan
from pytest_devops.plan.model import Plan
from pytest_devops.plan.settings import TerraformSettings, terraform_settings
from pytest_devops.redact import Redactor

__all__ = ["make_plan", "plan_for"]


def plan_for(
    env: Environment, redactor: Redactor, shared_dir: Callable[[], Path], worker: str
) -> Plan:
    """The environment's plan, its sensitive values registered with ``redactor``.

    ``shared_dir`` gives the directory the run's processes share (asked only when the
    runner makes the plan).
    """
    settings = terraform_settings(env)
    if settings.plan_file is not None:
        plan = load_plan(settings.plan_file)
    elif settings.working_dir is not None:
        plan = make_plan(settings, shared_dir(), worker)
    else:
        where = env.config_file or "devops.yaml"
        raise GateError(
            f"environment {env.name} has no plan: set terraform.plan_file (the output of "
            f"`terraform show -json`) or terraform.working_dir in {where}",
            hint="environments:\n    " + env.name + ":\n      terraform:\n"
            "        plan_file: plan.json",
        )
    redactor.add_all(plan.sensitive_values())
    if plan.errored:
        raise GateError(
            f"{plan.source}: the plan is errored (`terraform plan` failed part-way), so its "
            "changes are incomplete",
            hint="fix the error terraform plan reported and make the plan again",
        )
    if plan.complete is False:
        raise GateError(
            f"{plan.source}: the plan is incomplete (`complete: false`: Terraform deferred "
            "changes it could not plan yet), so gates cannot vouch for what apply will do",
            hint="make a complete plan (without -allow-deferral, or after applying what "
            "the deferred changes depend on)",
        )
    return plan


def _key(settings: TerraformSettings) -> str:
    parts = {
        "dir": os.fspath(settings.working_dir or ""),
        "binary": settings.binary,
        "workspace": settings.workspace,
        "var_files": [os.fspath(p) for p in settings.var_files],
        "vars": {k: str(v) for k, v in settings.vars.items()},
        "refresh": settings.refresh,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def make_plan(settings: TerraformSettings, shared_dir: Path, worker: str) -> Plan:
    """Run init, workspace, plan and show once per run; later callers read the result.

    A failure is recorded too: the other workers report the first worker's error instead
    of each running Terraform again (and waiting out its timeout again).
    """
    assert settings.working_dir is not None
    from pytest_devops.shared import SharedDir

    key = _key(settings)
    doc = SharedDir(shared_dir).once(
        f"plan-{key}",
        lambda: _run_terraform(settings, shared_dir, worker, key),
        # The holder's Terraform is bounded by the same timeout; a little more for init.
        timeout=settings.timeout + 60,
    )
    return parse_plan(doc, f"{settings.working_dir} (terraform plan)")


def _run_terraform(
    settings: TerraformSettings, shared_dir: Path, worker: str, key: str
) -> dict[str, Any]:
    from pytest_devops.plan.runner import Terraform

    assert settings.working_dir is not None
    if not settings.working_dir.is_dir():
        raise GateError(f"terraform.working_dir {settings.working_dir} is not a directory")
    tf = Terraform(
        settings.working_dir,
        binary=settings.binary,
        env={**os.environ, **settings.env},
        timeout=settings.timeout,
        data_dir=shared_dir / f"tf-data-{worker}",
        log_dir=shared_dir,
        lock_timeout=settings.lock_timeout,
    )
    if settings.init:
        tf.init(settings.backend_config)
    if settings.workspace:
        tf.workspace(settings.workspace)
    planfile = shared_dir / f"plan-{key}.tfplan"
    tf.plan(planfile, var_files=settings.var_files, variables=settings.vars,
            refresh=settings.refresh, parallelism=settings.parallelism)
    return tf.show_json(planfile)
