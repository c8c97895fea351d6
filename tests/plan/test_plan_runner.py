"""The Terraform runner: arguments, exit codes and failures as pure data; process handling
with a stand-in executable; the real CLI where it is installed."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pytest_devops.errors import GateError, GateTimeout, ToolMissing
from pytest_devops.plan import parse_plan
from pytest_devops.plan.runner import Terraform, apply_args, init_args, plan_args, run_process
from pytest_devops.plan.tferrors import TerraformError, classify, error_summary, read_plan_exit

# Real Terraform error output (stderr, -no-color), as the CLI prints each kind.
LOCK = """
╷
│ Error: Error acquiring the state lock
│
│ Error message: operation error DynamoDB: PutItem, https response error
│ StatusCode: 400, RequestID: 7Q2B, ConditionalCheckFailedException: The
│ conditional request failed
│ Lock Info:
│   ID:        9db590f1-b6fe-c5f2-2678-8804f089deba
│   Path:      acme-tfstate/envs/prod/terraform.tfstate
│   Operation: OperationTypePlan
│   Who:       runner@fv-az123-456
│   Version:   1.9.5
│   Created:   2024-05-01 10:00:00.000000000 +0000 UTC
│   Info:
│
│
│ Terraform acquires a state lock to protect the state from being written
│ by multiple users at the same time. Please resolve the issue above and try
│ again. For most commands, you can disable locking with the "-lock=false"
│ flag, but this is not recommended.
╵
"""
AUTH = """
Planning failed. Terraform encountered an error while generating this plan.

╷
│ Error: No valid credential sources found
│
│   with provider["registry.terraform.io/hashicorp/aws"],
│   on main.tf line 10, in provider "aws":
│   10: provider "aws" {
│
│ Please see https://registry.terraform.io/providers/hashicorp/aws
│ for more information about providing credentials.
│
│ Error: failed to refresh cached credentials, no EC2 IMDS role found,
│ operation error ec2imds: GetMetadata, request canceled, context deadline
│ exceeded
╵
"""
S3_DENIED = (
    "╷\n"
    '│ Error: Failed to get existing workspaces: Unable to list objects in S3 bucket '
    '"acme-tfstate" with prefix "env:/": operation error S3: ListObjectsV2, https response '
    "error StatusCode: 403, RequestID: X1, HostID: Y2, api error AccessDenied: Access Denied\n"
    "╵\n"
)
CONFIG = """
╷
│ Error: Unsupported argument
│
│   on main.tf line 12, in resource "aws_instance" "web":
│   12:   instance_typo = "t3.micro"
│
│ An argument named "instance_typo" is not expected here. Did you mean
│ "instance_type"?
╵
"""
NETWORK = """
Initializing provider plugins...
- Finding hashicorp/aws versions matching "~> 5.0"...
╷
│ Error: Failed to query available provider packages
│
│ Could not retrieve the list of available versions for provider
│ hashicorp/aws: could not connect to registry.terraform.io: failed to
│ request discovery document: Get
│ "https://registry.terraform.io/.well-known/terraform.json": dial tcp:
│ lookup registry.terraform.io on 127.0.0.53:53: no such host
╵
"""
STATE = (
    "╷\n"
    "│ Error: Failed to load state: state snapshot was created by Terraform v1.10.0, which is "
    "newer than current v1.9.5; upgrade to Terraform v1.10.0 or greater to work with this "
    "state\n"
    "╵\n"
)
NOT_INITIALISED = """
╷
│ Error: Backend initialization required, please run "terraform init"
│
│ Reason: Initial configuration of the requested backend "s3"
╵
"""


@pytest.mark.parametrize(
    ("stderr", "kind"),
    [(LOCK, "lock"), (AUTH, "auth"), (S3_DENIED, "auth"), (CONFIG, "configuration"),
     (NETWORK, "provider"), (STATE, "state"), (NOT_INITIALISED, "configuration"),
     ("\x1b[31mError: \x1b[0mSomething new\n", "unknown")],
    ids=["lock", "auth", "s3-denied", "config", "network", "state", "not-init", "unknown"],
)
def test_failures_are_classified(stderr: str, kind: str) -> None:
    got, hint = classify(stderr)
    assert got == kind
    assert (hint is None) == (kind == "unknown")


def test_failure_message_carries_the_cli_message_and_a_hint() -> None:
    with pytest.raises(TerraformError) as info:
        read_plan_exit(["terraform", "plan", "-input=false"], 1, LOCK)
    err = info.value
    assert (err.kind, err.returncode) == ("lock", 1)
    text = str(err)
    # The cause on the first line (a short summary shows only that), then the block.
    assert text.splitlines()[:3] == [
        "terraform plan failed (lock, exit code 1): Error acquiring the state lock",
        "",
        "Error message: operation error DynamoDB: PutItem, https response error",
    ]
    assert "Terraform acquires a state lock to protect the state from being written" in text
    assert "hint: another run holds the state lock" in text
    assert error_summary(CONFIG, limit=3) == (
        "Error: Unsupported argument\n\non main.tf line 12, in resource \"aws_instance\" \"web\":"
    )


@pytest.mark.parametrize(("code", "changes"), [(0, False), (2, True)])
def test_detailed_exitcode_changes(code: int, changes: bool) -> None:
    assert read_plan_exit(["tofu", "plan"], code, "") is changes


@pytest.mark.parametrize("code", [1, 3, 127, -9])
def test_any_other_exit_code_is_an_error(code: int) -> None:
    with pytest.raises(TerraformError, match=rf"tofu plan failed \(unknown, exit code {code}\)"):
        read_plan_exit(["tofu", "plan"], code, "")


def test_argument_building() -> None:
    assert init_args("tofu", {"bucket": "b", "encrypt": True}, lock_timeout="60s") == [
        "tofu", "init", "-input=false", "-no-color", "-backend-config=bucket=b",
        "-backend-config=encrypt=true", "-lock-timeout=60s",
    ]
    assert init_args("terraform", [Path("backend.hcl")], upgrade=True, backend=False) == [
        "terraform", "init", "-input=false", "-no-color", "-backend=false",
        "-backend-config=backend.hcl", "-upgrade",
    ]
    assert plan_args(
        "terraform", Path("/tmp/tfplan"), var_files=[Path("prod.tfvars")],
        variables={"count": 3, "enabled": False, "name": "a b"}, lock_timeout="5m",
        refresh=False, parallelism=4, targets=["aws_instance.web"],
    ) == [
        "terraform", "plan", "-input=false", "-no-color", "-detailed-exitcode",
        "-out=/tmp/tfplan", "-lock-timeout=5m", "-refresh=false", "-parallelism=4",
        "-target=aws_instance.web", "-var-file=prod.tfvars", "-var=count=3",
        "-var=enabled=false", "-var=name=a b",
    ]
    assert apply_args("terraform", "tfplan", lock_timeout="0s") == [
        "terraform", "apply", "-input=false", "-no-color", "-auto-approve", "-lock-timeout=0s",
        "tfplan",
    ]


def test_environment_data_dir_and_log_path(tmp_path: Path) -> None:
    tf = Terraform(tmp_path, env={"PATH": "/bin", "TF_LOG": "DEBUG"},
                   data_dir=tmp_path / "gw1", log_dir=tmp_path / "logs")
    assert tf.env["TF_DATA_DIR"] == str(tmp_path / "gw1")
    assert tf.env["TF_LOG_PATH"] == str(tmp_path / "logs" / "terraform.log")
    assert (tf.env["TF_IN_AUTOMATION"], tf.env["TF_INPUT"]) == ("1", "0")
    quiet = Terraform(tmp_path, env={"PATH": "/bin"})
    assert "TF_LOG_PATH" not in quiet.env
    assert "TF_DATA_DIR" not in quiet.env


# -- process handling, with a stand-in executable (not an imitation of Terraform) --------

STAND_IN = """\
#!{python}
# Process-handling stand-in: behaviour chosen by STAND_IN_MODE, not by Terraform's rules.
import json, os, subprocess, sys, time
mode = os.environ["STAND_IN_MODE"]
if mode == "hang":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    open(os.environ["STAND_IN_PIDS"], "w").write(f"{{os.getpid()}} {{child.pid}}")
    if os.environ.get("STAND_IN_IGNORE_INT"):
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(60)
elif mode == "exit":
    out = [a[len("-out="):] for a in sys.argv if a.startswith("-out=")]
    if out and os.environ.get("STAND_IN_WRITE"):
        open(out[0], "w").write("binary plan")
    sys.stderr.write(os.environ.get("STAND_IN_STDERR", ""))
    sys.exit(int(os.environ["STAND_IN_CODE"]))
elif mode == "json":
    sys.stderr.write("2024-05-01T10:00:00.000Z [DEBUG] a log line on stderr\\n")
    env = {{k: os.environ.get(k) for k in ("TF_DATA_DIR", "TF_IN_AUTOMATION", "TF_LOG_PATH")}}
    print(json.dumps({{"format_version": "1.2", "resource_changes": [], "env": env,
                      "argv": sys.argv[1:]}}))
"""


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    path = tmp_path / "bin" / "stand-in"
    path.parent.mkdir()
    path.write_text(STAND_IN.format(python=sys.executable))
    path.chmod(0o755)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))


@pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")
@pytest.mark.parametrize("ignore_interrupt", [False, True], ids=["interrupted", "killed"])
def test_timeout_stops_the_whole_process_group(
    stand_in: Path, tmp_path: Path, ignore_interrupt: bool
) -> None:
    pids = tmp_path / "pids"
    env = {**os.environ, "STAND_IN_MODE": "hang", "STAND_IN_PIDS": str(pids)}
    if ignore_interrupt:
        env["STAND_IN_IGNORE_INT"] = "1"
    with pytest.raises(GateTimeout, match=r"stand-in plan did not finish within 1s"):
        run_process([str(stand_in), "plan"], env=env, timeout=1.0, grace=0.5)
    parent, child = map(int, pids.read_text().split())
    deadline = time.monotonic() + 5
    while (_alive(parent) or _alive(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(parent)
    assert not _alive(child)


def test_plan_reads_exit_codes_and_requires_the_plan_file(stand_in: Path, tmp_path: Path) -> None:
    base = {**os.environ, "STAND_IN_MODE": "exit", "STAND_IN_WRITE": "1"}
    tf = Terraform(tmp_path, binary=str(stand_in), env={**base, "STAND_IN_CODE": "2"})
    assert tf.plan(tmp_path / "a.tfplan") is True
    tf = Terraform(tmp_path, binary=str(stand_in), env={**base, "STAND_IN_CODE": "0"})
    assert tf.plan(tmp_path / "b.tfplan") is False
    tf = Terraform(tmp_path, binary=str(stand_in),
                   env={**base, "STAND_IN_CODE": "1", "STAND_IN_STDERR": CONFIG})
    with pytest.raises(TerraformError, match=r"\(configuration, exit code 1\)") as info:
        tf.plan(tmp_path / "c.tfplan")
    assert info.value.command[1:3] == ("plan", "-input=false")
    tf = Terraform(tmp_path, binary=str(stand_in),
                   env={**base, "STAND_IN_CODE": "2", "STAND_IN_WRITE": ""})
    with pytest.raises(TerraformError, match=r"plan file .*d.tfplan was not written"):
        tf.plan(tmp_path / "d.tfplan")


def test_only_stdout_is_parsed_and_the_environment_is_passed(
    stand_in: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "STAND_IN_MODE": "json", "TF_LOG": "TRACE"}
    env.pop("TF_LOG_PATH", None)
    tf = Terraform(tmp_path, binary=str(stand_in), env=env, data_dir=tmp_path / "gw0",
                   log_dir=tmp_path / "logs")
    doc = tf.show_json("tfplan")
    assert doc["argv"] == ["show", "-json", "-no-color", "tfplan"]
    assert doc["env"] == {"TF_DATA_DIR": str(tmp_path / "gw0"), "TF_IN_AUTOMATION": "1",
                          "TF_LOG_PATH": str(tmp_path / "logs" / "terraform.log")}


def test_missing_binary_is_tool_missing(tmp_path: Path) -> None:
    tf = Terraform(tmp_path, binary="tofu", env={"PATH": str(tmp_path)})
    assert not tf.available()
    with pytest.raises(ToolMissing, match=r"tofu was not found\n  hint: install OpenTofu"):
        tf.output()


# -- the real CLI -------------------------------------------------------------------------

REAL = shutil.which("terraform")


@pytest.mark.skipif(REAL is None, reason="terraform is not on PATH")
def test_real_terraform_plan_show_apply_output(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        variable "secret" {
          type      = string
          sensitive = true
        }
        resource "terraform_data" "x" {
          input = var.secret
        }
        output "secret" {
          value     = terraform_data.x.output
          sensitive = true
        }
    """))
    tf = Terraform(tmp_path, data_dir=tmp_path / ".tfdata", timeout=300)
    tf.init()
    secret = "real-secret-value-42"
    assert tf.plan(tmp_path / "tfplan", variables={"secret": secret}) is True
    plan = parse_plan(tf.show_json(tmp_path / "tfplan"), "real")
    assert plan.counts()["create"] == 1
    assert secret in plan.sensitive_values()
    tf.apply(tmp_path / "tfplan")
    outputs = tf.output()
    assert outputs["secret"]["sensitive"] is True
    assert tf.plan(tmp_path / "again", variables={"secret": secret}) is False
    tf.workspace("staging")  # created: a fresh, empty state
    assert tf.plan(tmp_path / "staging", variables={"secret": secret}) is True
    tf.workspace("default")
    tf.destroy(variables={"secret": secret})
    assert tf.plan(tmp_path / "after-destroy", variables={"secret": secret}) is True
    assert (tmp_path / ".tfdata" / "environment").read_text().strip() == "default"
    assert (tmp_path / "terraform.tfstate.d" / "staging").is_dir()


@pytest.mark.skipif(REAL is None, reason="terraform is not on PATH")
def test_real_terraform_configuration_error_is_classified(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" {\n  inputt = 1\n}\n')
    tf = Terraform(tmp_path, data_dir=tmp_path / ".tfdata", timeout=300)
    tf.init()
    with pytest.raises(TerraformError) as info:
        tf.validate()
    assert info.value.kind == "configuration"
    assert "Unsupported argument" in str(info.value)
    with pytest.raises(TerraformError) as planned:
        tf.plan(tmp_path / "tfplan")
    assert (planned.value.kind, planned.value.returncode) == ("configuration", 1)


@pytest.fixture
def applied(tmp_path: Path) -> Terraform:
    """A root module of built-in resources, applied once (a local state to contend for)."""
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        variable "v" { type = string }
        resource "terraform_data" "x" { input = var.v }
    """))
    tf = Terraform(tmp_path, data_dir=tmp_path / ".tfdata", timeout=300, lock_timeout="1s")
    tf.init()
    tf.plan(tmp_path / "first", variables={"v": "1"})
    tf.apply(tmp_path / "first")
    return tf


@pytest.mark.skipif(REAL is None, reason="terraform is not on PATH")
@pytest.mark.skipif(os.name != "posix", reason="the local backend locks with fcntl here")
def test_real_terraform_held_lock_is_a_lock(applied: Terraform) -> None:
    import fcntl

    with open(applied.working_dir / "terraform.tfstate", "r+") as state:
        fcntl.lockf(state, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a concurrent run holds it
        with pytest.raises(TerraformError) as info:
            applied.plan(applied.working_dir / "blocked", variables={"v": "2"})
    assert (info.value.kind, info.value.returncode) == ("lock", 1)
    assert str(info.value).startswith(
        "terraform plan failed (lock, exit code 1): Error acquiring the state lock\n")
    assert "force-unlock" in (info.value.hint or "")


@pytest.mark.skipif(REAL is None, reason="terraform is not on PATH")
def test_real_terraform_unreadable_state_is_state_not_lock(applied: Terraform) -> None:
    """Terraform reports an unreadable state as a failure to take the lock; releasing a lock
    nobody holds would not help, so it is a state error with the state's hint."""
    state = applied.working_dir / "terraform.tfstate"
    state.write_text(state.read_text().replace('"version": 4', '"version": 9', 1))
    with pytest.raises(TerraformError) as info:
        applied.plan(applied.working_dir / "again", variables={"v": "2"})
    assert "Error acquiring the state lock" in info.value.stderr
    assert "Unsupported state file format" in str(info.value)
    assert info.value.kind == "state"
    assert "force-unlock" not in (info.value.hint or "")


@pytest.mark.skipif(REAL is None, reason="terraform is not on PATH")
def test_real_terraform_stale_plan_says_to_plan_again(applied: Terraform) -> None:
    wd = applied.working_dir
    assert applied.plan(wd / "reviewed", variables={"v": "2"}) is True
    applied.plan(wd / "other", variables={"v": "3"})
    applied.apply(wd / "other")  # the state moves on after the review
    with pytest.raises(TerraformError) as info:
        applied.apply(wd / "reviewed")
    assert (info.value.kind, info.value.returncode) == ("state", 1)
    assert str(info.value).splitlines()[0] == (
        "terraform apply failed (state, exit code 1): Saved plan is stale")
    assert (info.value.hint or "").startswith("the state changed after this plan was made")


@pytest.mark.skipif(REAL is None, reason="terraform is not on PATH")
@pytest.mark.skipif(os.name != "posix", reason="the logging wrapper is a shell script")
def test_a_failed_plan_is_reported_to_every_worker_without_running_terraform_again(
    tmp_path: Path,
) -> None:
    from pytest_devops.config import Environment
    from pytest_devops.plan.provide import make_plan
    from pytest_devops.plan.settings import TerraformSettings

    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "main.tf").write_text('resource "terraform_data" "x" {\n  input = var.nope\n}\n')
    calls = tmp_path / "calls"
    logged = tmp_path / "terraform"  # the real CLI, each command it runs noted
    logged.write_text(f'#!/bin/sh\necho "$1" >> {calls}\nexec {REAL} "$@"\n')
    logged.chmod(0o755)
    settings = TerraformSettings(working_dir=infra, binary=str(logged), timeout=300)
    env = Environment(name="dev", config_file=tmp_path / "devops.yaml", root=tmp_path)
    shared, folder = tmp_path / "shared", tmp_path / ".devops/plans/dev"
    with pytest.raises(TerraformError) as first:
        make_plan(settings, shared, "gw0", env=env, folder=folder)
    assert first.value.kind == "configuration"
    assert calls.read_text().split() == ["version", "init", "plan"]
    with pytest.raises(GateError) as second:
        make_plan(settings, shared, "gw1", env=env, folder=folder)
    assert str(second.value) == str(first.value)
    assert calls.read_text().split() == ["version", "init", "plan"]  # gw1 ran none


@pytest.mark.skipif(REAL is None, reason="terraform is not on PATH")
def test_list_and_map_variables_reach_terraform_as_values_it_reads(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(textwrap.dedent("""
        variable "zones" { type = list(string) }
        variable "sizes" { type = map(number) }
        variable "on" { type = bool }
        resource "terraform_data" "x" {
          input = "${join(",", var.zones)} ${var.sizes["web.a"]} ${var.on}"
        }
    """))
    tf = Terraform(tmp_path, data_dir=tmp_path / ".tfdata", timeout=300)
    tf.init()
    tf.plan(tmp_path / "tfplan",
            variables={"zones": ["a", "b"], "sizes": {"web.a": 2}, "on": True})
    plan = parse_plan(tf.show_json(tmp_path / "tfplan"), "real")
    assert plan["terraform_data.x"].value("input") == "a,b 2 true"
