"""Plan into the record directory, reuse a fresh record, apply exactly the recorded plan.

One implementation behind ``pytest-devops terraform plan|apply|destroy`` and the
plugin, so a plan made locally, by the plugin or in CI is made, recorded and checked
the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_devops.errors import GateError
from pytest_devops.terraform.record import (
    PlanRecord,
    fingerprint,
    git_commit,
    now_iso,
    problem,
)
from pytest_devops.terraform.steps import (
    DATA_DIR,
    PLAN_BINARY,
    PLAN_JSON,
    open_root,
    plan_into,
    root_lock,
)

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.plan.model import Plan
    from pytest_devops.redact import Redactor
    from pytest_devops.terraform.settings import TerraformSettings

__all__ = ["CONFIRM_ENV", "apply_recorded", "confirm_or_refuse", "fresh_plan", "inputs_of",
           "record_plan"]

CONFIRM_ENV = "PYTEST_DEVOPS_CONFIRM_APPLY"
Progress = Callable[[str], None]


def inputs_of(settings: TerraformSettings, environ: Mapping[str, str] | None = None) -> str:
    """What the plan is made from: settings, non-secret variable values, the root's files.
    Secret values are left out (a changed secret does not make a record stale)."""
    environ = os.environ if environ is None else environ
    parts = {
        "dir": settings.working_dir, "binary": settings.binary,
        "workspace": settings.workspace, "backend": settings.backend_config,
        "var_files": settings.var_files, "vars": settings.vars,
        "env_vars": {k: environ.get(v) for k, v in settings.env_vars.items()},
        "secret_vars": sorted(settings.secret_vars), "plan_args": settings.plan_args,
        "refresh": settings.refresh,
    }
    roots = [p for p in (settings.working_dir, *settings.var_files) if p is not None]
    roots += [Path(b) for b in settings.backend_config if "=" not in b]
    return fingerprint(parts, [p for p in roots if p.exists()])


def record_plan(
    env: Environment,
    settings: TerraformSettings,
    folder: Path,
    *,
    progress: Progress | None = None,
    redactor: Redactor | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[PlanRecord, Plan]:
    """Make the plan into ``folder`` and write its record."""
    from pytest_devops.terraform.record import RECORD

    (folder / RECORD).unlink(missing_ok=True)  # no record of a plan that is being replaced
    made = plan_into(settings, folder, progress=progress, environ=environ, redactor=redactor)
    assert settings.working_dir is not None
    record = PlanRecord(
        env=env.name,
        digest=made.plan.digest(),
        commit=git_commit(settings.working_dir),
        terraform_version=made.version,
        created_at=now_iso(),
        working_dir=os.fspath(settings.working_dir),
        workspace=settings.workspace,
        changes=made.changes,
        binary=settings.binary,
        inputs=inputs_of(settings, environ),
        counts=made.plan.counts(),
    )
    record.write(folder)
    return record, made.plan


def fresh_plan(env: Environment, settings: TerraformSettings, folder: Path,
               environ: Mapping[str, str] | None = None) -> tuple[PlanRecord, Plan] | None:
    """The recorded plan when it can stand for a new one: same environment, inputs and
    commit, not applied, younger than ``plan_max_age``, and ``plan.json`` unchanged."""
    from pytest_devops.plan.load import load_plan

    record = PlanRecord.read(folder)
    if record is None or not (folder / PLAN_BINARY).is_file():
        return None
    if record.inputs != inputs_of(settings, environ):
        return None
    json_path = folder / PLAN_JSON
    if not json_path.is_file():
        return None
    plan = load_plan(json_path)
    assert settings.working_dir is not None
    why = problem(record, env=env.name, digest=None, json_digest=plan.digest(),
                  commit=git_commit(settings.working_dir), max_age=settings.plan_max_age)
    return None if why else (record, plan)


def confirm_or_refuse(env: Environment, confirm: str | None, what: str) -> None:
    if env.protected and (confirm or "") != env.name:
        raise GateError(
            f"environment {env.name} is protected: {what} needs confirmation",
            hint=f"pass --confirm-apply {env.name} (or set {CONFIRM_ENV}={env.name})",
        )


def apply_recorded(
    env: Environment,
    settings: TerraformSettings,
    folder: Path,
    *,
    digest: str | None = None,
    confirm: str | None = None,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
) -> PlanRecord:
    """Apply ``folder``'s binary plan, only when the record still describes it."""
    from pytest_devops.plan.load import load_plan, parse_plan
    from pytest_devops.terraform.steps import show_masked

    record = PlanRecord.read(folder)
    if record is None or not (folder / PLAN_BINARY).is_file():
        raise GateError(f"no recorded plan in {folder}",
                        hint=f"make one first: pytest-devops terraform plan --env {env.name}")
    json_path = folder / PLAN_JSON
    json_digest = load_plan(json_path).digest() if json_path.is_file() else None
    assert settings.working_dir is not None
    why = problem(record, env=env.name, digest=digest, json_digest=json_digest,
                  commit=git_commit(settings.working_dir), max_age=settings.plan_max_age)
    if why:
        raise GateError(f"refusing to apply {folder / PLAN_BINARY}: {why}",
                        hint=f"review and record a new plan: pytest-devops terraform plan "
                        f"--env {env.name}")
    confirm_or_refuse(env, confirm, "apply")
    with root_lock(folder, settings):
        tf, _ = open_root(settings, folder / DATA_DIR, progress=progress, environ=environ)
        planfile = (folder / PLAN_BINARY).resolve()
        binary_digest = parse_plan(show_masked(tf, planfile, settings, environ)).digest()
        if binary_digest != record.digest:
            raise GateError(
                f"refusing to apply {planfile}: changed plan: the binary plan has digest "
                f"{binary_digest}, the record says {record.digest}",
                hint="review and record a new plan: pytest-devops terraform plan "
                f"--env {env.name}")
        tf.apply(planfile, parallelism=settings.parallelism, extra=settings.apply_args)
    from dataclasses import replace

    done = replace(record, applied_at=now_iso())
    done.write(folder)
    return done
