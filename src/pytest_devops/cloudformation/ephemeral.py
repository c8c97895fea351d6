"""Plan, apply, verify and tear down one environment, once per test run.

An environment with an ``ephemeral:`` section is *applied by the test session*: the
first process that needs it executes the session's change set, the others read the
outputs it wrote, and the environment is torn down at the end of the run per
``ephemeral.teardown`` (``always``, ``on_success``, ``never``). Any other environment
is long-lived: it is verified, never applied by tests. A protected environment
refuses any apply unless the run confirms it by name.

Under pytest-xdist every worker shares one directory keyed by the run's
``testrunuid`` (see :mod:`pytest_devops.shared`); the controller (or the single
process without xdist) tears down after every worker has finished.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_devops.cloudformation.options import CONFIRM_ENV
from pytest_devops.errors import ConfigError, GateError

if TYPE_CHECKING:
    from pytest_devops.aws.session import AwsSession
    from pytest_devops.cloudformation.changeset import CloudFormation
    from pytest_devops.cloudformation.model import ChangeSetPlan
    from pytest_devops.config import Environment
    from pytest_devops.redact import Redactor
    from pytest_devops.shared import SharedDir

TEARDOWN = ("always", "on_success", "never")
OUTPUT_PREFIX = "output:"


@dataclass(frozen=True)
class EphemeralSettings:
    enabled: bool = False
    teardown: str = "always"

    @classmethod
    def from_section(cls, raw: Mapping[str, Any] | None) -> EphemeralSettings:
        """``None`` (no section): long-lived. ``{}`` (``ephemeral: {}``): ephemeral."""
        if raw is None:
            return cls()
        return cls(enabled=bool(raw.get("enabled", True)), teardown=raw.get("teardown", "always"))

    @classmethod
    def of(cls, env: Environment) -> EphemeralSettings:
        return cls.from_section(env.section("ephemeral") if "ephemeral" in env.sections
                                else None)

    def should_tear_down(self, success: bool) -> bool:
        return self.teardown == "always" or (self.teardown == "on_success" and success)


@dataclass(frozen=True)
class Deployment:
    """What verification reads: the deployed environment's outputs and when it changed."""

    env: str
    outputs: Mapping[str, Any]
    started_at: dt.datetime
    source: str
    applied: bool = False  # applied by this test run
    actions: tuple[str, ...] = field(default=(), compare=False)

    def output(self, name: str) -> Any:
        try:
            return self.outputs[name]
        except KeyError:
            known = ", ".join(sorted(self.outputs)) or "(none)"
            raise GateError(f"{self.source} has no output {name!r}; outputs: {known}") from None

    def resolve(self, value: Any) -> Any:
        """``"output:NAME"`` -> that output's value; anything else unchanged."""
        if isinstance(value, str) and value.startswith(OUTPUT_PREFIX):
            return self.output(value[len(OUTPUT_PREFIX):])
        return value

    def to_dict(self) -> dict[str, Any]:
        return {"env": self.env, "outputs": dict(self.outputs), "source": self.source,
                "started_at": self.started_at.isoformat(), "applied": self.applied,
                "actions": list(self.actions)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Deployment:
        return cls(env=d["env"], outputs=d["outputs"], source=d["source"],
                   started_at=dt.datetime.fromisoformat(d["started_at"]),
                   applied=d["applied"], actions=tuple(d.get("actions", ())))


def confirmed(env: Environment, confirm: str | None) -> bool:
    """Whether an apply to ``env`` may go ahead (always, unless it is protected)."""
    return not env.protected or (confirm or "") == env.name


class Lifecycle:
    """One environment's plan -> apply -> verify -> teardown for one test run."""

    def __init__(
        self,
        env: Environment,
        session: AwsSession,
        shared: SharedDir,
        *,
        cfn: CloudFormation | None = None,
        change_set: str | None = None,
        confirm: str | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.env = env
        self.session = session
        self.shared = shared
        self.cfn = cfn
        self.change_set = change_set
        self.confirm = confirm
        self.redactor = redactor
        self.ephemeral = EphemeralSettings.of(env)
        self._timeout = 60.0 * (cfn.settings.timeout_minutes if cfn else 30)

    # -- plan -------------------------------------------------------------------------

    def plan(self) -> ChangeSetPlan:
        """The run's change set: the one named by ``--devops-change-set``, else one
        created once for the whole run."""
        cfn = self._require_cfn("plan")
        if self.change_set:
            return cfn.describe(self.change_set)

        def create() -> dict[str, Any]:
            created = cfn.plan()
            return {"id": created.change_set_id, "type": created.change_set_type,
                    "created_stack": created.change_set_type == "CREATE"}

        info = self.shared.once("plan", create, self._timeout)
        return cfn.describe(info["id"], kind=info["type"])

    # -- apply / verify ---------------------------------------------------------------

    def deployment(self) -> Deployment:
        """The deployed environment: applied first when ephemeral, else only read."""
        if self.ephemeral.enabled:
            data = self.shared.once("apply", lambda: self._apply().to_dict(), self._timeout)
        else:
            data = self.shared.once("read", lambda: self._read().to_dict(), self._timeout)
        outputs_file = self.session.settings.outputs_file
        if self.redactor is not None and outputs_file:
            self.redactor.add_all(sensitive_terraform_outputs(self.env.path(outputs_file)))
        return Deployment.from_dict(data)

    def _apply(self) -> Deployment:
        cfn = self._require_cfn("apply")
        if not confirmed(self.env, self.confirm):
            raise GateError(
                f"environment {self.env.name} is protected: tests do not apply it without "
                "confirmation",
                hint=f"pass --devops-confirm-apply={self.env.name} or set "
                f"{CONFIRM_ENV}={self.env.name}",
            )
        plan = self.plan()
        started = dt.datetime.now(dt.timezone.utc)
        if plan.no_changes:
            return self._read(note="nothing to apply: ")
        if plan.execution_status == "EXECUTE_COMPLETE":
            return self._read()  # the pipeline's apply step executed it: verify only
        cfn.execute(plan)
        actions: tuple[str, ...] = ()
        if self.session.settings.emulator == "moto":
            from pytest_devops.aws.emulator import complete_stack

            actions = tuple(complete_stack(self.session, cfn.settings.stack_name, plan.template))
        return Deployment(self.env.name, cfn.outputs(), started,
                          f"stack {cfn.settings.stack_name}", applied=True, actions=actions)

    def _read(self, note: str = "") -> Deployment:
        aws = self.session.settings
        if aws.outputs_file:
            return _terraform_outputs(self.env, self.env.path(aws.outputs_file))
        cfn = self._require_cfn("verify")
        stack = cfn.stack()
        if stack is None:
            raise GateError(
                f"{note}stack {cfn.settings.stack_name} does not exist in {self.session.region}",
                hint="long-lived environments are verified, never applied by tests: deploy "
                "it first, or mark the environment `ephemeral:`",
            )
        when = stack.get("LastUpdatedTime") or stack["CreationTime"]
        return Deployment(self.env.name, cfn.outputs(), when,
                          f"stack {cfn.settings.stack_name}")

    # -- teardown ---------------------------------------------------------------------

    def teardown(self, success: bool) -> str | None:
        """Tear down what this run applied, per policy. Returns what was done."""
        if not self.ephemeral.enabled or self.cfn is None:
            return None
        applied = self.shared.read("apply")
        planned = self.shared.read("plan")
        owned = (applied and applied.get("ok", {}).get("applied")) or (
            planned and planned.get("ok", {}).get("created_stack"))
        if not owned:
            return None
        if not self.ephemeral.should_tear_down(success):
            policy = self.ephemeral.teardown
            return f"kept stack {self.cfn.settings.stack_name} (teardown: {policy})"
        self.cfn.destroy()
        return f"deleted stack {self.cfn.settings.stack_name}"

    def _require_cfn(self, what: str) -> CloudFormation:
        if self.cfn is None:
            raise ConfigError(
                f"cannot {what} environment {self.env.name}: it has no `cloudformation:` section",
                file=str(self.env.config_file), key=f"environments.{self.env.name}",
            )
        return self.cfn


def _terraform_outputs(env: Environment, path: Path) -> Deployment:
    """``terraform output -json`` -> a deployment (sensitive values stay in the mapping;
    the caller registers them with the redactor)."""
    try:
        doc = json.loads(path.read_text("utf-8"))
        stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except (OSError, ValueError) as exc:
        raise GateError(f"cannot read Terraform outputs {path}: {exc}",
                        hint="write it with `terraform output -json > FILE` after apply") from None
    if not isinstance(doc, dict):
        raise GateError(f"{path}: expected `terraform output -json` (a mapping)")
    outputs = {k: v.get("value") if isinstance(v, dict) and "value" in v else v
               for k, v in doc.items()}
    return Deployment(env.name, outputs, stamp, f"Terraform outputs {path.name}")


def sensitive_terraform_outputs(path: Path) -> list[Any]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [v.get("value") for v in doc.values() if isinstance(v, dict) and v.get("sensitive")]
