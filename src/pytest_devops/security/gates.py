"""What the security gates decide, given a scan: pure functions, no pytest.

Reporting: the ``checkov`` gate is one test item; when it fails, its message lists each
failing check id once (name, how many resources, guideline) and the failure carries one
finding per (check, resource) with the resource and ``file:line`` — so the terminal,
JUnit and the JSON gate report all show exactly what to fix.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Collection
from pathlib import Path

from pytest_devops.config import Environment
from pytest_devops.errors import GateFailure
from pytest_devops.findings import Finding
from pytest_devops.redact import Redactor
from pytest_devops.security.model import ScanReport
from pytest_devops.security.policy import SecurityPolicy, parse_policy


class SecuritySoftFailWarning(UserWarning):
    """Failed checks the policy downgraded to warnings (soft_fail, severity threshold)."""


def env_policy(env: Environment) -> SecurityPolicy:
    where = str(env.config_file) if env.config_file else "devops.yaml"
    return parse_policy(env.section("security"), where=where,
                        key=f"environments.{env.name}.security")


def scan_environment(env: Environment, *, redactor: Redactor | None = None,
                     cache_dir: Path | None = None, today: dt.date | None = None,
                     outputs: Collection[Path] = (), run_id: str | None = None) -> ScanReport:
    """Scan what ``env``'s security policy names, judged by that policy and its baseline."""
    from pytest_devops.security import baseline
    from pytest_devops.security.scanner import scan

    policy = env_policy(env)
    known = baseline.load(env.path(policy.baseline)) if policy.baseline else set()
    return scan(policy, env.root, redactor=redactor, cache_dir=cache_dir, baseline=known,
                today=today, outputs=outputs, run_id=run_id)


def failure_message(report: ScanReport) -> str:
    by_check = report.by_check("failed")
    resources = {(r.file, r.resource) for r in report.failed}
    head = (f"checkov: {len(by_check)} check(s) failed on {len(resources)} resource(s) "
            f"({report.resource_count} resources scanned, checkov {report.checkov_version})")
    lines = [head]
    if report.coverage:
        from pytest_devops.security.coverage import describe

        lines.append(f"  paths: {describe(report.coverage)}")
    for check_id, results in by_check.items():
        first = results[0]
        lines.append(f"  {check_id} {first.check_name} [{len(results)}] — {first.help_url}")
    return "\n".join(lines)


def judge_scan(report: ScanReport) -> str:
    """Pass (saying what was scanned, per path), or raise :class:`GateFailure` with one
    finding per failing result."""
    if report.soft_failed:
        listed = "; ".join(f"{r.check_id} {r.resource} ({r.location})" for r in report.soft_failed)
        warnings.warn(SecuritySoftFailWarning(
            f"{len(report.soft_failed)} failed check(s) not failing the gate: {listed}"
        ), stacklevel=2)
    if report.failed:
        raise GateFailure(failure_message(report), report.findings())
    from pytest_devops.security.coverage import describe

    where = f": {describe(report.coverage)}" if report.coverage else ""
    return f"{report.resource_count} resources scanned{where}"


def judge_skips(policy: SecurityPolicy, today: dt.date, where: str) -> None:
    """Fail when a skip has expired: the accepted risk needs a new decision."""
    expired = policy.expired_skips(today)
    if not expired:
        return
    findings = [
        Finding(rule="expired-skip", address=s.id, file=where,
                message=f"skip of {s.id} expired on {s.expires} (reason was: {s.reason})")
        for s in expired
    ]
    names = ", ".join(s.id for s in expired)
    raise GateFailure(
        f"{len(expired)} security skip(s) expired: {names}; fix the findings, or renew the "
        "skip with a new reason and `expires` date in security.skip_checks",
        findings,
    )
