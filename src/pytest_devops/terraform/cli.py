"""``pytest-devops terraform plan|apply|destroy --env NAME``: the lifecycle from the
``terraform:`` section of ``devops.yaml``, exactly as the plugin plans it.

Progress goes to stderr (a line every ``terraform.progress_interval`` seconds while a
step runs); results to stdout. Every line is masked by the environment's redactor.
Exit 0 on success (with changes or none), 2 on any error or refusal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.redact import Redactor
    from pytest_devops.terraform.settings import TerraformSettings

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from pytest_devops.cli import add_env_actions

    actions = add_env_actions(parser, {
        "plan": "make and record the plan of an environment (.devops/plans/NAME/)",
        "apply": "apply the recorded plan, only when its digest, environment and commit match",
        "destroy": "destroy what the environment's root manages (ephemeral environments)",
    })
    for action, cmd in actions.items():
        cmd.add_argument("--root", metavar="DIR",
                         help="plan this root module instead of terraform.working_dir (a root "
                         "of a monorepo's roots:), with the environment's other settings")
        cmd.add_argument("--dir", metavar="DIR",
                         help="where plans are recorded (default: .devops/plans beside the "
                         "config); the environment's plan is DIR/NAME")
        if action == "plan":
            cmd.add_argument("--format", choices=("text", "json"), default="text",
                             help="text (ends with the digest) or json (the record)")
        else:
            cmd.add_argument("--confirm-apply", metavar="NAME",
                             help="confirm a protected environment by name "
                             "(also $PYTEST_DEVOPS_CONFIRM_APPLY)")
    actions["apply"].add_argument("--digest", metavar="sha256:...",
                                  help="apply only when the recorded plan has this digest")


class _Out:
    """Masked, flushed output; progress with the time since the command started."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.start = time.monotonic()

    def progress(self, text: str) -> None:
        took = time.monotonic() - self.start
        print(self.redactor.redact(f"[{took:6.1f}s] {text}"), file=sys.stderr, flush=True)

    def line(self, text: str) -> None:
        print(self.redactor.redact(text), flush=True)


def _load(args: argparse.Namespace) -> tuple[Environment, TerraformSettings, Path, _Out]:
    from pytest_devops.config import load_environment
    from pytest_devops.errors import ConfigError
    from pytest_devops.redact import Redactor
    from pytest_devops.terraform.record import plans_dir
    from pytest_devops.terraform.settings import check_environment

    path = Path(args.config).resolve()
    env = load_environment(path, args.env)
    settings = check_environment(env)
    redactor = Redactor()
    redactor.add_env(env.redact_env)
    redactor.add_all(settings.secrets())
    if getattr(args, "root", None):
        import dataclasses

        root = Path(args.root).resolve()
        if not root.is_dir():
            raise ConfigError(f"--root {args.root} is not a directory",
                              hint="give a Terraform root module directory")
        settings = dataclasses.replace(settings, working_dir=root)
    if settings.working_dir is None:
        raise ConfigError(
            f"environment {env.name} has no terraform.working_dir: nothing to {args.action}",
            file=str(path), key=f"environments.{env.name}.terraform.working_dir",
            hint="set the Terraform root directory, relative to the config file")
    folder = plans_dir(path, env.name, Path(args.dir).resolve() if args.dir else None)
    return env, settings, folder, _Out(redactor)


def run(args: argparse.Namespace) -> int:
    from pytest_devops.errors import DevopsError

    env, settings, folder, out = _load(args)
    try:
        return _run(args, env, settings, folder, out)
    except DevopsError as exc:  # masked with this environment's secrets too
        print(out.redactor.redact(f"pytest-devops terraform: error: {exc}"), file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, env: Environment, settings: TerraformSettings,
         folder: Path, out: _Out) -> int:
    confirm = getattr(args, "confirm_apply", None) or os.environ.get("PYTEST_DEVOPS_CONFIRM_APPLY")
    if args.action == "plan":
        return _plan(env, settings, folder, out, args.format)
    if args.action == "apply":
        from pytest_devops.terraform.lifecycle import apply_recorded

        out.progress(f"terraform apply: environment {env.name}, plan {folder}")
        record = apply_recorded(env, settings, folder, digest=args.digest, confirm=confirm,
                                progress=out.progress)
        out.line(f"applied {record.digest} to environment {env.name}")
        return 0
    from pytest_devops.terraform.lifecycle import confirm_or_refuse
    from pytest_devops.terraform.steps import destroy

    confirm_or_refuse(env, confirm, "destroy")
    out.progress(f"terraform destroy: environment {env.name}")
    destroy(settings, folder, progress=out.progress)
    out.line(f"destroyed environment {env.name} ({settings.working_dir})")
    return 0


def _plan(env: Environment, settings: TerraformSettings, folder: Path, out: _Out,
          fmt: str) -> int:
    from pytest_devops.terraform.lifecycle import record_plan

    out.progress(f"terraform plan: environment {env.name}"
                 + (f", workspace {settings.workspace}" if settings.workspace else ""))
    record, _ = record_plan(env, settings, folder, progress=out.progress,
                               redactor=out.redactor)
    if fmt == "json":
        out.line(json.dumps(record.to_dict(), indent=2))
        return 0
    counts = record.counts
    summary = ", ".join(f"{counts.get(k, 0)} to {k}" for k in ("create", "update", "delete",
                                                               "replace"))
    out.line(f"environment {env.name}: {'changes' if record.changes else 'no changes'} "
             f"({summary})")
    out.line(f"recorded in {folder} (tfplan, plan.json, record.json)")
    out.line(f"digest {record.digest}")
    return 0
