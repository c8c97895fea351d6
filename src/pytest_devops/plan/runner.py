"""Drive the Terraform (or OpenTofu) CLI: init, validate, plan, show, apply, output, destroy.

Every command runs non-interactively (``-input=false``, ``TF_IN_AUTOMATION``), with a
timeout that interrupts then kills the whole process group, ``TF_LOG`` output sent to a
file (never mixed into what is parsed), a ``TF_DATA_DIR`` per pytest-xdist worker when
asked, and failures raised as :class:`TerraformError` with the CLI's message, a kind and
a hint. Argument building is pure (:func:`plan_args` and friends) and tested as such.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_devops.errors import GateTimeout, ToolMissing
from pytest_devops.plan.capture import extract_json
from pytest_devops.plan.tferrors import failure, read_plan_exit

__all__ = [
    "Result",
    "Terraform",
    "apply_args",
    "init_args",
    "plan_args",
    "run_process",
]

INSTALL_HINT = {
    "terraform": "install Terraform (https://developer.hashicorp.com/terraform/install) or "
    "set terraform.binary: tofu",
    "tofu": "install OpenTofu (https://opentofu.org/docs/intro/install/)",
}
#: Seconds between the interrupt (graceful stop: Terraform releases its lock) and the kill.
GRACE = 10.0


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration: float


def _var_args(
    var_files: Sequence[str | os.PathLike[str]], variables: Mapping[str, Any]
) -> list[str]:
    out = [f"-var-file={os.fspath(p)}" for p in var_files]
    return out + [f"-var={name}={_scalar(value)}" for name, value in variables.items()]


def init_args(
    binary: str,
    backend_config: Mapping[str, Any] | Sequence[str | os.PathLike[str]] = (),
    *,
    upgrade: bool = False,
    backend: bool = True,
    lock_timeout: str | None = None,
) -> list[str]:
    args = [binary, "init", "-input=false", "-no-color"]
    if not backend:
        args.append("-backend=false")
    if isinstance(backend_config, Mapping):
        args += [f"-backend-config={k}={_scalar(v)}" for k, v in backend_config.items()]
    else:
        args += [f"-backend-config={os.fspath(p)}" for p in backend_config]
    if upgrade:
        args.append("-upgrade")
    if lock_timeout:
        args.append(f"-lock-timeout={lock_timeout}")
    return args


def _scalar(value: Any) -> str:
    """A value as the CLI reads it: strings and numbers as they are; booleans, lists and
    maps as JSON, which Terraform reads as HCL (Python's ``['a']`` it cannot)."""
    return json.dumps(value) if isinstance(value, (bool, list, tuple, dict)) else str(value)


def plan_args(
    binary: str,
    out: str | os.PathLike[str],
    *,
    var_files: Sequence[str | os.PathLike[str]] = (),
    variables: Mapping[str, Any] | None = None,
    lock_timeout: str | None = None,
    refresh: bool = True,
    destroy: bool = False,
    parallelism: int | None = None,
    targets: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> list[str]:
    """``plan -out=... -detailed-exitcode`` with the given inputs (``extra``: more flags)."""
    args = [binary, "plan", "-input=false", "-no-color", "-detailed-exitcode",
            f"-out={os.fspath(out)}"]
    if lock_timeout:
        args.append(f"-lock-timeout={lock_timeout}")
    if not refresh:
        args.append("-refresh=false")
    if destroy:
        args.append("-destroy")
    if parallelism:
        args.append(f"-parallelism={parallelism}")
    args += [f"-target={t}" for t in targets]
    return args + list(extra) + _var_args(var_files, variables or {})


def apply_args(binary: str, planfile: str | os.PathLike[str], *, lock_timeout: str | None = None,
               parallelism: int | None = None, extra: Sequence[str] = ()) -> list[str]:
    """``apply`` of a saved plan: no variables, no approval prompt (the plan was reviewed)."""
    args = [binary, "apply", "-input=false", "-no-color", "-auto-approve"]
    if lock_timeout:
        args.append(f"-lock-timeout={lock_timeout}")
    if parallelism:
        args.append(f"-parallelism={parallelism}")
    return [*args, *extra, os.fspath(planfile)]


def _kill_group(proc: subprocess.Popen[str], sig: int) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, sig)
        else:  # pragma: no cover - Windows has no process groups to signal
            proc.send_signal(sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_process(
    args: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    grace: float = GRACE,
    progress: Callable[[float], None] | None = None,
    interval: float = 5.0,
) -> Result:
    """Run ``args``; on timeout interrupt the process group, then kill it, and raise.

    ``progress(seconds)`` is called every ``interval`` seconds while the command runs."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace",
            start_new_session=os.name == "posix",
        )
    except FileNotFoundError:
        binary = args[0]
        hint = INSTALL_HINT.get(Path(binary).name, f"install {binary}")
        raise ToolMissing(binary, hint) from None
    try:
        stdout, stderr = _wait(proc, start, timeout, progress, interval)
    except subprocess.TimeoutExpired:
        _kill_group(proc, signal.SIGINT)
        try:
            stdout, stderr = proc.communicate(timeout=grace)
        except subprocess.TimeoutExpired:
            _kill_group(proc, signal.SIGKILL)
            stdout, stderr = proc.communicate()
        raise GateTimeout(
            f"{' '.join(args[:2])} did not finish within {timeout:g}s and was stopped",
            hint="raise terraform.timeout, or look for a prompt or a hung provider "
            "(TF_LOG=DEBUG writes a log beside the plan)",
        ) from None
    return Result(tuple(args), proc.returncode, stdout, stderr, time.monotonic() - start)


def _wait(proc: subprocess.Popen[str], start: float, timeout: float | None,
          progress: Callable[[float], None] | None, interval: float) -> tuple[str, str]:
    """``communicate`` in slices of ``interval`` (it keeps what was read between calls)."""
    deadline = None if timeout is None else start + timeout
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        step = left if progress is None else (interval if left is None else min(interval, left))
        try:
            return proc.communicate(timeout=None if step is None else max(step, 0.0))
        except subprocess.TimeoutExpired:
            if deadline is not None and time.monotonic() >= deadline:
                raise
            assert progress is not None
            progress(time.monotonic() - start)


class Terraform:
    """One root module driven by one CLI binary.

    ``data_dir`` sets ``TF_DATA_DIR`` (use one per pytest-xdist worker); ``log_dir``
    receives ``TF_LOG`` output as ``terraform.log`` when ``TF_LOG`` is set.
    """

    def __init__(
        self,
        working_dir: str | os.PathLike[str],
        *,
        binary: str = "terraform",
        env: Mapping[str, str] | None = None,
        timeout: float = 1800.0,
        data_dir: str | os.PathLike[str] | None = None,
        log_dir: str | os.PathLike[str] | None = None,
        lock_timeout: str | None = None,
        progress: Callable[[str], None] | None = None,
        progress_interval: float = 5.0,
    ) -> None:
        self.working_dir = Path(working_dir)
        self.progress = progress
        self.progress_interval = progress_interval
        self.binary = binary
        self.timeout = timeout
        self.lock_timeout = lock_timeout
        self.env = self._environment(os.environ if env is None else env, data_dir, log_dir)

    @staticmethod
    def _environment(
        base: Mapping[str, str], data_dir: str | os.PathLike[str] | None,
        log_dir: str | os.PathLike[str] | None,
    ) -> dict[str, str]:
        env = dict(base)
        env["TF_IN_AUTOMATION"] = "1"
        env["TF_INPUT"] = "0"
        env.setdefault("CHECKPOINT_DISABLE", "1")
        if data_dir is not None:
            env["TF_DATA_DIR"] = os.fspath(data_dir)
        if env.get("TF_LOG") and not env.get("TF_LOG_PATH"):
            folder = Path(log_dir) if log_dir is not None else Path(
                env.get("TF_DATA_DIR", ".terraform"))
            env["TF_LOG_PATH"] = os.fspath(folder / "terraform.log")
        return env

    def available(self) -> bool:
        return shutil.which(self.binary, path=self.env.get("PATH")) is not None

    def run(self, args: Sequence[str], *, check: bool = True) -> Result:
        if "TF_LOG_PATH" in self.env:
            Path(self.env["TF_LOG_PATH"]).parent.mkdir(parents=True, exist_ok=True)
        say = self.progress
        step = " ".join([Path(args[0]).name, *(a for a in args[1:3] if not a.startswith("-"))])
        if say is not None:
            say(f"{step}: started in {self.working_dir}")
        result = run_process(
            args, cwd=self.working_dir, env=self.env, timeout=self.timeout,
            progress=None if say is None else (lambda t: say(f"{step}: running for {t:.0f}s")),
            interval=self.progress_interval,
        )
        if say is not None:
            ok = result.returncode == 0 or (
                result.returncode == 2 and "-detailed-exitcode" in args)
            state = "done" if ok else f"failed (exit {result.returncode})"
            say(f"{step}: {state} in {result.duration:.1f}s")
        if check and result.returncode != 0:
            raise failure(result.args, result.returncode, result.stderr)
        return result

    def init(self, backend_config: Mapping[str, Any] | Sequence[str | os.PathLike[str]] = (),
             *, upgrade: bool = False, backend: bool = True) -> Result:
        return self.run(init_args(self.binary, backend_config, upgrade=upgrade, backend=backend,
                                  lock_timeout=self.lock_timeout))

    def validate(self) -> dict[str, Any]:
        """``validate -json``; raises when the configuration is invalid."""
        result = self.run([self.binary, "validate", "-json", "-no-color"], check=False)
        doc = _json(result, "validate")
        if not doc.get("valid", False) or result.returncode != 0:
            messages = [
                f"{d.get('severity', 'error')}: {d.get('summary', '')}: {d.get('detail', '')}"
                for d in doc.get("diagnostics", [])
            ]
            raise failure(result.args, result.returncode,
                          "\n".join(f"Error: {m}" for m in messages) or result.stderr)
        return doc

    def workspace(self, name: str) -> None:
        """Select workspace ``name``, creating it when missing."""
        current = self.run([self.binary, "workspace", "show"]).stdout.strip()
        if current == name:
            return
        self.run([self.binary, "workspace", "select", "-or-create", name])

    def plan(self, out: str | os.PathLike[str], **kwargs: Any) -> bool:
        """Save a plan to ``out``; ``True`` when it has changes (``-detailed-exitcode``)."""
        kwargs.setdefault("lock_timeout", self.lock_timeout)
        result = self.run(plan_args(self.binary, out, **kwargs), check=False)
        changes = read_plan_exit(result.args, result.returncode, result.stderr)
        if not Path(self.working_dir, out).is_file():
            raise failure(result.args, result.returncode,
                          f"Error: the plan file {out} was not written\n{result.stderr}")
        return changes

    def show_json(self, planfile: str | os.PathLike[str]) -> dict[str, Any]:
        """``show -json PLANFILE``: the document :func:`parse_plan` reads."""
        result = self.run([self.binary, "show", "-json", "-no-color", os.fspath(planfile)])
        return _json(result, "show -json")

    def apply(self, planfile: str | os.PathLike[str], *, parallelism: int | None = None,
              extra: Sequence[str] = ()) -> Result:
        return self.run(apply_args(self.binary, planfile, lock_timeout=self.lock_timeout,
                                   parallelism=parallelism, extra=extra))

    def version(self) -> str:
        """The CLI's version (``version -json``; OpenTofu answers the same way)."""
        doc = _json(self.run([self.binary, "version", "-json"]), "version -json")
        found = doc.get("terraform_version")
        if not isinstance(found, str):
            raise failure((self.binary, "version"), 0, "Error: no terraform_version in "
                          "`version -json` output")
        return found

    def output(self) -> dict[str, Any]:
        """``output -json``: name -> ``{"value", "type", "sensitive"}``."""
        return _json(self.run([self.binary, "output", "-json", "-no-color"]), "output -json")

    def destroy(self, *, var_files: Sequence[str | os.PathLike[str]] = (),
                variables: Mapping[str, Any] | None = None, parallelism: int | None = None,
                extra: Sequence[str] = ()) -> Result:
        args = [self.binary, "destroy", "-input=false", "-no-color", "-auto-approve"]
        if self.lock_timeout:
            args.append(f"-lock-timeout={self.lock_timeout}")
        if parallelism:
            args.append(f"-parallelism={parallelism}")
        return self.run(args + list(extra) + _var_args(var_files, variables or {}))


def _json(result: Result, what: str) -> dict[str, Any]:
    # stdout only: TF_LOG goes to TF_LOG_PATH or stderr, never into what is parsed.
    return extract_json(result.stdout, f"`{result.args[0]} {what}` output")
