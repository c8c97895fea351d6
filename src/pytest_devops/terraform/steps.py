"""The Terraform steps of an environment, the same for the plugin, the CLI and ephemeral
environments: open the root (version, init, workspace), plan into a record directory,
apply a recorded plan, destroy.

Variables from the process environment reach Terraform as ``TF_VAR_NAME`` (never on
the command line); the JSON plan written beside the binary one has every sensitive
value and every secret masked, and its digest is the one approvals bind to.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_devops.errors import GateError

if TYPE_CHECKING:
    from pytest_devops.plan.model import Plan
    from pytest_devops.plan.runner import Terraform
    from pytest_devops.redact import Redactor
    from pytest_devops.terraform.settings import TerraformSettings

__all__ = ["Made", "destroy", "mask_plan", "open_root", "plan_into", "root_lock", "show_masked"]

Progress = Callable[[str], None]
PLAN_BINARY = "tfplan"
PLAN_JSON = "plan.json"
DATA_DIR = "tf-data"


def root_lock(folder: Path, settings: TerraformSettings) -> AbstractContextManager[None]:
    """One Terraform command sequence at a time in an environment's data directory
    (between pytest-xdist workers, and between pytest and the CLI)."""
    from pytest_devops.shared import exclusive

    folder.mkdir(parents=True, exist_ok=True)
    return exclusive(folder / "terraform.lock", settings.timeout * 4 + 60,
                     busy=f"waited for {folder}: another Terraform step of this environment "
                     "is still running", hint="let it finish, or stop the other run")


@dataclass(frozen=True)
class Made:
    """A plan made into a record directory."""

    plan: Plan
    doc: dict[str, Any]
    changes: bool
    version: str


def open_root(
    settings: TerraformSettings,
    data_dir: Path,
    *,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Terraform, str]:
    """The environment's root, initialised and on its workspace, and the CLI's version
    (checked against ``terraform.version``)."""
    from pytest_devops.plan.runner import Terraform
    from pytest_devops.terraform.settings import version_allows

    if settings.working_dir is None:
        raise GateError("terraform.working_dir is not set: there is no root to run",
                        hint="set terraform.working_dir in devops.yaml")
    if not settings.working_dir.is_dir():
        raise GateError(f"terraform.working_dir {settings.working_dir} is not a directory")
    base = dict(os.environ if environ is None else environ)
    tf = Terraform(
        settings.working_dir,
        binary=settings.binary,
        env={**base, **settings.env, **settings.variables_env(base)},
        timeout=settings.timeout,
        data_dir=data_dir,
        log_dir=data_dir,
        lock_timeout=settings.lock_timeout,
        progress=progress,
        progress_interval=settings.progress_interval,
    )
    version = tf.version()
    name = Path(settings.binary).name
    if progress is not None:
        progress(f"{name} {version} ({settings.binary})")
    if settings.version and not version_allows(settings.version, version):
        raise GateError(
            f"{settings.binary} is version {version}; terraform.version requires "
            f"{settings.version}",
            hint="install a matching release or point terraform.binary at one",
        )
    if settings.init:
        tf.init(settings.backend_config)
    if settings.workspace:
        tf.workspace(settings.workspace)
    return tf, version


def mask_plan(doc: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    """``doc`` with every value Terraform marks sensitive and every secret masked.

    Sensitive input variables are masked by name (their value is not in the digest), the
    rest by value, so the same binary plan always gives the same masked JSON and digest.
    """
    from pytest_devops.plan.load import parse_plan
    from pytest_devops.redact import MASK, Redactor

    plan = parse_plan(doc, "<plan>")
    out = dict(doc)
    variables = doc.get("variables")
    if isinstance(variables, dict):
        out["variables"] = {
            name: ({**v, "value": MASK} if name in plan.sensitive_variables
                   and isinstance(v, dict) else v)
            for name, v in variables.items()
        }
    redactor = Redactor([*plan.sensitive_values(), *secrets])
    masked: dict[str, Any] = json.loads(redactor.dumps(out))
    return masked


def show_masked(tf: Terraform, planfile: Path, settings: TerraformSettings,
                environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``show -json PLANFILE`` with sensitive values and secrets masked."""
    doc = tf.show_json(planfile)
    return mask_plan(doc, settings.secrets(environ))


def plan_into(
    settings: TerraformSettings,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
) -> Made:
    """Plan the root into ``out_dir``: ``tfplan`` (binary) and ``plan.json`` (masked)."""
    from pytest_devops.atomic import write_text
    from pytest_devops.plan.load import parse_plan

    out_dir.mkdir(parents=True, exist_ok=True)
    if redactor is not None:
        redactor.add_all(settings.secrets(environ))
    with root_lock(out_dir, settings):
        tf, version = open_root(settings, out_dir / DATA_DIR, progress=progress,
                                environ=environ)
        planfile = out_dir / PLAN_BINARY
        planfile.unlink(missing_ok=True)
        (out_dir / PLAN_JSON).unlink(missing_ok=True)
        changes = tf.plan(planfile.resolve(), var_files=settings.var_files,
                          variables=settings.vars, refresh=settings.refresh,
                          parallelism=settings.parallelism, extra=settings.plan_args)
        doc = show_masked(tf, planfile.resolve(), settings, environ)
    write_text(out_dir / PLAN_JSON, json.dumps(doc, indent=1) + "\n")
    plan = parse_plan(doc, os.fspath(out_dir / PLAN_JSON))
    if redactor is not None:
        redactor.add_all(plan.sensitive_values())
    return Made(plan, doc, changes, version)


def destroy(settings: TerraformSettings, folder: Path, *, progress: Progress | None = None,
            environ: Mapping[str, str] | None = None) -> None:
    """``destroy`` with the environment's variables, in its data directory."""
    with root_lock(folder, settings):
        tf, _ = open_root(settings, folder / DATA_DIR, progress=progress, environ=environ)
        tf.destroy(var_files=settings.var_files, variables=settings.vars,
               parallelism=settings.parallelism, extra=settings.apply_args)
