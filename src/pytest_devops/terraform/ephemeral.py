"""An environment's Terraform root, deployed for verification.

Ephemeral (``ephemeral:``): the run applies it once (the first process that needs it,
under pytest-xdist too: :meth:`SharedDir.once`), applying the plan the run gated when
there is a fresh record of it, else a new recorded plan, exactly as
``pytest-devops terraform apply`` does; at the end of the run the controller destroys it
per ``ephemeral.teardown``. Long-lived: its outputs are only read.

Outputs are read by each process with ``terraform output -json`` and never written to a
file; sensitive ones are registered with the redactor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pytest_devops.errors import GateError

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_devops.cloudformation.ephemeral import Deployment, EphemeralSettings
    from pytest_devops.config import Environment
    from pytest_devops.redact import Redactor
    from pytest_devops.shared import SharedDir
    from pytest_devops.terraform.settings import TerraformSettings

__all__ = ["TerraformDeployment"]

APPLY = "terraform-apply"


class TerraformDeployment:
    """One environment's root: apply once per run, read outputs, tear down per policy."""

    def __init__(
        self,
        env: Environment,
        settings: TerraformSettings,
        ephemeral: EphemeralSettings,
        shared: SharedDir,
        folder: Path,
        *,
        redactor: Redactor,
        confirm: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.env = env
        self.settings = settings
        self.ephemeral = ephemeral
        self.shared = shared
        self.folder = folder
        self.redactor = redactor
        self.confirm = confirm
        self.progress = progress

    @property
    def _timeout(self) -> float:
        return self.settings.timeout * 6 + 60

    def deployment(self) -> Deployment:
        from pytest_devops.cloudformation.ephemeral import Deployment

        if self.ephemeral.enabled:
            done = self.shared.once(APPLY, self._apply, self._timeout)
            started = dt.datetime.fromisoformat(done["started_at"])
        else:
            started = dt.datetime.now(dt.timezone.utc)
        outputs = self._outputs()
        self.redactor.add_all(v["value"] for v in outputs.values() if v.get("sensitive"))
        where = f"{self.settings.working_dir}"
        if self.settings.workspace:
            where += f" (workspace {self.settings.workspace})"
        return Deployment(self.env.name, {k: v.get("value") for k, v in outputs.items()},
                          started, f"Terraform outputs of {where}",
                          applied=self.ephemeral.enabled)

    def _apply(self) -> dict[str, Any]:
        from pytest_devops.terraform.lifecycle import (
            apply_recorded,
            confirm_or_refuse,
            fresh_plan,
            record_plan,
        )

        confirm_or_refuse(self.env, self.confirm, "applying it in a test run")
        started = dt.datetime.now(dt.timezone.utc).isoformat()
        if fresh_plan(self.env, self.settings, self.folder) is None:
            record_plan(self.env, self.settings, self.folder, progress=self.progress,
                        redactor=self.redactor)
        record = apply_recorded(self.env, self.settings, self.folder, confirm=self.confirm,
                                progress=self.progress)
        return {"started_at": started, "digest": record.digest}

    def _outputs(self) -> dict[str, Any]:
        from pytest_devops.terraform.steps import DATA_DIR, open_root, root_lock

        with root_lock(self.folder, self.settings):
            tf, _ = open_root(self.settings, self.folder / DATA_DIR, progress=self.progress)
            return tf.output()

    def teardown(self, success: bool) -> str | None:
        """Destroy what this run applied, per policy; what was done, or ``None``."""
        from pytest_devops.terraform.steps import destroy

        applied = self.shared.read(APPLY)
        if not self.ephemeral.enabled or not applied or "ok" not in applied:
            return None
        what = f"{self.settings.working_dir}" + (
            f" workspace {self.settings.workspace}" if self.settings.workspace else "")
        if not self.ephemeral.should_tear_down(success):
            return f"kept {what} (teardown: {self.ephemeral.teardown})"
        try:
            destroy(self.settings, self.folder, progress=self.progress)
        except GateError as exc:
            left = self._left_behind()
            raise GateError(f"destroying {what} failed; left behind: {left}\n{exc}",
                            hint="destroy it by hand: pytest-devops terraform destroy --env "
                            f"{self.env.name}") from None
        return f"destroyed {what}"

    def _left_behind(self) -> str:
        from pytest_devops.terraform.steps import DATA_DIR, open_root, root_lock

        try:
            with root_lock(self.folder, self.settings):
                tf, _ = open_root(self.settings, self.folder / DATA_DIR)
                listed = tf.run([tf.binary, "state", "list"]).stdout.split()
        except GateError as exc:
            return f"(the state could not be listed: {exc.message})"
        return ", ".join(sorted(listed)) or "(nothing in the state)"
