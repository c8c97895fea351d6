"""Post-deploy assertions on AWS resources, each returning a typed result or raising.

A check passes by returning its result, fails with :class:`GateFailure` (the resource
is missing or in the wrong state; findings name it) and errors with :class:`GateError`
when AWS could not be asked (no credentials, access denied, endpoint down).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pytest_devops.aws.session import AwsSession
from pytest_devops.errors import GateError, GateFailure
from pytest_devops.findings import Finding

#: Error codes that mean "the resource is not there": a failure, not an error.
_MISSING = frozenset({
    "InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed", "NoSuchBucket",
    "TargetGroupNotFound", "ResourceNotFoundException",
    "NoSuchPublicAccessBlockConfiguration", "ServerSideEncryptionConfigurationNotFoundError",
})
PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                       "RestrictPublicBuckets")


@dataclass(frozen=True)
class InstanceState:
    instance_id: str
    state: str
    instance_type: str | None = None


@dataclass(frozen=True)
class TargetHealth:
    target_group_arn: str
    targets: Mapping[str, str]  # target id -> state (healthy, unhealthy, unused, ...)


@dataclass(frozen=True)
class BucketSecurity:
    bucket: str
    encryption: str | None  # SSE algorithm, None when unencrypted
    public_access_block: Mapping[str, bool]


@dataclass(frozen=True)
class AlarmStates:
    states: Mapping[str, str]  # alarm name -> OK | ALARM | INSUFFICIENT_DATA


@dataclass(frozen=True)
class LogScan:
    log_group: str
    since: dt.datetime
    pattern: str
    matches: tuple[str, ...]


class AwsVerifier:
    """What the ``devops_aws`` fixture returns: assertions on one environment's AWS."""

    def __init__(self, session: AwsSession) -> None:
        self.session = session

    def client(self, service: str) -> Any:
        return self.session.client(service)

    def instance_running(self, instance_id: str, state: str = "running") -> InstanceState:
        """The EC2 instance exists and is in ``state``."""
        rule = "aws-instance-running"
        with _aws(rule, instance_id):
            reservations = self.client("ec2").describe_instances(InstanceIds=[instance_id])
        found = [i for r in reservations["Reservations"] for i in r["Instances"]]
        if not found:
            _fail(rule, instance_id, "instance not found")
        inst = found[0]
        result = InstanceState(instance_id, inst["State"]["Name"], inst.get("InstanceType"))
        if result.state != state:
            _fail(rule, instance_id, f"instance is {result.state}, expected {state}")
        return result

    def targets_healthy(self, target_group_arn: str, minimum: int = 1) -> TargetHealth:
        """At least ``minimum`` targets are registered and every target is healthy."""
        rule = "aws-targets-healthy"
        with _aws(rule, target_group_arn):
            resp = self.client("elbv2").describe_target_health(TargetGroupArn=target_group_arn)
        targets = {
            d["Target"]["Id"]: d["TargetHealth"]["State"]
            for d in resp["TargetHealthDescriptions"]
        }
        result = TargetHealth(target_group_arn, targets)
        findings = [
            Finding(rule, f"target {tid} is {st}", address=target_group_arn,
                    details={"target": tid, "state": st})
            for tid, st in sorted(targets.items()) if st != "healthy"
        ]
        if len(targets) < minimum:
            findings.append(Finding(rule, f"{len(targets)} targets registered, expected at "
                                          f"least {minimum}", address=target_group_arn))
        if findings:
            raise GateFailure(f"target group {_short(target_group_arn)} is not healthy", findings)
        return result

    def bucket_secure(self, bucket: str) -> BucketSecurity:
        """The bucket exists, is encrypted by default, and blocks all public access."""
        rule = "aws-bucket-secure"
        s3 = self.client("s3")
        with _aws(rule, bucket):
            s3.head_bucket(Bucket=bucket)
        findings: list[Finding] = []
        algorithm = None
        try:
            rules = s3.get_bucket_encryption(Bucket=bucket)[
                "ServerSideEncryptionConfiguration"]["Rules"]
            algorithm = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        except Exception as exc:
            if _code(exc) not in _MISSING:
                raise _error(rule, bucket, exc) from None
            findings.append(Finding(rule, "default encryption is not enabled", address=bucket))
        flags: dict[str, bool] = dict.fromkeys(PUBLIC_ACCESS_FLAGS, False)
        try:
            conf = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
            flags = {k: bool(conf.get(k)) for k in PUBLIC_ACCESS_FLAGS}
        except Exception as exc:
            if _code(exc) not in _MISSING:
                raise _error(rule, bucket, exc) from None
        off = [k for k, v in flags.items() if not v]
        if off:
            findings.append(Finding(rule, f"public access is not blocked: {', '.join(off)} off",
                                    address=bucket, details={"off": off}))
        if findings:
            raise GateFailure(f"bucket {bucket} is not secure", findings)
        return BucketSecurity(bucket, algorithm, flags)

    def alarms_ok(self, names: Iterable[str] = (), prefix: str | None = None) -> AlarmStates:
        """Every named alarm (or every alarm starting with ``prefix``) exists and is OK."""
        rule = "aws-alarms-ok"
        wanted = list(names)
        where = ", ".join(wanted) or f"prefix {prefix!r}"
        kwargs: dict[str, Any] = {"AlarmNames": wanted} if wanted else {}
        if prefix and not wanted:
            kwargs["AlarmNamePrefix"] = prefix
        states: dict[str, str] = {}
        with _aws(rule, where):
            for page in self.client("cloudwatch").get_paginator("describe_alarms").paginate(
                **kwargs
            ):
                for alarm in [*page.get("MetricAlarms", ()), *page.get("CompositeAlarms", ())]:
                    states[alarm["AlarmName"]] = alarm["StateValue"]
        findings = [Finding(rule, "alarm not found", address=n) for n in wanted if n not in states]
        findings += [
            Finding(rule, f"alarm is {st}", address=name, details={"state": st})
            for name, st in sorted(states.items()) if st != "OK"
        ]
        if not states and not findings:
            findings.append(Finding(rule, "no alarm matches", address=where))
        if findings:
            raise GateFailure("CloudWatch alarms are not OK", findings)
        return AlarmStates(states)

    def no_log_errors(
        self, log_group: str, since: dt.datetime, pattern: str = "ERROR", limit: int = 20
    ) -> LogScan:
        """No event matching ``pattern`` (CloudWatch filter syntax) in ``log_group``
        since ``since`` (the deploy's start)."""
        rule = "aws-log-errors"
        start = int(since.timestamp() * 1000)
        matches: list[str] = []
        with _aws(rule, log_group):
            pages = self.client("logs").get_paginator("filter_log_events").paginate(
                logGroupName=log_group, filterPattern=pattern, startTime=start
            )
            for page in pages:
                matches += [e["message"].rstrip() for e in page.get("events", ())]
                if len(matches) >= limit:
                    break
        result = LogScan(log_group, since, pattern, tuple(matches[:limit]))
        if matches:
            raise GateFailure(
                f"log group {log_group}: {len(matches)} event(s) match {pattern!r} since "
                f"{since.isoformat(timespec='seconds')}",
                [Finding(rule, m[:300], address=log_group) for m in result.matches],
            )
        return result


@contextmanager
def _aws(rule: str, address: str) -> Iterator[None]:
    """Turn botocore exceptions into a failure (resource missing) or an error."""
    try:
        yield
    except GateFailure:
        raise
    except Exception as exc:
        if _code(exc) in _MISSING:
            _fail(rule, address, f"not found ({_code(exc)})")
        raise _error(rule, address, exc) from None


def _code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code in ("404", "NotFound"):
            return "NoSuchBucket"
        return str(code) if code else None
    return None


def _error(rule: str, address: str, exc: BaseException) -> GateError:
    return GateError(
        f"{rule}: cannot query {address}: {type(exc).__name__}: {exc}",
        hint="check the aws: section (region, profile, role_arn, endpoint_url) and credentials",
    )


def _fail(rule: str, address: str, message: str) -> None:
    raise GateFailure(f"{_short(address)}: {message}", [Finding(rule, message, address=address)])


def _short(arn: str) -> str:
    return arn.split(":", 5)[-1] if arn.startswith("arn:") else arn
