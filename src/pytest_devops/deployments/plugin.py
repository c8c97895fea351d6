"""After a verified apply (an ``apply`` or ``promote`` stage whose gates all passed), write
``.devops/deployments/ENV.json`` and ``.devops/deployments/ENV/DEPLOYED.md`` beside the
config file. Imports only the standard library and pytest at load."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_devops.context import GateContext, session_redactor
from pytest_devops.runid import RunId

if TYPE_CHECKING:
    from pytest_devops.config import Environment
    from pytest_devops.deployments.model import DeploymentRecord

NOTE = pytest.StashKey[str]()
DIR = Path(".devops") / "deployments"


def record_paths(env: Environment) -> tuple[Path, Path]:
    base = (env.config_file.parent if env.config_file else env.root) / DIR
    return base / f"{env.name}.json", base / env.name / "DEPLOYED.md"


def _terraform_state(env: Environment) -> dict[str, Any] | None:
    conf = env.section("conformance")
    if conf.get("state_file"):
        doc: dict[str, Any] = json.loads(env.path(conf["state_file"]).read_text("utf-8"))
        return doc
    tf = env.section("terraform")
    if not tf.get("working_dir"):
        return None
    wd = env.path(tf["working_dir"])
    extra = {"TF_WORKSPACE": tf["workspace"]} if tf.get("workspace") else {}
    proc = subprocess.run([tf.get("binary", "terraform"), f"-chdir={wd}", "show", "-json"],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, **extra})
    if proc.returncode != 0:
        return None
    state: dict[str, Any] = json.loads(proc.stdout or "{}")
    return state if state.get("values") else None


def _digest(config: pytest.Config, env: Environment) -> str | None:
    from pytest_devops.plan.keys import PLAN

    plan = config.stash.get(PLAN, None)
    if plan is not None:
        return str(plan.digest())
    record = (env.config_file.parent if env.config_file else env.root) / ".devops" / \
        "plans" / env.name / "record.json"
    try:
        return str(json.loads(record.read_text("utf-8"))["digest"])
    except (OSError, ValueError, KeyError):
        return None


def build(config: pytest.Config, outcome: str) -> DeploymentRecord | None:
    """The record of what the environment runs now (``None``: nothing deployed to list)."""
    from pytest_devops.deployments.collect import from_stack, from_state
    from pytest_devops.deployments.model import DeploymentRecord
    from pytest_devops.evidence.collect import commit

    ctx = GateContext.of(config)
    env = ctx.env
    region = env.section("aws").get("region")
    cfn = env.section("cloudformation")
    if cfn.get("stack_name"):
        from pytest_devops.aws.keys import AWS
        from pytest_devops.cloudformation.keys import DEPLOYMENT

        client = ctx.get(AWS).session().client("cloudformation")
        deployment = ctx.peek(DEPLOYMENT)
        known = getattr(deployment, "outputs", None)
        resources, outputs, _ = from_stack(client, cfn["stack_name"], region, known)
        source = f"CloudFormation stack {cfn['stack_name']}"
    else:
        tf_state = _terraform_state(env)
        if tf_state is None:
            return None
        resources, outputs = from_state(tf_state, region)
        source = "Terraform state" + (f" (workspace {env.section('terraform')['workspace']})"
                                      if env.section("terraform").get("workspace") else "")
    return DeploymentRecord(
        env=env.name, deployed_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        source=source, gate_outcome=outcome, resources=tuple(resources), outputs=outputs,
        region=region, commit=commit(env.root), plan_digest=_digest(config, env))


def write(config: pytest.Config, record: DeploymentRecord) -> tuple[Path, Path]:
    from pytest_devops.atomic import write_text
    from pytest_devops.deployments.model import DeploymentRecord
    from pytest_devops.deployments.render import markdown

    ctx = GateContext.of(config)
    masked = DeploymentRecord.from_dict(ctx.redactor.redact_obj(record.to_dict()))
    data, human = record_paths(ctx.env)
    write_text(data, json.dumps(masked.to_dict(), indent=2) + "\n")
    write_text(human, ctx.redactor.redact(markdown(masked)))
    return data, human


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, Any, Any]:
    result = yield
    config = session.config
    ctx = GateContext.find(config)
    if RunId.of(config).is_worker or ctx is None or ctx.stage not in ("apply", "promote"):
        return result
    if not (ctx.env.section("cloudformation") or ctx.env.section("terraform")):
        return result
    outcome = ctx.report.outcome(int(session.exitstatus))
    if outcome != "pass":
        config.stash[NOTE] = f"not recorded: the {ctx.stage} gates did not pass ({outcome})"
        return result
    from pytest_devops.errors import DevopsError

    try:
        record = build(config, outcome)
        if record is None:
            config.stash[NOTE] = "not recorded: no stack or Terraform state to list"
        else:
            data, human = write(config, record)
            config.stash[NOTE] = f"{len(record.resources)} resources recorded in {data} " \
                                 f"and {human}"
    except (DevopsError, OSError, ValueError) as exc:
        config.stash[NOTE] = f"not recorded: {exc}"
    except Exception as exc:  # boto3/botocore errors: the record is not a gate
        config.stash[NOTE] = f"not recorded: {type(exc).__name__}: {exc}"
    return result


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    note = config.stash.get(NOTE, None)
    if note is not None:
        redactor = session_redactor(config)
        terminalreporter.write_line(redactor.redact(f"devops deployment: {note}"))
