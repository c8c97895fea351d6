"""The typed form of an HTTP probe (the ``urls:`` section), parsed from plain mappings."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pytest_devops.errors import ConfigError

#: Transport conditions a probe can retry on (besides HTTP status codes).
CONDITIONS = ("refused", "reset", "timeout", "dns", "unexpected")
DEFAULT_RETRY_ON: tuple[str | int, ...] = ("refused", "reset", "timeout", 502, 503, 504)
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "max": 100.0}
#: Request headers whose values are secrets (matched case-insensitively, by substring).
SENSITIVE_HEADER_PARTS = ("authorization", "cookie", "token", "secret", "key", "password")


@dataclass(frozen=True)
class RetryPolicy:
    """Which conditions are retried, how often and how long to wait between attempts."""

    when: frozenset[str | int] = frozenset(DEFAULT_RETRY_ON)
    max: int = 3
    backoff: float = 0.5
    factor: float = 2.0
    max_backoff: float = 5.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        return float(min(self.backoff * self.factor**retry, self.max_backoff))


@dataclass(frozen=True)
class TlsExpectation:
    verify: bool = True
    ca_file: str | None = None
    min_days_to_expiry: float | None = None


@dataclass(frozen=True)
class RedirectExpectation:
    follow: bool = True
    max: int = 5
    final_url: str | None = None


@dataclass(frozen=True)
class HttpExpectation:
    """What a response must look like. With nothing set: a 2xx status."""

    status: tuple[int, ...] = ()
    body_contains: tuple[str, ...] = ()
    body_regex: str | None = None
    json: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str | bool] = field(default_factory=dict)
    max_latency_ms: float | None = None
    percentile: str = "p95"
    samples: int = 5
    redirects: RedirectExpectation = RedirectExpectation()
    tls: TlsExpectation = TlsExpectation()

    def status_ok(self, status: int) -> bool:
        return status in self.status if self.status else 200 <= status < 300

    def describe_status(self) -> str:
        if not self.status:
            return "2xx"
        return " or ".join(map(str, self.status))


@dataclass(frozen=True)
class Probe:
    """One named HTTP check: the request, what to expect, and its time limits."""

    name: str
    url: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    expect: HttpExpectation = HttpExpectation()
    timeout: float = 5.0
    deadline: float = 30.0
    retries: RetryPolicy = RetryPolicy()
    max_body_bytes: int = 1_048_576
    gate: bool = True

    def with_expect(self, expect: HttpExpectation) -> Probe:
        return replace(self, expect=expect)


@cache
def _schema() -> dict[str, Any]:
    text = (resources.files("pytest_devops") / "schema" / "sections" / "urls.json").read_text(
        "utf-8"
    )
    doc: dict[str, Any] = json.loads(text)
    return doc


def probe_schema() -> dict[str, Any]:
    """The JSON Schema of one probe (the object form)."""
    schema: dict[str, Any] = _schema()["additionalProperties"]
    return schema


def _validate(raw: Any, schema: Mapping[str, Any], key: str, file: str | None) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(raw))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        raise ConfigError(error.message, file=file, key=key + where)


def parse_urls(
    section: Mapping[str, Any], *, file: str | None = None, root: Path | None = None
) -> dict[str, Probe]:
    """Every probe of a ``urls:`` section (already schema-valid when it came from devops.yaml)."""
    return {
        name: parse_probe(name, raw, key=f"urls.{name}", file=file, root=root)
        for name, raw in section.items()
    }


def parse_probe(
    name: str,
    raw: str | Mapping[str, Any],
    *,
    key: str = "probe",
    file: str | None = None,
    root: Path | None = None,
) -> Probe:
    """A :class:`Probe` from its config form; :class:`ConfigError` names the bad key."""
    if isinstance(raw, str):
        raw = {"url": raw}
    _validate(raw, probe_schema(), key, file)
    _check_url(raw["url"], f"{key}.url", file)
    retries = raw.get("retries", {})
    return Probe(
        name=name,
        url=raw["url"],
        method=raw.get("method", "GET"),
        headers=dict(raw.get("headers", {})),
        body=raw.get("body"),
        expect=parse_expect(raw.get("expect", {}), key=f"{key}.expect", file=file, root=root),
        timeout=float(raw.get("timeout", 5)),
        deadline=float(raw.get("deadline", 30)),
        retries=RetryPolicy(
            when=frozenset(retries.get("when", DEFAULT_RETRY_ON)),
            max=retries.get("max", 3),
            backoff=float(retries.get("backoff", 0.5)),
            factor=float(retries.get("factor", 2)),
            max_backoff=float(retries.get("max_backoff", 5)),
        ),
        max_body_bytes=raw.get("max_body_bytes", 1_048_576),
        gate=raw.get("gate", True),
    )


def parse_expect(
    raw: Mapping[str, Any] | HttpExpectation,
    *,
    key: str = "expect",
    file: str | None = None,
    root: Path | None = None,
) -> HttpExpectation:
    """An :class:`HttpExpectation` from its config form (``expect:`` of a probe)."""
    if isinstance(raw, HttpExpectation):
        return raw
    _validate(raw, probe_schema()["properties"]["expect"], key, file)
    status = raw.get("status", ())
    contains = raw.get("body_contains", ())
    regex = raw.get("body_regex")
    if regex is not None:
        try:
            re.compile(regex)
        except re.error as exc:
            raise ConfigError(
                f"invalid regular expression: {exc}", file=file, key=f"{key}.body_regex"
            ) from None
    for path in raw.get("json", {}):
        try:
            parse_json_path(path)
        except ValueError as exc:
            raise ConfigError(str(exc), file=file, key=f"{key}.json") from None
    redirects = raw.get("redirects", {})
    if "final_url" in redirects:
        _check_url(redirects["final_url"], f"{key}.redirects.final_url", file)
    tls = raw.get("tls", {})
    ca_file = tls.get("ca_file")
    if ca_file is not None:
        ca_path = Path(ca_file).expanduser()
        if root is not None and not ca_path.is_absolute():
            ca_path = root / ca_path
        if not ca_path.is_file():  # else every probe would fail its handshake: not the site's fault
            raise ConfigError(f"CA file {ca_path} not found", file=file, key=f"{key}.tls.ca_file",
                              hint="a PEM bundle of the CA certificates to trust")
        ca_file = str(ca_path)
    return HttpExpectation(
        status=(status,) if isinstance(status, int) else tuple(status),
        body_contains=(contains,) if isinstance(contains, str) else tuple(contains),
        body_regex=regex,
        json=dict(raw.get("json", {})),
        headers=dict(raw.get("headers", {})),
        max_latency_ms=raw.get("max_latency_ms"),
        percentile=raw.get("percentile", "p95"),
        samples=raw.get("samples", 5),
        redirects=RedirectExpectation(
            follow=redirects.get("follow", True),
            max=redirects.get("max", 5),
            final_url=redirects.get("final_url"),
        ),
        tls=TlsExpectation(
            verify=tls.get("verify", True),
            ca_file=ca_file,
            min_days_to_expiry=tls.get("min_days_to_expiry"),
        ),
    )


def _check_url(url: str, key: str, file: str | None) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"expected an http:// or https:// URL with a host, got {url!r}", file=file, key=key
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(f"invalid URL {url!r}: {exc}", file=file, key=key) from None


_JSON_STEP = re.compile(r"\.?([^.\[\]]+)|\[(-?\d+)\]")


def parse_json_path(path: str) -> tuple[str | int, ...]:
    """``a.b[0].c`` (optionally ``$.``-prefixed) -> ``("a", "b", 0, "c")``."""
    text = path[2:] if path.startswith("$.") else path.removeprefix("$")
    steps: list[str | int] = []
    pos = 0
    while pos < len(text):
        m = _JSON_STEP.match(text, pos)
        if m is None or (m.group(1) is not None and pos > 0 and text[pos] != "."):
            raise ValueError(f"invalid JSON path {path!r} at {text[pos:]!r}; expected a.b[0].c")
        steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    if not steps:
        raise ValueError(f"empty JSON path {path!r}")
    return tuple(steps)


def sensitive_values(probe: Probe) -> list[str]:
    """Values of this probe that must never be shown: secret headers, URL passwords."""
    out = [
        value
        for name, value in probe.headers.items()
        if any(part in name.lower() for part in SENSITIVE_HEADER_PARTS)
    ]
    password = urlsplit(probe.url).password
    if password:
        out.append(password)
    for value in list(out):
        # "Bearer abc..." is shown as "Bearer ***": mask the credential itself too.
        scheme, _, credential = value.partition(" ")
        if credential and scheme.isalpha():
            out.append(credential)
    return out
