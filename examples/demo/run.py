"""The offline demo pipeline: plan -> plan gates -> apply -> post-deploy gates -> teardown.

No cloud account: moto's server mode on 127.0.0.1 stands for AWS and a small HTTP
server (service.py) for the deployed service. Each stage is a function; the gates run
as ``pytest --devops-env=local --devops-stage=...`` exactly as a CI pipeline runs them.

    python examples/demo/run.py                  # everything passes, exit 0
    python examples/demo/run.py --break-service  # the service fails its health gate, exit 1
    DEMO_BREAK=1 python examples/demo/run.py     # same

Exit status: 0 every stage passed, 1 a gate failed, 2 a stage could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ENV = "local"
EXIT = {"pass": 0, "skip": 0, "fail": 1, "error": 2}
#: The emulator accepts any credentials; these keep real ones out of the demo.
EMULATOR_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass
class Stage:
    name: str
    outcome: str = "pass"  # pass | fail | error | skip
    detail: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What the stages share: the emulator, the service, the stack, the plan."""

    endpoint: str
    service_url: str
    checkov: str | None
    cfn: Any = None
    change_set: Any = None
    reports: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="demo-")))

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PYTEST_DEVOPS_ENV", None)
        env.update(
            DEMO_AWS_ENDPOINT=self.endpoint,
            DEMO_SERVICE_URL=self.service_url,
            DEMO_SECURITY="true" if self.checkov else "false",
            **EMULATOR_ENV,
        )
        if self.checkov:
            env["PYTEST_DEVOPS_CHECKOV"] = self.checkov
        return env


def say(text: str = "") -> None:
    print(text, flush=True)


def banner(number: int, title: str) -> None:
    say()
    say(f"=== stage {number}/5: {title} " + "=" * max(3, 60 - len(title)))


def find_checkov() -> str | None:
    """Checkov as the security gate will find it ($PYTEST_DEVOPS_CHECKOV, else PATH)."""
    try:
        from pytest_devops.security.checkov import resolve
    except ImportError:
        return None
    try:
        return resolve(None, HERE).path
    except Exception:
        return None


# -- stages -----------------------------------------------------------------------------


def stage_plan(ctx: Context, stage: Stage) -> None:
    """Create the change set: the reviewed plan that stage 3 executes."""
    from pytest_devops.aws.session import AwsSession, AwsSettings
    from pytest_devops.cloudformation.changeset import CloudFormation
    from pytest_devops.cloudformation.model import CfnSettings
    from pytest_devops.config import load_environment

    env = load_environment(HERE / "devops.yaml", ENV, environ=ctx.child_env())
    settings = AwsSettings.from_section(env.section("aws")).with_endpoint(ctx.endpoint)
    ctx.cfn = CloudFormation(AwsSession(settings),
                             CfnSettings.from_section(env.section("cloudformation"), env.root))
    cs = ctx.cfn.plan()
    ctx.change_set = cs
    say(f"change set {cs.change_set_name} ({cs.change_set_type}) for stack {cs.stack_name}:")
    for change in cs.changes:
        say(f"  {change.action:<8} {change.logical_id:<16} {change.resource_type}")
    counts = {k: v for k, v in cs.counts().items() if v}
    stage.detail = ", ".join(f"{v} to {k}" for k, v in counts.items()) or "no changes"


def run_gates(ctx: Context, stage: Stage, pytest_stage: str) -> None:
    """``pytest --devops-env=local --devops-stage=STAGE`` against the change set."""
    report = ctx.reports / f"{pytest_stage}.json"
    cmd = [sys.executable, "-m", "pytest", f"--devops-env={ENV}",
           f"--devops-stage={pytest_stage}", f"--devops-change-set={ctx.change_set.change_set_id}",
           f"--devops-report={report}", "-p", "no:xdist", "-q", "--no-header"]
    say("$ " + " ".join(cmd[2:4] + cmd[4:6]))
    proc = subprocess.run(cmd, cwd=HERE, env=ctx.child_env(), check=False)
    if not report.is_file():
        stage.outcome, stage.detail = "error", f"pytest exited {proc.returncode} with no report"
        return
    doc = json.loads(report.read_text("utf-8"))
    stage.outcome = doc["outcome"]
    gates = doc["gates"]
    tally = {}
    for gate in gates:
        tally[gate["outcome"]] = tally.get(gate["outcome"], 0) + 1
    stage.detail = ", ".join(f"{n} {o}" for o, n in sorted(tally.items())) or "no gates"
    stage.problems = [
        f"{g['outcome'].upper()} {g['nodeid']}: {(g['message'] or '').partition(chr(10))[0]}"
        for g in gates if g["outcome"] in ("fail", "error")
    ]


def stage_apply(ctx: Context, stage: Stage) -> None:
    """Execute exactly the change set the plan gates passed."""
    from pytest_devops.aws.emulator import complete_stack

    ctx.cfn.execute(ctx.change_set)
    for done in complete_stack(ctx.cfn.session, ctx.cfn.settings.stack_name,
                               ctx.change_set.template):
        say(f"  emulator: {done} (moto's CloudFormation leaves this to the API)")
    outputs = ctx.cfn.outputs()
    for key, value in sorted(outputs.items()):
        say(f"  output {key} = {value}")
    stage.detail = f"stack {ctx.cfn.settings.stack_name} {ctx.cfn.stack()['StackStatus']}"


def stage_teardown(ctx: Context, stage: Stage) -> None:
    if ctx.cfn is None:
        stage.outcome, stage.detail = "skip", "nothing was planned"
        return
    ctx.cfn.destroy()
    stage.detail = f"stack {ctx.cfn.settings.stack_name} deleted"


# -- pipeline ---------------------------------------------------------------------------


def run_stage(stages: list[Stage], number: int, title: str,
              body: Callable[[Stage], None]) -> Stage:
    banner(number, title)
    stage = Stage(title)
    started = time.monotonic()
    try:
        body(stage)
    except Exception as exc:  # a stage that cannot run is an error, never a pass
        stage.outcome = "error"
        stage.detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        stage.problems = str(exc).splitlines()[1:4]
    stage.seconds = time.monotonic() - started
    stages.append(stage)
    return stage


@contextmanager
def environment(broken: bool) -> Iterator[Context]:
    """The emulator and the service, up for the whole pipeline."""
    for key, value in EMULATOR_ENV.items():
        os.environ.setdefault(key, value)
    import service  # beside this file (main puts it on sys.path)

    from pytest_devops.aws.emulator import Emulator

    with Emulator() as emulator:
        server, url = service.start(broken)
        try:
            yield Context(endpoint=emulator.endpoint_url, service_url=url, checkov=find_checkov())
        finally:
            server.shutdown()


def pipeline(broken: bool) -> list[Stage]:
    stages: list[Stage] = []
    with environment(broken) as ctx:
        say(f"AWS emulator (moto) on {ctx.endpoint}")
        say(f"demo service on {ctx.service_url}" + ("  [BROKEN on purpose]" if broken else ""))
        if ctx.checkov:
            say(f"Checkov: {ctx.checkov}")
        else:
            say("Checkov NOT FOUND: the Checkov security gate is switched off for this run.")
            say("  Install it apart from the project (pipx install checkov) or point")
            say("  PYTEST_DEVOPS_CHECKOV at its executable to include it.")
        try:
            plan = run_stage(stages, 1, "plan (CloudFormation change set)",
                             lambda s: stage_plan(ctx, s))
            if plan.outcome == "pass":
                gates = run_stage(stages, 2, "plan gates (rules, security, cost)",
                                  lambda s: run_gates(ctx, s, "plan"))
                if gates.outcome == "pass":
                    applied = run_stage(stages, 3, "apply (execute the change set)",
                                        lambda s: stage_apply(ctx, s))
                    if applied.outcome == "pass":
                        run_stage(stages, 4, "post-deploy gates (AWS, HTTP, host)",
                                  lambda s: run_gates(ctx, s, "apply"))
        finally:
            run_stage(stages, 5, "teardown", lambda s: stage_teardown(ctx, s))
    return stages


def summary(stages: Sequence[Stage]) -> int:
    worst = max((EXIT[s.outcome] for s in stages), default=2)
    say()
    say("=== summary " + "=" * 60)
    for stage in stages:
        say(f"{stage.outcome.upper():<6} {stage.name:<40} {stage.seconds:5.1f}s  {stage.detail}")
        for problem in stage.problems:
            say(f"         {problem}")
    verdict = {0: "PIPELINE PASSED", 1: "PIPELINE FAILED: a gate failed",
               2: "PIPELINE ERROR: a stage could not run"}[worst]
    say(verdict)
    return worst


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--break-service", action="store_true",
                        help="serve 503 from /health so the post-deploy gate fails "
                        "(also DEMO_BREAK=1)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from service import broken_by_env  # one reading of DEMO_BREAK, the service's

    return summary(pipeline(args.break_service or broken_by_env()))


if __name__ == "__main__":
    sys.exit(main())
