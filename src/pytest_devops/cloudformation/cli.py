"""``pytest-devops cloudformation plan|apply|discard --env NAME``: the CloudFormation
pipeline's steps from ``devops.yaml``'s ``cloudformation:`` section (stack, template,
parameters, tags, capabilities), so a workflow executes exactly the change set its gates
judged and re-states nothing.

- ``plan`` creates the change set and prints its record (``--format json``): environment,
  stack, change set id, digest (of the changes, as the plan gates see them), changes.
- ``apply --change-set ID --digest D`` executes that change set only when it still is the
  one gated: same stack, same digest read back from CloudFormation, the configured
  parameters (and tags, where CloudFormation reports them); refuses with one line
  otherwise (exit 2).
- ``discard --change-set ID`` deletes a plan-stage change set that will not be executed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.cloudformation.changeset import CloudFormation
    from pytest_devops.config import Environment
    from pytest_devops.redact import Redactor

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from pytest_devops.cli import add_env_actions

    actions = add_env_actions(parser, {
        "plan": "create the environment's change set (the plan) and print its record",
        "apply": "execute exactly the gated change set (its digest, parameters and tags)",
        "discard": "delete a change set that will not be executed",
    })
    actions["plan"].add_argument("--format", choices=("text", "json"), default="text")
    for action in ("apply", "discard"):
        actions[action].add_argument("--change-set", required=True, metavar="ID",
                                     help="the change set (ARN or name) the plan step created")
    actions["apply"].add_argument("--digest", required=True, metavar="sha256:...",
                                  help="the digest the gates judged")


def _load(args: argparse.Namespace) -> tuple[Environment, CloudFormation, Redactor]:
    from pytest_devops.aws import settings as aws_settings
    from pytest_devops.aws.session import AwsSession
    from pytest_devops.cloudformation import settings as cfn_settings
    from pytest_devops.cloudformation.changeset import CloudFormation
    from pytest_devops.config import load_environment
    from pytest_devops.errors import ConfigError
    from pytest_devops.redact import Redactor

    path = Path(args.config).resolve()
    env = load_environment(path, args.env)
    section = env.section("cloudformation")
    if not section:
        raise ConfigError(f"environment {env.name} has no cloudformation section",
                          file=str(path), key=f"environments.{env.name}.cloudformation",
                          hint="set stack_name and template")
    redactor = Redactor()
    redactor.add_env(env.redact_env)
    session = AwsSession(aws_settings.parse(env), redactor)
    cfn = CloudFormation(session, cfn_settings.parse(env), redactor)
    return env, cfn, redactor


def run(args: argparse.Namespace) -> int:
    env, cfn, redactor = _load(args)
    out = redactor.redact
    if args.action == "plan":
        plan = cfn.plan()
        record = {
            "schema": "pytest-devops/cfn-plan@1", "env": env.name, "stack": plan.stack_name,
            "change_set": plan.change_set_id, "change_set_name": plan.change_set_name,
            "digest": plan.to_plan().digest(), "changes": not plan.no_changes,
            "counts": plan.counts(),
        }
        if args.format == "json":
            print(out(json.dumps(record, indent=2)))
        else:
            print(out(f"environment {env.name}: change set {plan.change_set_name} of stack "
                      f"{plan.stack_name}\ndigest {record['digest']}"))
        return 0
    if args.action == "discard":
        discard(cfn, args.change_set)
        print(out(f"deleted change set {args.change_set} of stack {cfn.settings.stack_name}"))
        return 0
    reason = refusal(cfn, args.change_set, args.digest)
    if reason:
        print(out(f"refusing to execute change set {args.change_set}: {reason}"))
        return 2
    plan = cfn.describe(args.change_set)
    stack = cfn.execute(plan)
    print(out(f"executed change set {plan.change_set_name} ({args.digest}): stack "
              f"{cfn.settings.stack_name} {stack['StackStatus']}"))
    return 0


def refusal(cfn: CloudFormation, change_set: str, digest: str) -> str | None:
    """Why the change set is not exactly the gated one (one line), or ``None``."""
    s = cfn.settings
    raw = cfn.client.describe_change_set(StackName=s.stack_name, ChangeSetName=change_set)
    if raw.get("StackName") != s.stack_name:
        return f"it belongs to stack {raw.get('StackName')}, not {s.stack_name}"
    found = cfn.describe(change_set).to_plan().digest()
    if found != digest:
        return f"changed plan: it has digest {found}, the gates judged {digest}"
    params = {p["ParameterKey"]: p.get("ParameterValue") for p in raw.get("Parameters") or []}
    wrong = sorted(k for k, v in s.parameters.items() if params.get(k) not in (v, "****"))
    if wrong:
        return f"its parameters differ from cloudformation.parameters: {', '.join(wrong)}"
    # CloudFormation reports a change set's tags (an emulator may report none: then the
    # post-deploy gates are what read the stack's tags).
    tags = {t["Key"]: t["Value"] for t in raw.get("Tags") or []}
    if tags and tags != dict(s.tags):
        return f"its tags {sorted(tags)} are not cloudformation.tags {sorted(s.tags)}"
    return None


def discard(cfn: CloudFormation, change_set: str) -> None:
    """Delete the change set (gone already is fine: the goal is that it is gone)."""
    try:
        cfn.client.delete_change_set(StackName=cfn.settings.stack_name, ChangeSetName=change_set)
    except Exception as exc:
        if "does not exist" not in str(exc) and "NotFound" not in type(exc).__name__:
            raise
    # a CREATE change set leaves an empty stack in REVIEW_IN_PROGRESS: remove it too
    stack: dict[str, Any] | None = cfn.stack()
    if stack is not None and stack["StackStatus"] == "REVIEW_IN_PROGRESS":
        cfn.client.delete_stack(StackName=cfn.settings.stack_name)
