"""One security scan: run Checkov (or reuse a cached run), fail closed, apply the policy.

Pure library: no pytest import. Every way the scan can be wrong (Checkov missing or
crashed, a file it could not parse, a framework that read no resources although the
input declares some, a timeout) is a :class:`~pytest_devops.errors.GateError`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path

from pytest_devops.errors import ConfigError, GateError
from pytest_devops.redact import Redactor
from pytest_devops.security import checkov, coverage
from pytest_devops.security.cache import ScanCache, cache_key
from pytest_devops.security.inputs import Targets, argument_files_digest, collect
from pytest_devops.security.model import ScanReport, ScanResult
from pytest_devops.security.parse import RawScan, mask_code, parse
from pytest_devops.security.policy import SEVERITIES, SecurityPolicy


def scan(
    policy: SecurityPolicy,
    root: Path,
    *,
    redactor: Redactor | None = None,
    cache_dir: Path | None = None,
    baseline: set[tuple[str, str, str]] | None = None,
    today: dt.date | None = None,
    environ: Mapping[str, str] | None = None,
    outputs: Collection[Path] = (),
    run_id: str | None = None,
) -> ScanReport:
    """Scan ``policy.paths`` under ``root`` and judge the results by ``policy``.

    ``outputs``: files this run writes (reports), kept out of the cache key; ``run_id``:
    the test run several processes share (see :meth:`ScanCache.get_or_scan`)."""
    started = time.monotonic()
    exe = checkov.resolve(policy.checkov, root, environ)
    targets = collect(policy.paths, root, outputs=outputs)
    try:
        checkov.refuse_implicit_config(targets.configured, root)
        settings = {**policy.run_key(), "root": str(root),
                    "argument_files": argument_files_digest(policy.extra_args, root)}
        key = cache_key(digest=targets.digest, checkov=exe.identity(), settings=settings)
        if cache_dir is not None and policy.cache:
            raw, cached = ScanCache(cache_dir).get_or_scan(
                key, lambda: _run(exe, policy, targets, root), wait=policy.timeout,
                run_id=run_id,
            )
        else:
            raw, cached = _run(exe, policy, targets, root), False
    finally:
        targets.cleanup()
    fail_closed(raw, targets, policy, root)
    paths = coverage.per_path(targets.paths, targets.declared, raw.results, root)
    coverage.refuse_unread(paths, bool(policy.checks))
    report = judge(raw, policy, baseline or set(), today or dt.date.today(), cached=cached)
    report = replace(report, coverage=paths)
    report = _redact(report, redactor)
    return _with_details(report, executable=exe.path, source=exe.source, key=key,
                         seconds=round(time.monotonic() - started, 3))


def _run(exe: checkov.Executable, policy: SecurityPolicy, targets: Targets, root: Path) -> RawScan:
    cmd = checkov.command(
        exe,
        directories=targets.directories,
        files=targets.files,
        frameworks=policy.frameworks,
        checks=policy.checks,
        download_external_modules=policy.download_external_modules,
        extra_args=policy.extra_args,
    )
    done = checkov.run(cmd, cwd=root, timeout=policy.timeout)
    tail = _tail(done.stderr)
    if done.returncode not in (0, 1):
        raise GateError(f"checkov exited with status {done.returncode}{tail}",
                        hint="run the same scan by hand: " + " ".join(cmd))
    try:
        aliases = {**targets.aliases, **{k + "/": v + "/" for k, v in targets.prefixes.items()}}
        raw = parse(done.stdout, root, aliases)
    except GateError as exc:
        raise GateError(f"{exc.message} (exit status {done.returncode}){tail}",
                        hint=exc.hint) from None
    failed = any(r.status == "failed" for r in raw.results)
    if done.returncode == 1 and not failed:
        raise GateError(f"checkov exited with status 1 but reported no failed check{tail}",
                        hint="Checkov crashed part-way; run the same scan by hand: "
                        + " ".join(cmd))
    for rel in raw.parsing_errors:
        absolute = str(root / rel)
        lines = [ln.strip() for ln in done.stderr.splitlines() if absolute in ln or rel in ln]
        if lines:
            raw.error_details[rel] = mask_code(_LOG_PREFIX.sub("", lines[0])[:400])
    return raw


_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ \[[^]]*\] \[[A-Z]+\]\s*")


def _tail(stderr: str, n: int = 6) -> str:
    """The end of Checkov's log, secrets masked: a parser's message may quote the line."""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()][-n:]
    return mask_code(":\n    " + "\n    ".join(ln[:300] for ln in lines)) if lines else ""


def fail_closed(raw: RawScan, targets: Targets, policy: SecurityPolicy, root: Path) -> None:
    """Refuse a scan that did not read everything it was given."""
    if raw.parsing_errors:
        listed = "\n".join(
            f"  - {p}" + (f": {raw.error_details[p]}" if p in raw.error_details else "")
            for p in raw.parsing_errors
        )
        raise GateError(
            f"checkov could not parse {len(raw.parsing_errors)} file(s):\n{listed}",
            hint="fix the syntax (terraform validate, a YAML linter), or exclude the file "
            "from security.paths",
        )
    expected = {f: files for f, files in sorted(targets.expected.items())
                if not policy.frameworks or f in policy.frameworks}
    unread = {f: files for f, files in expected.items() if not raw.resource_counts.get(f)}
    if policy.checks and len(unread) < len(expected):
        # With `checks`, a framework none of the chosen checks belongs to reads nothing;
        # one framework that did read its resources shows the scan ran.
        return
    for framework, files in unread.items():
        shown = ", ".join(_rel(f, root) for f in files[:5])
        raise GateError(
            f"checkov scanned no {framework} resources, but {shown} declare(s) some",
            hint="Checkov skipped the input: check the file format, that it is not "
            "excluded (hidden directory, skip-path in extra_args), and Checkov's log",
        )


def judge(raw: RawScan, policy: SecurityPolicy, baseline: set[tuple[str, str, str]],
          today: dt.date, *, cached: bool = False) -> ScanReport:
    """Apply skips, the baseline, the severity threshold and soft-fail to a raw scan."""
    skips = policy.active_skips(today)
    buckets: dict[str, list[ScanResult]] = {k: [] for k in
                                            ("passed", "failed", "skipped", "baselined", "soft")}
    threshold = SEVERITIES.index(policy.severity_threshold) if policy.severity_threshold else None
    for r in raw.results:
        if r.status != "failed":
            buckets[r.status].append(r)
            continue
        if r.check_id in skips:
            note = f"skipped: {skips[r.check_id].describe()}"
            buckets["skipped"].append(r.with_status("skipped", note))
        elif r.identity() in baseline:
            buckets["baselined"].append(r.with_status("failed", "in the baseline"))
        elif threshold is not None and _below(r, threshold, policy):
            note = f"below severity {policy.severity_threshold}"
            buckets["soft"].append(r.with_status("failed", note))
        elif policy.is_soft(r.check_id):
            buckets["soft"].append(r.with_status("failed", "soft-fail"))
        else:
            buckets["failed"].append(r)
    return ScanReport(
        checkov_version=raw.checkov_version,
        targets=tuple(policy.paths),
        resource_counts=dict(raw.resource_counts),
        parsing_errors=tuple(raw.parsing_errors),
        passed=tuple(buckets["passed"]),
        failed=tuple(buckets["failed"]),
        skipped=tuple(buckets["skipped"]),
        baselined=tuple(buckets["baselined"]),
        soft_failed=tuple(buckets["soft"]),
        cached=cached,
    )


def _below(result: ScanResult, threshold: int, policy: SecurityPolicy) -> bool:
    if result.severity not in SEVERITIES:
        raise ConfigError(
            f"severity_threshold is {policy.severity_threshold}, but Checkov reported no "
            f"severity for {result.check_id} ({result.resource}, {result.location})",
            key="security.severity_threshold",
            hint="open-source Checkov reports no severities offline; remove "
            "severity_threshold and use checks / skip_checks / soft_fail, or give custom "
            "checks a severity",
        )
    return SEVERITIES.index(result.severity) < threshold


def _redact(report: ScanReport, redactor: Redactor | None) -> ScanReport:
    if redactor is None or not len(redactor):
        return report

    def clean(rs: tuple[ScanResult, ...]) -> tuple[ScanResult, ...]:
        return tuple(replace(r, code=redactor.redact(r.code), resource=redactor.redact(r.resource))
                     for r in rs)

    return replace(report, passed=clean(report.passed), failed=clean(report.failed),
                   skipped=clean(report.skipped), baselined=clean(report.baselined),
                   soft_failed=clean(report.soft_failed))


def _with_details(report: ScanReport, **details: object) -> ScanReport:
    return replace(report, details={**report.details, **details})


def _rel(path: str, root: Path) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:
        return path
