"""The ``security:`` section of ``devops.yaml`` as a typed, frozen policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_devops.errors import ConfigError

#: Checkov options the scanner sets itself; passing them in ``extra_args`` would make
#: the output unreadable or the run not offline.
RESERVED_ARGS = frozenset({
    "-d", "--directory", "-f", "--file", "-o", "--output", "--output-file-path",
    "--framework", "-c", "--check", "--download-external-modules", "--bc-api-key",
    "--soft-fail", "-s", "--soft-fail-on", "--hard-fail-on", "--quiet", "--compact",
    "--config-file", "--baseline", "--create-baseline", "--no-fail-on-crash",
    "--prisma-api-url", "--support",
})
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
DEFAULT_TIMEOUT = 900.0


@dataclass(frozen=True)
class SkipRule:
    """A check the environment accepts failing, with the reason and an optional expiry."""

    id: str
    reason: str
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        until = f" (expires {self.expires.isoformat()})" if self.expires else ""
        return f"{self.id}: {self.reason}{until}"


@dataclass(frozen=True)
class SecurityPolicy:
    """What to scan and how strictly, for one environment."""

    enabled: bool = True
    paths: tuple[str, ...] = (".",)
    frameworks: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    skip_checks: tuple[SkipRule, ...] = ()
    soft_fail: bool | tuple[str, ...] = False
    baseline: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    checkov: str | None = None
    extra_args: tuple[str, ...] = ()
    download_external_modules: bool = False
    severity_threshold: str | None = None
    cache: bool = True

    def active_skips(self, today: dt.date) -> dict[str, SkipRule]:
        return {s.id: s for s in self.skip_checks if not s.expired(today)}

    def expired_skips(self, today: dt.date) -> list[SkipRule]:
        return [s for s in self.skip_checks if s.expired(today)]

    def is_soft(self, check_id: str) -> bool:
        if isinstance(self.soft_fail, bool):
            return self.soft_fail
        return check_id in self.soft_fail

    def run_key(self) -> dict[str, Any]:
        """The settings that change what Checkov reports (the rest is applied after)."""
        return {
            "paths": list(self.paths),
            "frameworks": sorted(self.frameworks),
            "checks": sorted(self.checks),
            "extra_args": list(self.extra_args),
            "download_external_modules": self.download_external_modules,
        }


def parse_policy(raw: Mapping[str, Any], *, where: str = "devops.yaml",
                 key: str = "security") -> SecurityPolicy:
    """Build a policy from the schema-validated section, checking what a schema cannot."""
    skips = tuple(_skip(item, where, f"{key}.skip_checks[{i}]")
                  for i, item in enumerate(raw.get("skip_checks", ())))
    seen: set[str] = set()
    for i, skip in enumerate(skips):
        if skip.id in seen:
            raise ConfigError(f"check {skip.id} is skipped twice", file=where,
                              key=f"{key}.skip_checks[{i}].id", hint="keep one entry per check")
        seen.add(skip.id)
    extra = tuple(str(a) for a in raw.get("extra_args", ()))
    _check_extra(extra, where, f"{key}.extra_args")
    soft = raw.get("soft_fail", False)
    timeout = float(raw.get("timeout", DEFAULT_TIMEOUT))
    if timeout <= 0:
        raise ConfigError(f"expected a positive number of seconds, got {timeout:g}",
                          file=where, key=f"{key}.timeout")
    paths = tuple(str(p) for p in raw.get("paths", (".",)))
    if not paths:
        raise ConfigError("expected at least one path to scan", file=where, key=f"{key}.paths")
    return SecurityPolicy(
        enabled=bool(raw.get("enabled", True)),
        paths=paths,
        frameworks=tuple(raw.get("frameworks", ())),
        checks=tuple(raw.get("checks", ())),
        skip_checks=skips,
        soft_fail=soft if isinstance(soft, bool) else tuple(soft),
        baseline=raw.get("baseline"),
        timeout=timeout,
        checkov=raw.get("checkov"),
        extra_args=extra,
        download_external_modules=bool(raw.get("download_external_modules", False)),
        severity_threshold=raw.get("severity_threshold"),
        cache=bool(raw.get("cache", True)),
    )


def _skip(item: Any, where: str, key: str) -> SkipRule:
    if isinstance(item, str):
        raise ConfigError(
            f"skip of {item} has no reason", file=where, key=key,
            hint=f"write `- {{id: {item}, reason: why this is accepted, expires: YYYY-MM-DD}}`",
        )
    reason = str(item.get("reason", "")).strip()
    if not reason:
        raise ConfigError("a skipped check needs a reason", file=where, key=f"{key}.reason")
    expires = item.get("expires")
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    elif isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise ConfigError(f"expected a date YYYY-MM-DD, got {expires!r}", file=where,
                              key=f"{key}.expires") from None
    return SkipRule(id=str(item["id"]), reason=reason, expires=expires)


def _check_extra(args: Sequence[str], where: str, key: str) -> None:
    for i, arg in enumerate(args):
        name = arg.split("=", 1)[0]
        if name in RESERVED_ARGS:
            raise ConfigError(
                f"{name} is set by pytest-devops itself", file=where, key=f"{key}[{i}]",
                hint="use the section's own keys (paths, frameworks, checks, skip_checks, "
                "soft_fail, baseline, download_external_modules) instead",
            )
