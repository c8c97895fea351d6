"""Built-in post-deploy gates from ``aws.checks`` in ``devops.yaml``.

Each entry names resources literally or as ``output:NAME`` (a stack output, or a
Terraform output from ``aws.outputs_file``)::

    aws:
      checks:
        instances_running: [output:InstanceId]
        targets_healthy: [output:TargetGroupArn]
        buckets_secure: [output:BucketName]
        alarms_ok: [demo-web-cpu-high]
        log_groups_clean: [output:LogGroupName]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_devops.errors import GateFailure
from pytest_devops.findings import Finding
from pytest_devops.gates import BuiltinGate

if TYPE_CHECKING:
    from pytest_devops.aws.checks import AwsVerifier
    from pytest_devops.cloudformation.ephemeral import Deployment
    from pytest_devops.context import GateContext

#: check key -> (gate name, description)
CHECKS: Mapping[str, tuple[str, str]] = {
    "instances_running": ("aws-instances-running", "EC2 instances are running"),
    "targets_healthy": ("aws-targets-healthy", "every target of the target groups is healthy"),
    "buckets_secure": ("aws-buckets-secure", "S3 buckets are encrypted and block public access"),
    "alarms_ok": ("aws-alarms-ok", "CloudWatch alarms are in OK"),
    "log_groups_clean": ("aws-log-groups-clean", "no error lines logged since the deploy"),
}


def builtin_gates(
    checks: Mapping[str, Any],
    deployment: Callable[[], Deployment],
    verifier: Callable[[], AwsVerifier],
) -> list[BuiltinGate]:
    pattern = str(checks.get("log_error_pattern", "ERROR"))
    gates = []
    for key, (name, description) in CHECKS.items():
        targets = checks.get(key)
        if not targets:
            continue
        run = _runner(key, list(targets), pattern, deployment, verifier)
        gates.append(BuiltinGate(name=name, kind="postdeploy", run=run, description=description))
    return gates


def _runner(
    key: str,
    targets: Sequence[str],
    pattern: str,
    deployment: Callable[[], Deployment],
    verifier: Callable[[], AwsVerifier],
) -> Callable[[GateContext], None]:
    def run(ctx: GateContext) -> None:
        dep = deployment()
        aws = verifier()
        names = [str(dep.resolve(t)) for t in targets]
        findings: list[Finding] = []
        if key == "alarms_ok":
            _collect(findings, aws.alarms_ok, names)
            names = []
        for name in names:
            if key == "instances_running":
                _collect(findings, aws.instance_running, name)
            elif key == "targets_healthy":
                _collect(findings, aws.targets_healthy, name)
            elif key == "buckets_secure":
                _collect(findings, aws.bucket_secure, name)
            elif key == "log_groups_clean":
                _collect(findings, aws.no_log_errors, name, dep.started_at, pattern)
        if findings:
            raise GateFailure(f"{CHECKS[key][1]}: {len(findings)} finding(s)", findings)

    return run


def _collect(findings: list[Finding], check: Callable[..., object], *args: Any) -> None:
    try:
        check(*args)
    except GateFailure as exc:
        findings.extend(exc.findings)
