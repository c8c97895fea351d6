"""Ephemeral environments: applied once per run (xdist too), torn down per policy."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from pytest_devops.cloudformation.ephemeral import EphemeralSettings, confirmed
from pytest_devops.config import Environment
from pytest_devops.errors import GateError, GateTimeout
from pytest_devops.shared import SharedDir

TEMPLATE = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 7}
Outputs:
  BucketName: {Value: !Ref Bucket}
  LogGroupName: {Value: !Ref Logs}
"""

CONFIG = """\
environments:
  eph:
    aws:
      region: us-east-1
      endpoint_url: {endpoint}
      emulator: moto
      checks:
        buckets_secure: [output:BucketName]
        log_groups_clean: [output:LogGroupName]
    cloudformation: {{stack_name: {stack}, template: template.yaml}}
    ephemeral: {{teardown: {teardown}}}
  prod:
    extends: eph
    protected: true
  longlived:
    extends: eph
    ephemeral: {{enabled: false}}
"""

TESTS = """\
import pytest

@pytest.mark.devops_plan
def test_plan(devops_cfn_plan):
    assert sorted((rc.address, rc.action) for rc in devops_cfn_plan) == [
        ("Bucket", "create"), ("Logs", "create")]

@pytest.mark.devops_postdeploy
def test_bucket(devops_deployment, devops_aws):
    assert devops_deployment.applied
    devops_aws.bucket_secure(devops_deployment.output("BucketName"))
"""


def _combine(box: str, path: str) -> None:
    def compute() -> int:
        with open(os.path.join(box, "computed"), "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return 42

    assert SharedDir(Path(path)).once("apply", compute, timeout=30) == 42


def test_once_across_processes(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_combine, args=(str(tmp_path), str(tmp_path / "shared")))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert len((tmp_path / "computed").read_text().splitlines()) == 1


def _hold_forever(path: str, ready: Any) -> None:
    with SharedDir(Path(path)).lock("apply", timeout=5):
        ready.set()
        threading.Event().wait()


def test_a_lock_held_by_a_killed_worker_is_released(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_forever, args=(str(tmp_path / "shared"), ready))
    holder.start()
    shared = SharedDir(tmp_path / "shared")
    try:
        assert ready.wait(60)
        with pytest.raises(GateTimeout, match="waited 0s for"), shared.lock("apply", timeout=0.2):
            pass
    finally:
        holder.kill()  # SIGKILL: nothing runs in the holder to release the lock
        holder.join(10)
    assert shared.once("apply", lambda: 7, timeout=5) == 7


def test_once_records_an_error_for_the_others(tmp_path: Path) -> None:
    shared = SharedDir(tmp_path)

    def boom() -> None:
        raise GateError("apply failed: Bucket CREATE_FAILED", hint="fix it")

    with pytest.raises(GateError, match="CREATE_FAILED"):
        shared.once("apply", boom, timeout=5)
    with pytest.raises(GateError, match="CREATE_FAILED\n"):  # recorded: never retried
        shared.once("apply", lambda: 1, timeout=5)
    record = shared.read("apply")
    record["pid"] = -1
    shared.write("apply", record)
    with pytest.raises(GateError, match="CREATE_FAILED \\(in another worker\\)"):
        shared.once("apply", lambda: 1, timeout=5)


def test_once_records_any_exception_so_no_other_process_applies_again(tmp_path: Path) -> None:
    shared = SharedDir(tmp_path)
    calls = []

    def crash() -> None:
        calls.append(1)
        raise KeyError("PhysicalResourceId")

    with pytest.raises(KeyError):
        shared.once("apply", crash, timeout=5)
    record = shared.read("apply")
    record["pid"] = -1
    shared.write("apply", record)
    with pytest.raises(GateError) as exc:
        shared.once("apply", crash, timeout=5)
    assert exc.value.message == "KeyError: 'PhysicalResourceId' (in another worker)"
    assert calls == [1]


def test_policy_and_protection() -> None:
    assert EphemeralSettings.from_section(None) == EphemeralSettings(enabled=False)
    assert EphemeralSettings.from_section({}) == EphemeralSettings(True, "always")
    bare = Environment(name="ci", config_file=None, root=Path("."), sections={"ephemeral": {}})
    assert EphemeralSettings.of(bare).enabled
    absent = Environment(name="ci", config_file=None, root=Path("."))
    assert not EphemeralSettings.of(absent).enabled
    on_success = EphemeralSettings.from_section({"teardown": "on_success"})
    assert (on_success.should_tear_down(True), on_success.should_tear_down(False)) == (True, False)
    assert not EphemeralSettings(True, "never").should_tear_down(True)
    prod = Environment(name="prod", config_file=None, root=Path("."), protected=True)
    assert (confirmed(prod, None), confirmed(prod, "staging"), confirmed(prod, "prod")) == (
        False, False, True)


@pytest.fixture
def project(pytester: pytest.Pytester, aws_endpoint: str) -> Any:
    def make(teardown: str = "always") -> str:
        stack = f"eph-{uuid.uuid4().hex[:8]}"
        pytester.makefile(".yaml", template=TEMPLATE)
        pytester.makefile(".yaml", devops=CONFIG.format(endpoint=aws_endpoint, stack=stack,
                                                         teardown=teardown))
        pytester.makepyfile(test_gates=TESTS)
        return stack

    return make


def _change_sets(boto: Any, stack: str) -> int:
    return sum(1 for s in boto("cloudformation").list_change_sets(StackName=stack)["Summaries"]
               if s["StackName"] == stack)


def _exists(boto: Any, stack: str) -> bool:
    try:
        boto("cloudformation").describe_stacks(StackName=stack)
    except Exception:
        return False
    return True


def test_session_applies_verifies_and_tears_down(
    pytester: pytest.Pytester, project: Any, boto: Any
) -> None:
    stack = project()
    result = pytester.runpytest("--devops-env=eph", "-p", "no:xdist", "-v")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "devops aws: region us-east-1, endpoint http://127.0.0.1:*, stack eph-*, "
        "ephemeral (teardown: always)",
        "*devops.yaml::aws-buckets-secure PASSED*",
        "*devops.yaml::aws-log-groups-clean PASSED*",
        f"devops ephemeral: deleted stack {stack}",
    ])
    assert not _exists(boto, stack)
    assert _change_sets(boto, stack) == 1


def test_on_success_keeps_a_failed_environment(
    pytester: pytest.Pytester, project: Any, boto: Any
) -> None:
    stack = project("on_success")
    pytester.makepyfile(test_broken="""
        import pytest
        @pytest.mark.devops_postdeploy
        def test_missing(devops_aws):
            devops_aws.bucket_secure("no-such-bucket-zz")
    """)
    result = pytester.runpytest("--devops-env=eph", "-p", "no:xdist")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([f"devops ephemeral: kept stack {stack} (teardown: on_success)"])
    assert _exists(boto, stack)
    boto("cloudformation").delete_stack(StackName=stack)


def test_a_change_set_the_pipeline_executed_is_verified_not_executed_again(
    pytester: pytest.Pytester, project: Any, boto: Any, aws_session: Any
) -> None:
    from pytest_devops.aws.emulator import complete_stack
    from pytest_devops.cloudformation.changeset import CloudFormation
    from pytest_devops.cloudformation.model import CfnSettings

    stack = project()
    cfn = CloudFormation(aws_session, CfnSettings(stack, pytester.path / "template.yaml"))
    change_set = cfn.plan()
    cfn.execute(change_set)  # the pipeline's apply step (as examples/demo/run.py does it)
    complete_stack(aws_session, stack, change_set.template)
    pytester.makepyfile(test_gates="""
        import pytest
        @pytest.mark.devops_postdeploy
        def test_bucket(devops_deployment, devops_aws):
            assert not devops_deployment.applied  # applied by the pipeline, not this run
            devops_aws.bucket_secure(devops_deployment.output("BucketName"))
    """)
    result = pytester.runpytest("--devops-env=eph", "-p", "no:xdist",
                                f"--devops-change-set={change_set.change_set_id}")
    result.assert_outcomes(passed=3)
    assert "devops ephemeral:" not in result.stdout.str()  # not this run's to tear down
    assert _exists(boto, stack)
    cfn.destroy()


def test_protected_environment_refuses_apply_without_confirmation(
    pytester: pytest.Pytester, project: Any, boto: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = project()
    result = pytester.runpytest("--devops-env=prod", "-p", "no:xdist", "-k", "bucket")
    result.assert_outcomes(errors=2)  # test_bucket and the built-in aws-buckets-secure
    result.stdout.fnmatch_lines(["*environment prod is protected*",
                                 "*--devops-confirm-apply=prod*"])
    assert not _exists(boto, stack)
    monkeypatch.setenv("PYTEST_DEVOPS_CONFIRM_APPLY", "prod")
    pytester.runpytest("--devops-env=prod", "-p", "no:xdist", "-k", "bucket").assert_outcomes(
        passed=2)
    assert not _exists(boto, stack)


def test_long_lived_environment_is_verified_never_applied(
    pytester: pytest.Pytester, project: Any, boto: Any
) -> None:
    stack = project()
    result = pytester.runpytest("--devops-env=longlived", "-p", "no:xdist",
                                "--devops-stage=apply")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines([
        "*long-lived: verified, never applied by tests*",
        f"*stack {stack} does not exist in us-east-1*",
    ])
    assert not _exists(boto, stack)


def test_xdist_applies_once_and_the_controller_tears_down(
    pytester: pytest.Pytester, project: Any, boto: Any
) -> None:
    stack = project()
    for i in range(2):
        pytester.makepyfile(**{f"test_more_{i}": f"""
            import pytest
            @pytest.mark.devops_postdeploy
            @pytest.mark.parametrize("n", range(3))
            def test_outputs_{i}(devops_deployment, n):
                assert devops_deployment.applied
                assert devops_deployment.output("LogGroupName")
        """})
    result = pytester.runpytest_subprocess("--devops-env=eph", "-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=10)
    assert _change_sets(boto, stack) == 1
    assert not _exists(boto, stack)


def test_no_echo_parameters_and_external_id_are_masked_from_the_start(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", template="""
Parameters:
  DbPassword: {Type: String, NoEcho: true}
  Size: {Type: String}
Resources:
  Bucket: {Type: AWS::S3::Bucket}
""")
    pytester.makefile(".yaml", devops="""
environments:
  e:
    aws: {region: us-east-1, role_arn: "arn:aws:iam::123456789012:role/r",
          external_id: ext-7781-secret}
    cloudformation:
      stack_name: masked
      template: template.yaml
      parameters: {DbPassword: s3cr3t-pass-42, Size: t3.micro}
""")
    pytester.makepyfile("""
        def test_leak():
            assert False, "leak s3cr3t-pass-42 ext-7781-secret t3.micro"
    """)
    result = pytester.runpytest("--devops-env=e", "-p", "no:xdist")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*leak *** *** t3.micro*"])
    assert "s3cr3t-pass-42" not in result.stdout.str()
    assert "ext-7781-secret" not in result.stdout.str()


def test_terraform_outputs_feed_verification_and_sensitive_ones_are_masked(
    pytester: pytest.Pytester, aws_endpoint: str, boto: Any
) -> None:
    bucket = f"tf-{uuid.uuid4().hex[:10]}"
    s3 = boto("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    pytester.makefile(".json", outputs=json.dumps({
        "bucket": {"value": bucket, "type": "string", "sensitive": False},
        "db_password": {"value": "pw-9f8e7d6c", "type": "string", "sensitive": True},
    }))
    pytester.makefile(".yaml", devops=f"""
environments:
  staging:
    aws:
      region: us-east-1
      endpoint_url: {aws_endpoint}
      outputs_file: outputs.json
      checks:
        buckets_secure: [output:bucket, output:missing]
""")
    pytester.makepyfile("""
        import pytest

        @pytest.mark.devops_postdeploy
        def test_password(devops_deployment):
            assert not devops_deployment.applied
            assert devops_deployment.source == "Terraform outputs outputs.json"
            assert devops_deployment.output("db_password") == "other", "leaked?"
    """)
    result = pytester.runpytest("--devops-env=staging", "-p", "no:xdist")
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*long-lived: verified, never applied by tests*",
        "*Terraform outputs outputs.json has no output 'missing'; outputs: bucket, db_password*",
        "*AssertionError: leaked?*",
    ])
    assert "pw-9f8e7d6c" not in result.stdout.str()
