"""Run a composite action's steps the way the runner does, on this machine.

Reads ``actions/NAME/action.yml``, evaluates each step's ``if:`` and ``env:``
expressions with :mod:`ghexpr`, runs each ``run:`` with ``bash`` exactly as written,
with a fresh ``GITHUB_OUTPUT`` per step and the job's ``GITHUB_ENV``, ``GITHUB_PATH`` and
``GITHUB_STEP_SUMMARY`` files. ``uses:`` steps go to handlers the test provides (an
artifact store, say); a step without a handler is recorded as not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ghexpr import Evaluator, to_str

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ROOT / "actions"
VENV_BIN = Path(sys.executable).parent

UsesHandler = Callable[[dict[str, str]], dict[str, str]]


def parse_file_commands(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT / GITHUB_ENV file (``k=v`` and ``k<<DELIM`` forms)."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            value: list[str] = []
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            if i >= len(lines):
                raise AssertionError(f"unterminated value for {key!r}")
            i += 1
            out[key] = "\n".join(value)
        else:
            key, _, val = line.partition("=")
            out[key] = val
    return out


def workflow_commands(stdout: str) -> list[tuple[str, str]]:
    """The workflow commands the runner would act on: (command with properties, message).

    Honours ``::stop-commands::TOKEN`` ... ``::TOKEN::`` as the runner does.
    """
    found: list[tuple[str, str]] = []
    token: str | None = None
    for line in stdout.splitlines():
        if token is not None:
            if line == f"::{token}::":
                token = None
            continue
        m = re.match(r"^::([^:]+)::(.*)$", line)
        if not m:
            continue
        if m.group(1) == "stop-commands":
            token = m.group(2)
        found.append((m.group(1), m.group(2)))
    return found


@dataclass
class StepRun:
    id: str
    name: str
    ran: bool
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def commands(self) -> list[tuple[str, str]]:
        return workflow_commands(self.stdout)


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    env_file: dict[str, str]
    path_file: list[str]
    summary: str

    @property
    def failed(self) -> bool:
        return any(s.ran and s.returncode != 0 for s in self.steps)

    def step(self, step_id: str) -> StepRun:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)


class Runner:
    """A job's environment on this machine: workspace, RUNNER_TEMP and the command files."""

    def __init__(self, tmp: Path, *, sha: str = "a" * 40, extra_path: list[Path] = ()) -> None:
        self.tmp = tmp
        self.workspace = tmp / "workspace"
        self.runner_temp = tmp / "runner-temp"
        for d in (self.workspace, self.runner_temp):
            d.mkdir(parents=True, exist_ok=True)
        self.sha = sha
        self.summary = tmp / "step-summary.md"
        self.env_path = tmp / "github-env"
        self.path_path = tmp / "github-path"
        for f in (self.summary, self.env_path, self.path_path):
            f.touch()
        self.path = [*map(str, extra_path), str(VENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"]
        self.env: dict[str, str] = {
            "HOME": str(tmp / "home"),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_SHA": sha,
            "GITHUB_REPOSITORY": "octo-org/infra",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_API_URL": "http://127.0.0.1:9",
            "RUNNER_TEMP": str(self.runner_temp),
            "RUNNER_OS": "Linux",
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_ENV": str(self.env_path),
            "GITHUB_PATH": str(self.path_path),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        (tmp / "home").mkdir(exist_ok=True)
        self._outputs = 0

    def run(
        self,
        action: str,
        inputs: Mapping[str, str] | None = None,
        *,
        uses: Mapping[str, UsesHandler] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ActionRun:
        meta = yaml.safe_load((ACTIONS / action / "action.yml").read_text(encoding="utf-8"))
        declared = meta.get("inputs") or {}
        unknown = set(inputs or {}) - set(declared)
        assert not unknown, f"{action} has no inputs {sorted(unknown)}"
        base_env = {**self.env, **(env or {})}
        context: dict[str, Any] = {
            "github": {
                "sha": self.sha,
                "token": "ghs_" + "t0ken" * 8,
                "run_id": base_env["GITHUB_RUN_ID"],
                "repository": base_env["GITHUB_REPOSITORY"],
                "workspace": str(self.workspace),
                "action_path": str(ACTIONS / action),
            },
            "runner": {"temp": str(self.runner_temp), "os": "Linux", "arch": "X64"},
            "steps": {},
            "env": base_env,
        }
        # Input defaults are expressions too (e.g. ${{ github.token }}).
        evaluator = Evaluator(context)
        context["inputs"] = {
            name: (inputs or {}).get(name, evaluator.substitute(to_str(spec.get("default", ""))))
            for name, spec in declared.items()
        }
        steps: list[StepRun] = []
        status = "success"
        for index, step in enumerate(meta["runs"]["steps"]):
            step_id = step.get("id", f"__{index}")
            name = step.get("name", step_id)
            ev = Evaluator(context, status)
            if not ev.condition(step.get("if")):
                steps.append(StepRun(step_id, name, ran=False))
                continue
            if "uses" in step:
                handler = (uses or {}).get(step["uses"].split("@", 1)[0])
                with_ = {k: ev.substitute(to_str(v)) for k, v in (step.get("with") or {}).items()}
                if handler is None:
                    steps.append(StepRun(step_id, name, ran=False))
                    continue
                outputs = handler(with_)
                steps.append(StepRun(step_id, name, ran=True, outputs=outputs))
                context["steps"][step_id] = {"outputs": outputs, "outcome": "success"}
                continue
            result = self._run_step(action, step, ev, base_env)
            result.id, result.name = step_id, name
            steps.append(result)
            context["steps"][step_id] = {
                "outputs": result.outputs,
                "outcome": "success" if result.returncode == 0 else "failure",
            }
            if result.returncode != 0:
                status = "failure"
        final = Evaluator(context, status)
        outputs = {
            name: final.substitute(to_str(spec.get("value", "")))
            for name, spec in (meta.get("outputs") or {}).items()
        }
        return ActionRun(
            steps=steps,
            outputs=outputs,
            env_file=parse_file_commands(self.env_path.read_text(encoding="utf-8")),
            path_file=self.path_path.read_text(encoding="utf-8").splitlines(),
            summary=self.summary.read_text(encoding="utf-8"),
        )

    def _run_step(
        self, action: str, step: Mapping[str, Any], ev: Evaluator, base_env: Mapping[str, str]
    ) -> StepRun:
        assert step.get("shell") == "bash", "every run step declares shell: bash"
        script = step["run"]
        assert "${{" not in script, "inputs reach the shell only through env:"
        self._outputs += 1
        output_file = self.tmp / f"github-output-{self._outputs}"
        output_file.touch()
        env = dict(base_env)
        env.update(parse_file_commands(self.env_path.read_text(encoding="utf-8")))
        added = self.path_path.read_text(encoding="utf-8").splitlines()
        env["PATH"] = os.pathsep.join([*reversed(added), *self.path])
        env["GITHUB_OUTPUT"] = str(output_file)
        env["GITHUB_ACTION_PATH"] = str(ACTIONS / action)
        for key, value in (step.get("env") or {}).items():
            env[key] = ev.substitute(to_str(value))
        cwd = self.workspace / ev.substitute(step.get("working-directory", "."))
        # The runner's bash template: bash --noprofile --norc -eo pipefail {0}
        script_file = self.tmp / f"step-{self._outputs}.sh"
        script_file.write_text(script, encoding="utf-8")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return StepRun(
            "",
            "",
            ran=True,
            returncode=proc.returncode,
            stdout=proc.stdout,
            stderr=proc.stderr,
            outputs=parse_file_commands(output_file.read_text(encoding="utf-8")),
        )


# Hostile values a pull request controls (title, branch name): command substitution,
# backticks, quotes, a newline and workflow commands.
HOSTILE = (
    "fix $(touch PWNED_subst) `touch PWNED_tick` \"dq\" 'sq' ; touch PWNED_semi\n"
    "::set-output name=outcome::pass\n::add-mask::x\n::error::injected %0A"
)


class ArtifactStore:
    """actions/upload-artifact and actions/download-artifact against a local folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def upload(self, with_: dict[str, str]) -> dict[str, str]:
        target = self.root / with_["name"]
        assert not target.exists(), f"artifact {with_['name']} uploaded twice"
        target.mkdir(parents=True)
        for line in with_["path"].splitlines():
            if line.strip():
                shutil.copy2(line.strip(), target)
        return {"artifact-id": str(len(list(self.root.iterdir())))}

    def download(self, with_: dict[str, str]) -> dict[str, str]:
        source = self.root / with_["name"]
        if not source.is_dir():
            raise AssertionError(f"no artifact {with_['name']}")
        shutil.copytree(source, with_["path"], dirs_exist_ok=True)
        return {"download-path": with_["path"]}

    def handlers(self) -> dict[str, Callable[[dict[str, str]], dict[str, str]]]:
        return {
            "actions/upload-artifact": self.upload,
            "actions/download-artifact": self.download,
        }


def no_pwned(*dirs: Path) -> None:
    hits = [p for d in dirs for p in d.rglob("PWNED*")]
    assert hits == [], f"hostile input was executed: {hits}"
