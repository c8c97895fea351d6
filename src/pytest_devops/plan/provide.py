"""The plan of an environment: from ``--devops-plan`` / ``PYTEST_DEVOPS_PLAN``, from
``terraform.plan_file``, from a fresh record in ``.devops/plans/NAME/``, or made.

A plan is made the way ``pytest-devops terraform plan`` makes it (the same code, the
same record), once per run: the first pytest-xdist worker to get the lock plans, the
others read its result (or its error). A source may be a JSON plan or a binary one
(read with the configured Terraform). Sensitive values are registered with the
redactor the moment the plan is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_devops.errors import GateError
from pytest_devops.plan.load import load_plan
from pytest_devops.plan.model import Plan
from pytest_devops.plan.settings import TerraformSettings, terraform_settings
from pytest_devops.redact import Redactor

if TYPE_CHECKING:
    from pytest_devops.config import Environment

__all__ = ["PlanSource", "load_source", "make_plan", "plan_for", "source_of"]

Progress = Callable[[str], None]
_ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class PlanSource:
    """Where the plan comes from, as the report header says it."""

    kind: str  # "file" (a given plan), "made" (planned into the record), "none"
    path: Path | None
    origin: str  # --devops-plan, PYTEST_DEVOPS_PLAN, terraform.plan_file, terraform.working_dir
    reader: str | None = None  # the CLI that reads a binary plan

    def describe(self) -> str:
        if self.kind == "file" and self.reader:
            return f"{self.path} (from {self.origin}; a binary plan, read with {self.reader})"
        if self.kind == "file":
            return f"{self.path} (from {self.origin})"
        if self.kind == "made":
            return f"made from {self.origin}, recorded in {self.path}"
        return "none (set terraform.working_dir or terraform.plan_file)"


def source_of(env: Environment, override: tuple[str, str] | None,
              settings: TerraformSettings | None = None) -> PlanSource:
    """``override`` is ``(path, origin)`` from ``--devops-plan`` or its variable."""
    from pytest_devops.terraform.record import plans_dir

    settings = settings or terraform_settings(env)
    if override is not None:
        path = Path(override[0]).expanduser().absolute()
        return PlanSource("file", path, override[1], _reader(path, settings))
    if settings.plan_file is not None:
        return PlanSource("file", settings.plan_file, "terraform.plan_file",
                          _reader(settings.plan_file, settings))
    if settings.working_dir is not None:
        return PlanSource("made", plans_dir(env.config_file, env.name),
                          f"terraform.working_dir {settings.working_dir}")
    return PlanSource("none", None, "")


def _is_binary(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == _ZIP
    except OSError:
        return False


def _reader(path: Path, settings: TerraformSettings) -> str | None:
    return settings.binary if _is_binary(path) else None


def plan_for(
    env: Environment, redactor: Redactor, shared_dir: Callable[[], Path], worker: str,
    *, override: tuple[str, str] | None = None, progress: Progress | None = None,
) -> Plan:
    """The environment's plan, its sensitive values registered with ``redactor``.

    ``shared_dir`` gives the directory the run's processes share (asked only when the
    plan is made).
    """
    settings = terraform_settings(env)
    redactor.add_all(settings.secrets())
    source = source_of(env, override, settings)
    if source.kind == "file":
        assert source.path is not None
        plan = load_source(source.path, env, settings, progress=progress)
    elif source.kind == "made":
        assert source.path is not None
        plan = make_plan(settings, shared_dir(), worker, env=env, folder=source.path,
                         progress=progress)
    else:
        where = env.config_file or "devops.yaml"
        raise GateError(
            f"environment {env.name} has no plan: set terraform.plan_file (the output of "
            f"`terraform show -json`) or terraform.working_dir in {where}, or pass "
            "--devops-plan PATH",
            hint="environments:\n    " + env.name + ":\n      terraform:\n"
            "        working_dir: infra",
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


def load_source(path: Path, env: Environment, settings: TerraformSettings, *,
                progress: Progress | None = None) -> Plan:
    """A JSON plan as it is; a binary plan through ``show -json`` of the configured CLI."""
    if not _is_binary(path):
        return load_plan(path)  # JSON, or says what is wrong with the path
    from pytest_devops.plan.load import parse_plan
    from pytest_devops.terraform.record import plans_dir
    from pytest_devops.terraform.steps import DATA_DIR, open_root, root_lock, show_masked

    if settings.working_dir is None:
        raise GateError(
            f"{path} is a binary plan: reading it needs the root it was made from",
            hint="set terraform.working_dir (the plan is read with `terraform show -json`), "
            "or pass the JSON plan instead")
    folder = plans_dir(env.config_file, env.name)
    with root_lock(folder, settings):
        tf, version = open_root(settings, folder / DATA_DIR, progress=progress)
        doc = show_masked(tf, path.resolve(), settings)
    return parse_plan(doc, f"{path} (binary plan, read with {settings.binary} {version})")


def make_plan(settings: TerraformSettings, shared_dir: Path, worker: str, *,
              env: Environment, folder: Path, progress: Progress | None = None) -> Plan:
    """Reuse a fresh record of ``folder``, else plan into it; once per run.

    A failure is recorded too: the other workers report the first worker's error instead
    of each running Terraform again (and waiting out its timeout again).
    """
    from pytest_devops.shared import SharedDir

    def compute() -> dict[str, Any]:
        from pytest_devops.terraform.lifecycle import fresh_plan, record_plan

        found = fresh_plan(env, settings, folder)
        if found is not None:
            return {"reused": True, "digest": found[0].digest, "created_at": found[0].created_at}
        record, _ = record_plan(env, settings, folder, progress=progress)
        return {"reused": False, "digest": record.digest, "created_at": record.created_at}

    made = SharedDir(shared_dir).once(
        f"plan-{env.name}", compute,
        # The holder's Terraform is bounded by the same timeout; a little more for init.
        timeout=settings.timeout * 4 + 60,
    )
    how = "the recorded plan" if made["reused"] else "planned"
    plan = load_plan(folder / "plan.json")
    plan.source = f"{folder / 'plan.json'} ({how}, made at {made['created_at']})"
    return plan
