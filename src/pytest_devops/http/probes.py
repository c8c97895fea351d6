"""HTTP probes: attempts, retries on transient conditions, latency samples, deadlines.

Outcomes: a probe *fails* (:class:`~pytest_devops.errors.GateFailure`) when the endpoint
does not answer as expected — including when it cannot be reached at all (name does not
resolve, connection refused or reset, TLS rejected, no answer before the deadline),
because the endpoint is what is being verified. A probe that cannot be run — a bad
configuration, an unknown name, a bug — is an *error*. A probe never runs past its
deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pytest_devops.errors import GateFailure
from pytest_devops.findings import Finding
from pytest_devops.http.expect import Mismatch, evaluate, percentile
from pytest_devops.http.model import HttpExpectation, Probe, RetryPolicy
from pytest_devops.http.transport import Observation, Request, fetch
from pytest_devops.redact import Redactor

__all__ = ["Attempt", "HttpExpectation", "Observation", "Probe", "ProbeResult", "run_probe"]

MAX_SHOWN_ATTEMPTS = 8


@dataclass(frozen=True)
class Attempt:
    """One try: what was seen, what was wrong, and whether it was retried (and why)."""

    number: int
    observation: Observation
    mismatches: tuple[Mismatch, ...]
    retry_on: str | None = None

    def summary(self) -> str:
        obs = self.observation
        text = f"attempt {self.number}: {obs.summary()}"
        if self.mismatches and not obs.error:
            text += " — " + "; ".join(m.message for m in self.mismatches)
        if self.retry_on:
            text += f" [retried: {self.retry_on}]"
        return text


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of one probe. ``ok`` is true when every expectation held."""

    probe: Probe
    attempts: tuple[Attempt, ...]
    mismatches: tuple[Mismatch, ...]
    elapsed_s: float
    latencies_ms: tuple[float, ...] = ()
    stopped: str = ""
    redactor: Redactor = field(default_factory=Redactor, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    @property
    def last(self) -> Observation | None:
        """The last attempt's observation (a failed latency sample is an attempt too)."""
        return self.attempts[-1].observation if self.attempts else None

    def findings(self) -> list[Finding]:
        last = self.last
        details: dict[str, Any] = {"attempts": len(self.attempts), "elapsed_s": self.elapsed_s}
        if last is not None:
            details["status"] = last.status
            details["final_url"] = self.redactor.redact(last.final_url)
            details["elapsed_ms"] = round(last.elapsed_ms, 1)
            if last.ttfb_ms is not None:
                details["ttfb_ms"] = round(last.ttfb_ms, 1)
        return [
            Finding(
                rule=f"http-{m.check}",
                message=self.redactor.redact(m.message),
                address=f"{self.probe.name} {self.redactor.redact(self.probe.url)}",
                details=details,
            )
            for m in self.mismatches
        ]

    def report(self) -> str:
        """Multi-line, redacted account of the probe: every attempt and the last response."""
        probe = self.probe
        verdict = "passed" if self.ok else "failed"
        lines = [
            f"{probe.name}: {probe.method} {probe.url} {verdict} after "
            f"{len(self.attempts)} attempt(s) in {self.elapsed_s:.2f} s "
            f"(timeout {probe.timeout:g} s, deadline {probe.deadline:g} s)"
        ]
        shown = list(self.attempts)
        if len(shown) > MAX_SHOWN_ATTEMPTS:  # many quick retries: the first and the last few
            hidden = len(shown) - MAX_SHOWN_ATTEMPTS + 1
            lines += [f"  {a.summary()}" for a in shown[:3]]
            lines.append(f"  … {hidden} more attempt(s) …")
            shown = shown[3 + hidden :]
        lines += [f"  {a.summary()}" for a in shown]
        if self.stopped:
            lines.append(f"  stopped: {self.stopped}")
        if self.latencies_ms:
            samples = ", ".join(f"{v:.0f}" for v in self.latencies_ms)
            lines.append(f"  latency samples (ms): {samples}")
        last = self.last
        if last is not None and last.status is not None:
            lines.append(f"  last response: {last.status} {last.reason}".rstrip())
            lines.append(f"  body: {last.excerpt(redact=self.redactor.redact) or '(empty)'}")
        return self.redactor.redact("\n".join(lines))

    def failure(self) -> GateFailure:
        return GateFailure(self.report(), self.findings())

    def raise_for_failure(self) -> ProbeResult:
        """Raise :class:`GateFailure` (the report and one finding per mismatch) unless ok."""
        if not self.ok:
            raise self.failure()
        return self


def _retry_condition(
    obs: Observation, mismatches: list[Mismatch], policy: RetryPolicy
) -> str | None:
    if not mismatches:
        return None
    if obs.error in policy.when:
        return obs.error
    if obs.error is None and obs.status in policy.when:
        return str(obs.status)
    if "unexpected" in policy.when and obs.error is None:
        return "unexpected"
    return None


def run_probe(
    probe: Probe,
    *,
    redactor: Redactor | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ProbeResult:
    """Run ``probe`` to completion within its deadline."""
    redactor = redactor or Redactor()
    redact = redactor.redact
    start = clock()
    deadline = start + probe.deadline
    expect = probe.expect
    request = Request(
        method=probe.method,
        url=probe.url,
        headers=tuple(probe.headers.items()),
        body=probe.body.encode() if probe.body is not None else None,
    )

    def attempt() -> Observation:
        return fetch(
            request,
            end=min(clock() + probe.timeout, deadline),
            tls=expect.tls,
            follow=expect.redirects.follow,
            max_redirects=expect.redirects.max,
            max_body=probe.max_body_bytes,
        )

    attempts: list[Attempt] = []
    mismatches: list[Mismatch] = []
    stopped = ""
    for number in range(1, probe.retries.max + 2):
        obs = attempt()
        mismatches = evaluate(obs, expect, redact=redact)
        retry = _retry_condition(obs, mismatches, probe.retries)
        last_try = number > probe.retries.max
        wait = probe.retries.delay(number - 1)
        if retry and not last_try and clock() + wait >= deadline:
            stopped = f"deadline of {probe.deadline:g} s reached before the next attempt"
            retry = None
        attempts.append(Attempt(number, obs, tuple(mismatches), None if last_try else retry))
        if not retry or last_try:
            if retry and last_try:
                stopped = f"no retries left (max {probe.retries.max})"
            break
        sleep(wait)

    latencies: list[float] = []
    if not mismatches and expect.max_latency_ms is not None:
        latencies.append(attempts[-1].observation.elapsed_ms)
        while len(latencies) < expect.samples and clock() < deadline:
            obs = attempt()
            sample_mismatches = evaluate(obs, expect, redact=redact)
            if obs.error == "timeout" and clock() >= deadline:
                break  # cut short by the deadline: judged as too few samples below
            if sample_mismatches:
                attempts.append(Attempt(len(attempts) + 1, obs, tuple(sample_mismatches)))
                mismatches = sample_mismatches
                break
            latencies.append(obs.elapsed_ms)
        if not mismatches:
            mismatches = _latency(latencies, expect)
    return ProbeResult(
        probe=probe,
        attempts=tuple(attempts),
        mismatches=tuple(mismatches),
        elapsed_s=clock() - start,
        latencies_ms=tuple(latencies),
        stopped=stopped,
        redactor=redactor,
    )


def _latency(latencies: list[float], expect: HttpExpectation) -> list[Mismatch]:
    assert expect.max_latency_ms is not None
    if len(latencies) < expect.samples:
        return [
            Mismatch(
                "latency",
                f"only {len(latencies)} of {expect.samples} latency samples before the deadline",
            )
        ]
    value = percentile(latencies, expect.percentile)
    if value > expect.max_latency_ms:
        return [
            Mismatch(
                "latency",
                f"{expect.percentile} latency {value:.0f} ms over {len(latencies)} samples, "
                f"expected at most {expect.max_latency_ms:g} ms",
            )
        ]
    return []


def run_probes(
    probes: Iterable[Probe], *, redactor: Redactor | None = None, workers: int = 32
) -> Mapping[str, ProbeResult]:
    """Run many probes concurrently; each stays within its own deadline."""
    todo = list(probes)
    if not todo:
        return {}
    with ThreadPoolExecutor(max_workers=min(workers, len(todo)), thread_name_prefix="probe") as ex:
        futures = {p.name: ex.submit(run_probe, p, redactor=redactor) for p in todo}
        return {name: future.result() for name, future in futures.items()}
