"""Run the environment's plan-stage gates on the real plan and on each mutant.

Every run is an ordinary ``pytest --devops-stage plan`` of the project with the
``pytest_devops.canary.inject`` plugin: the same collection, the same built-in and user
gates, the same report. Only the plan (and, for the security mutant, what the scan
reads) differs.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_devops.canary.inject import PLAN_KEY, SPEC_VAR, load, save
from pytest_devops.canary.model import CanaryResult, judge
from pytest_devops.canary.mutants import MUTANTS
from pytest_devops.errors import DevopsError

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.redact import Redactor

TIMEOUT = 1800.0


@dataclass(frozen=True)
class Project:
    """Where and how the project's pytest runs."""

    env: str
    config: Path
    cwd: Path
    args: tuple[str, ...] = ()
    timeout: float = TIMEOUT


def _pytest(project: Project, spec: Mapping[str, Any], work: Path, name: str,
            redactor: Redactor) -> dict[str, Any]:
    spec_path = work / f"{name}.spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    report = work / f"{name}.report.json"
    cmd = [sys.executable, "-m", "pytest", f"--devops-env={project.env}",
           f"--devops-config={project.config}", "--devops-stage=plan",
           f"--devops-report={report}", "-p", "pytest_devops.canary.inject", "-q",
           "--no-header", "-p", "no:randomly", *project.args]
    env = {**os.environ, SPEC_VAR: str(spec_path)}
    env.pop("PYTEST_ADDOPTS", None)
    try:
        proc = subprocess.run(cmd, cwd=project.cwd, env=env, capture_output=True, text=True,
                              timeout=project.timeout, check=False)
    except subprocess.TimeoutExpired:
        raise DevopsError(f"canary run {name}: pytest did not finish within "
                          f"{project.timeout:.0f}s") from None
    if not report.is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
        raise DevopsError(f"canary run {name}: pytest exited {proc.returncode} without a "
                          f"gate report:\n{redactor.redact(tail)}")
    doc: dict[str, Any] = json.loads(report.read_text("utf-8"))
    return doc


def cost_factor(env: Environment, baseline: Mapping[str, Any]) -> int:
    """How many extra copies of the plan's resources put its cost past the budget."""
    from pytest_devops.cost.settings import cost_settings

    limits = cost_settings(env).budget.limits()
    money = [v for k, v in limits.items() if k in ("monthly_max", "monthly_increase_max")]
    after = Decimal(str((baseline.get("cost") or {}).get("monthly_after") or 0))
    if not money or after <= 0:
        return 2
    return max(2, min(50, math.ceil(max(money) / after) + 1))


def _applies(name: str, env: Environment) -> bool:
    if name == "public":
        return bool(env.section("security"))
    if name == "terraform-test":
        return bool(env.section("terraform").get("test"))
    return True


def _project_copy(project: Project, env: Environment, scratch: Path) -> Project:
    """The project copied, its Terraform outputs mutated (the terraform-test mutant)."""
    from pytest_devops.canary.tftest import mutated_copy

    try:
        rel = project.config.resolve().relative_to(project.cwd.resolve())
    except ValueError:
        raise DevopsError(f"canary run terraform-test: the config {project.config} is not "
                          f"under {project.cwd}, which is copied") from None
    working_dir = env.path(env.section("terraform").get("working_dir", "."))
    if mutated_copy(project.cwd, working_dir, scratch / "project") == 0:
        raise DevopsError("canary run terraform-test: no output under "
                          f"{working_dir} to mutate")
    return replace(project, cwd=scratch / "project", config=scratch / "project" / rel)


def mutant_names(env: Environment, only: Sequence[str] = ()) -> list[str]:
    names = [n for n in MUTANTS if _applies(n, env)]
    unknown = [n for n in only if n not in MUTANTS]
    if unknown:
        raise DevopsError(f"unknown mutant {', '.join(unknown)}; choose from "
                          f"{', '.join(MUTANTS)}")
    return [n for n in names if not only or n in only]


def run_mutants(project: Project, env: Environment, values: dict[str, Any],
                baseline: Mapping[str, Any],
                redactor: Redactor, only: Sequence[str] = ()) -> CanaryResult:
    """Judge ``baseline`` (the real plan's gate report) against a run per mutant."""
    names = mutant_names(env, only)
    runs: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    params = {"factor": cost_factor(env, baseline)}
    with tempfile.TemporaryDirectory(prefix="devops-canary-") as tmp:
        work = Path(tmp)
        save(values, work / "plan.pickle")
        for name in names:
            scratch = work / name
            scratch.mkdir()
            spec = {"mode": "mutate", "mutant": name, "plan": str(work / "plan.pickle"),
                    "params": params, "scratch": str(scratch)}
            try:
                where = (_project_copy(project, env, scratch) if name == "terraform-test"
                         else project)
                runs[name] = _pytest(where, spec, work, name, redactor)
            except DevopsError as exc:
                errors.append(str(exc))
    result = judge(project.env, baseline, runs, {n: MUTANTS[n].description for n in names})
    result.errors.extend(errors)
    return result


def canary(project: Project, redactor: Redactor, only: Sequence[str] = ()) -> CanaryResult:
    """The baseline run (the environment's real plan, recorded), then every mutant."""
    from pytest_devops.config import load_environment

    env = load_environment(project.config, project.env)
    redactor.add_env(env.redact_env)
    with tempfile.TemporaryDirectory(prefix="devops-canary-base-") as tmp:
        work = Path(tmp)
        spec = {"mode": "record", "plan": str(work / "plan.pickle")}
        baseline = _pytest(project, spec, work, "baseline", redactor)
        values = load(work / "plan.pickle") if (work / "plan.pickle").is_file() else {}
        if PLAN_KEY not in values:
            raise DevopsError(
                f"canary: the plan-stage run of environment {project.env} never loaded a "
                "plan (no plan gate ran); configure terraform: or cloudformation: and a gate")
    redactor.add_all(values[PLAN_KEY].sensitive_values())
    return run_mutants(project, env, values, baseline, redactor, only)
