"""``HttpProber``: the named probes of an environment plus ad-hoc requests, for tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pytest_devops.errors import ConfigError
from pytest_devops.http.model import (
    HttpExpectation,
    Probe,
    parse_expect,
    parse_probe,
    sensitive_values,
)
from pytest_devops.http.probes import ProbeResult, run_probe, run_probes
from pytest_devops.redact import Redactor


class HttpProber:
    """Runs HTTP probes: the environment's named ones (``urls:``) or any URL.

    >>> devops_http.probe("api").raise_for_failure()            # doctest: +SKIP
    >>> devops_http.get("https://example.test/health", expect={"status": 200})  # doctest: +SKIP
    """

    def __init__(
        self,
        probes: Mapping[str, Probe] | None = None,
        *,
        redactor: Redactor | None = None,
        root: Path | None = None,
        env_name: str | None = None,
    ) -> None:
        self.probes: Mapping[str, Probe] = dict(probes or {})
        self.redactor = redactor or Redactor()
        self.root = root
        self.env_name = env_name

    def __getitem__(self, name: str) -> Probe:
        try:
            return self.probes[name]
        except KeyError:
            known = ", ".join(sorted(self.probes)) or "(none)"
            where = f"environment {self.env_name!r}" if self.env_name else "this prober"
            raise ConfigError(
                f"no URL named {name!r} in {where}; known: {known}",
                key="urls",
                hint="add it under `urls:` in devops.yaml, or use devops_http.get(url)",
            ) from None

    def probe(
        self,
        name: str,
        *,
        expect: Mapping[str, Any] | HttpExpectation | None = None,
        **changes: Any,
    ) -> ProbeResult:
        """Run the named probe; ``expect``/``timeout``/``deadline``/... override its settings."""
        probe = self[name]
        if expect is not None:
            changes["expect"] = parse_expect(expect, key=f"urls.{name}.expect", root=self.root)
        return self._run(replace(probe, **changes) if changes else probe)

    def check(self, name: str, **kwargs: Any) -> ProbeResult:
        """Run the named probe and raise :class:`GateFailure` unless it passed."""
        return self.probe(name, **kwargs).raise_for_failure()

    def request(
        self,
        method: str,
        url: str,
        *,
        expect: Mapping[str, Any] | HttpExpectation | None = None,
        name: str | None = None,
        **settings: Any,
    ) -> ProbeResult:
        """Probe any URL; ``settings`` are those of a ``urls:`` entry (timeout, retries, ...)."""
        raw: dict[str, Any] = {"url": url, "method": method.upper(), **settings}
        if isinstance(expect, HttpExpectation):
            probe = parse_probe(name or url, raw, root=self.root).with_expect(expect)
        else:
            probe = parse_probe(name or url, {**raw, "expect": dict(expect or {})}, root=self.root)
        return self._run(probe)

    def _run(self, probe: Probe) -> ProbeResult:
        self.redactor.add_all(sensitive_values(probe))  # headers given in a test are secrets too
        return run_probe(probe, redactor=self.redactor)

    def get(self, url: str, **kwargs: Any) -> ProbeResult:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> ProbeResult:
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> ProbeResult:
        return self.request("POST", url, **kwargs)

    def probe_all(self, *, only_gates: bool = False) -> Mapping[str, ProbeResult]:
        """Run every named probe concurrently."""
        todo = [p for p in self.probes.values() if p.gate or not only_gates]
        return run_probes(todo, redactor=self.redactor)
