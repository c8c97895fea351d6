from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pytest_devops.config import resolve
from pytest_devops.errors import ConfigError
from pytest_devops.security.gates import env_policy, judge_skips
from pytest_devops.security.policy import SecurityPolicy, SkipRule, parse_policy


def _env(section: dict[str, object]) -> SecurityPolicy:
    doc = {"environments": {"ci": {"security": section}}}
    return env_policy(resolve(doc, "ci", Path("/repo/devops.yaml"), environ={}))


def test_defaults() -> None:
    policy = _env({})
    assert policy == SecurityPolicy()
    assert policy.paths == (".",)
    assert policy.download_external_modules is False
    assert policy.timeout == 900


def test_full_section() -> None:
    policy = _env({
        "paths": ["infra", "plan.json"],
        "frameworks": ["terraform", "terraform_plan"],
        "checks": ["CKV_AWS_3"],
        "skip_checks": [{"id": "CKV_AWS_20", "reason": "public website",
                         "expires": dt.date(2030, 1, 31)},
                        {"id": "CKV_AWS_21", "reason": "logs bucket", "expires": "2020-01-01"}],
        "soft_fail": ["CKV_AWS_18"],
        "baseline": ".security-baseline.json",
        "timeout": 60,
        "checkov": "~/.checkov/bin/checkov",
        "extra_args": ["--var-file", "prod.tfvars"],
        "download_external_modules": True,
    })
    assert policy.skip_checks == (
        SkipRule("CKV_AWS_20", "public website", dt.date(2030, 1, 31)),
        SkipRule("CKV_AWS_21", "logs bucket", dt.date(2020, 1, 1)),
    )
    today = dt.date(2026, 6, 1)
    assert set(policy.active_skips(today)) == {"CKV_AWS_20"}
    assert [s.id for s in policy.expired_skips(today)] == ["CKV_AWS_21"]
    assert policy.is_soft("CKV_AWS_18")
    assert not policy.is_soft("CKV_AWS_3")
    assert policy.timeout == 60.0
    assert policy.extra_args == ("--var-file", "prod.tfvars")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"skip_check": []}, "unknown key 'skip_check'"),
        ({"frameworks": ["terraform", "terrafrom"]}, "expected one of"),
        ({"skip_checks": [{"id": "CKV_AWS_20"}]}, "'reason' is required"),
        ({"skip_checks": [{"id": "CKV_AWS_20", "reason": ""}]}, "reason"),
        ({"skip_checks": ["CKV_AWS_20"]}, "expected a mapping"),
        ({"timeout": 0}, "timeout"),
        ({"soft_fail": "yes"}, "soft_fail"),
    ],
)
def test_schema_refuses(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        _env(section)
    assert "environments.ci.security" in str(info.value)


def test_skip_expiry_must_be_a_date() -> None:
    with pytest.raises(ConfigError, match=r"expected a date YYYY-MM-DD, got 'next year'"):
        _env({"skip_checks": [{"id": "CKV_AWS_20", "reason": "r", "expires": "next year"}]})


def test_a_check_skipped_twice_is_refused() -> None:
    skip = {"id": "CKV_AWS_20", "reason": "r"}
    expected = r"skip_checks\[1\]\.id: check CKV_AWS_20 is skipped twice"
    with pytest.raises(ConfigError, match=expected):
        parse_policy({"skip_checks": [skip, skip]})


@pytest.mark.parametrize(
    "arg", ["-o", "--output=json", "-d", "--bc-api-key", "--soft-fail", "--no-fail-on-crash"]
)
def test_extra_args_cannot_override_what_the_scanner_sets(arg: str) -> None:
    with pytest.raises(ConfigError, match=r"security\.extra_args\[0\]: .* is set by pytest-devops"):
        parse_policy({"extra_args": [arg]})


def test_expired_skip_fails_naming_it() -> None:
    policy = parse_policy({"skip_checks": [
        {"id": "CKV_AWS_20", "reason": "public website", "expires": "2026-01-31"},
        {"id": "CKV_AWS_21", "reason": "still fine", "expires": "2099-01-01"},
    ]})
    judge_skips(policy, dt.date(2026, 1, 31), "devops.yaml")  # the last day still applies
    with pytest.raises(AssertionError) as info:
        judge_skips(policy, dt.date(2026, 2, 1), "devops.yaml")
    assert [(f.rule, f.address) for f in info.value.findings] == [  # type: ignore[attr-defined]
        ("expired-skip", "CKV_AWS_20")
    ]
    assert "1 security skip(s) expired: CKV_AWS_20" in str(info.value)
    assert "expired on 2026-01-31 (reason was: public website)" in str(info.value)
