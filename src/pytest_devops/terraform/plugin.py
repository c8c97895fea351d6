"""Terraform feature plugin: the ``terraform:`` section checked at configure time, the
deployed root for post-deploy gates (applied once per run and destroyed per policy when
the environment is ephemeral), and ``terraform test`` as the plan gate
``terraform.test``.

Imports only the standard library, pytest and light pytest_devops modules at load.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.context import GateContext
from pytest_devops.runid import RunId
from pytest_devops.terraform.settings import check_environment

if TYPE_CHECKING:
    from pytest_devops.cloudformation.ephemeral import Deployment
    from pytest_devops.config import Environment
    from pytest_devops.gates import BuiltinGate
    from pytest_devops.terraform.ephemeral import TerraformDeployment
    from pytest_devops.terraform.settings import TerraformSettings
    from pytest_devops.terraform.tftest import TestRun

RUNTIME: pytest.StashKey[_Runtime] = pytest.StashKey()
TEST_RUNS: pytest.StashKey[list[TestRun]] = pytest.StashKey()


class _Runtime:
    """The session's Terraform side: its deployment, the run id shared with workers and
    what teardown did."""

    def __init__(self, config: pytest.Config, env: Environment,
                 settings: TerraformSettings) -> None:
        run = RunId.of(config)
        self.config = config
        self.env = env
        self.settings = settings
        self.is_worker = run.is_worker
        self.testrunuid: str | None = run.testrunuid
        self.note: str | None = None
        self._deployment: TerraformDeployment | None = None

    @property
    def ephemeral(self) -> bool:
        from pytest_devops.cloudformation.ephemeral import EphemeralSettings

        return EphemeralSettings.of(self.env).enabled

    def deployment(self) -> TerraformDeployment:
        if self._deployment is None:
            from pytest_devops.cloudformation.ephemeral import EphemeralSettings
            from pytest_devops.shared import SharedDir
            from pytest_devops.terraform.ephemeral import TerraformDeployment
            from pytest_devops.terraform.lifecycle import CONFIRM_ENV
            from pytest_devops.terraform.progress import progress_writer
            from pytest_devops.terraform.record import plans_dir

            opt = self.config.option
            self._deployment = TerraformDeployment(
                self.env, self.settings, EphemeralSettings.of(self.env),
                SharedDir(RunId.shared_dir(self.config, "devops-run")
                          / f"terraform-{self.env.name}"),
                plans_dir(self.env.config_file, self.env.name),
                redactor=GateContext.of(self.config).redactor,
                confirm=opt.devops_confirm_apply or os.environ.get(CONFIRM_ENV) or None,
                progress=progress_writer(self.config),
            )
        return self._deployment


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    ctx = GateContext.find(config)
    if ctx is None or not ({"terraform", "ephemeral"} & set(ctx.env.sections)):
        return
    settings = ctx.settings(check_environment)  # parsed (and checked) by the core already
    if settings.working_dir is not None:
        config.stash[RUNTIME] = _Runtime(config, ctx.env, settings)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the xdist controller: the run's id, so teardown finds what the workers applied."""
    rt = node.config.stash.get(RUNTIME, None)
    if rt is not None:
        rt.testrunuid = node.workerinput["testrunuid"]


def _answers(env: Environment) -> bool:
    """Whether this feature says what is deployed: a Terraform root that is ephemeral, or
    one that is verified without a CloudFormation stack or an outputs file."""
    if env.section("cloudformation"):
        return False
    return not (env.section("aws") or {}).get("outputs_file")


@pytest.hookimpl
def pytest_devops_deployment(env: Environment, config: pytest.Config) -> Deployment | None:
    rt = config.stash.get(RUNTIME, None)
    if rt is None or not _answers(env):
        return None
    return rt.deployment().deployment()


def pytest_report_header(config: pytest.Config) -> str | None:
    rt = config.stash.get(RUNTIME, None)
    if rt is None or rt.is_worker or not rt.ephemeral:
        return None
    from pytest_devops.cloudformation.ephemeral import EphemeralSettings

    policy = EphemeralSettings.of(rt.env).teardown
    return (f"devops terraform: ephemeral: applied once by this run, destroyed after it "
            f"(teardown: {policy})")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    rt = session.config.stash.get(RUNTIME, None)
    if rt is None or rt.is_worker or not rt.ephemeral:
        return
    from pytest_devops.errors import GateError

    deployment = rt.deployment()
    try:
        rt.note = deployment.teardown(success=int(exitstatus) == 0)
    except GateError as exc:
        rt.note = f"TEARDOWN FAILED: {exc}"
        if int(exitstatus) == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    finally:
        deployment.shared.remove()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    rt = config.stash.get(RUNTIME, None)
    if rt is not None and rt.note:
        terminalreporter.write_line(
            GateContext.of(config).redactor.redact(f"devops terraform: {rt.note}"),
            red=rt.note.startswith("TEARDOWN FAILED"))


@pytest.hookimpl
def pytest_devops_report(report: dict[str, Any], config: pytest.Config) -> None:
    rt = config.stash.get(RUNTIME, None)
    if rt is not None and rt.note:
        report["teardown"] = rt.note
    if rt is not None and rt.settings.test:
        import json

        # Written by whichever process ran the gate (an xdist worker, perhaps).
        path = _runs_file(rt)
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return
        if doc.get("session") == _session_id(config):
            report["terraform_test"] = doc["runs"]


def _test_gate(config: pytest.Config, ctx: GateContext) -> None:
    from pytest_devops.terraform.record import plans_dir
    from pytest_devops.terraform.tftest import judge, run_tests

    rt = config.stash[RUNTIME]

    def make() -> list[TestRun]:
        from pytest_devops.terraform.progress import progress_writer

        return run_tests(rt.settings, plans_dir(rt.env.config_file, rt.env.name),
                         progress_writer(config))

    runs = ctx.cached(TEST_RUNS, make)
    from pytest_devops.atomic import write_text

    doc = {"session": _session_id(config), "runs": [r.to_dict() for r in runs]}
    write_text(_runs_file(rt), ctx.redactor.dumps(doc) + "\n")
    judge(runs)


def _runs_file(rt: _Runtime) -> Path:
    from pytest_devops.terraform.record import plans_dir

    return plans_dir(rt.env.config_file, rt.env.name) / "terraform-test.json"


def _session_id(config: pytest.Config) -> str:
    """The same for the controller and every worker of one run."""
    run = RunId.of(config)
    if run.testrunuid is not None:
        return run.testrunuid
    rt = config.stash.get(RUNTIME, None)
    return (rt.testrunuid if rt is not None and rt.testrunuid else None) or str(id(config))


@pytest.hookimpl
def pytest_devops_builtin_gates(env: Environment, config: pytest.Config) -> list[BuiltinGate]:
    rt = config.stash.get(RUNTIME, None)
    if rt is None or not rt.settings.test:
        return []
    from functools import partial

    from pytest_devops.gates import BuiltinGate

    return [BuiltinGate(name="terraform.test", kind="plan", run=partial(_test_gate, config),
                        description="`terraform test` passes (each run block)")]
