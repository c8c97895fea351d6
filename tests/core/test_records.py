"""The records the actions write and check, as pure functions on plain dicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_devops.cli import main
from pytest_devops.records.checks import (
    PLAN_META,
    RECORD,
    Refused,
    check_promotion,
    has_required_reviewers,
    plan_meta,
    verification_record,
    verify_plan_meta,
)

SHA = "a" * 40
OTHER = "b" * 40
DIGEST = "sha256:" + "c" * 64


def _meta(**over: str) -> dict[str, str]:
    meta = plan_meta(environment="staging", commit_id=SHA, digest=DIGEST, plan_sha256="f00",
                     working_directory="infra", created_at="2026-12-06T04:00:00Z")
    return {**meta, **over}


def _refusal(fn: object, *args: object, **kwargs: object) -> tuple[str, str]:
    with pytest.raises(Refused) as info:
        fn(*args, **kwargs)  # type: ignore[operator]
    return info.value.reason, str(info.value)


def test_plan_meta_is_the_documented_record() -> None:
    assert _meta() == {
        "schema": PLAN_META, "environment": "staging", "commit": SHA, "digest": DIGEST,
        "plan_sha256": "f00", "working_directory": "infra",
        "created_at": "2026-12-06T04:00:00Z",
    }
    assert _refusal(plan_meta, environment="bad name", commit_id=SHA, digest="", plan_sha256="",
                    working_directory="", created_at="") == (
        "invalid-input", "environment must be letters, digits, '_', '.' or '-'")
    assert _refusal(plan_meta, environment="e", commit_id="abc", digest="", plan_sha256="",
                    working_directory="", created_at="") == (
        "invalid-input", "commit must be a 40-hex commit id")


VERIFY = {"plan_sha256": "f00", "environment": "staging", "expected_commit": SHA,
          "expected_digest": DIGEST, "shown_digest": ""}


@pytest.mark.parametrize(("meta", "over", "reason", "message"), [
    ({}, {"expected_digest": ""}, "missing-digest",
     "no expected-digest given: pass the digest that was reviewed"),
    ({}, {"plan_sha256": None}, "plan-missing", "tfplan not found in the plan artifact"),
    ({"environment": "prod"}, {}, "environment-mismatch",
     "the plan was made for another environment, not staging"),
    ({"plan_sha256": "bad"}, {}, "plan-changed",
     "the plan file differs from the one recorded when it was made"),
    ({"digest": "sha256:" + "d" * 64}, {}, "plan-changed",
     "the plan digest differs from the reviewed digest; re-run the plan and review it"),
    ({}, {"shown_digest": "sha256:" + "e" * 64}, "plan-changed",
     "`terraform show -json` of the plan file gives another digest than the reviewed one"),
    ({"commit": OTHER}, {}, "commit-changed",
     "the plan was made from another commit than the one being applied"),
])
def test_a_plan_that_is_not_the_reviewed_one_is_refused(
    meta: dict[str, str], over: dict[str, object], reason: str, message: str
) -> None:
    assert _refusal(verify_plan_meta, _meta(**meta), **{**VERIFY, **over}) == (reason, message)


def test_the_reviewed_plan_is_verified() -> None:
    verify_plan_meta(_meta(), **{**VERIFY, "shown_digest": DIGEST})  # type: ignore[arg-type]


def _record(report: object = None, **over: str) -> dict[str, object]:
    record = verification_record(report=report if report is not None else {"outcome": "pass"},
                                 report_sha256="r00", environment="staging", stage="apply",
                                 commit_id=SHA, digest=DIGEST, verified_at="T")
    return {**record, **over}


def test_the_record_carries_the_reports_outcome_and_an_unreadable_one_is_error() -> None:
    assert _record() == {"schema": RECORD, "environment": "staging", "stage": "apply",
                         "commit": SHA, "digest": DIGEST, "outcome": "pass",
                         "report_sha256": "r00", "verified_at": "T"}
    assert _record({"outcome": "fail"})["outcome"] == "fail"
    assert _record({"outcome": "passed"})["outcome"] == "error"
    assert _record([1])["outcome"] == "error"


PROMOTE = {"source": "staging", "target": "production", "commit_id": SHA, "digest": DIGEST}


@pytest.mark.parametrize(("over", "reason", "message"), [
    ({"environment": "dev"}, "not-verified", "the verification record is not for staging"),
    ({"stage": "plan"}, "not-verified", "the record is not of post-deploy gates in staging: "
     "write it with the gate action's stage apply and record true"),
    ({"commit": OTHER}, "commit-mismatch",
     "the commit being promoted was not the one verified in staging"),
    ({"digest": "sha256:" + "0" * 64}, "digest-mismatch",
     "the plan digest being promoted was not the one verified in staging"),
    ({"outcome": "error"}, "gates-failed", "the post-deploy gates in staging did not pass"),
])
def test_promotion_needs_the_passing_record_of_the_same_commit(
    over: dict[str, str], reason: str, message: str
) -> None:
    assert _refusal(check_promotion, _record(**over), **PROMOTE) == (reason, message)
    check_promotion(_record(), **PROMOTE)
    check_promotion(_record(digest="anything"), **{**PROMOTE, "digest": ""})


def test_required_reviewers_are_read_from_the_environment_document() -> None:
    rule = {"type": "required_reviewers", "reviewers": [{"type": "User"}]}
    assert has_required_reviewers({"protection_rules": [rule]}) is True
    assert has_required_reviewers({"protection_rules": [{**rule, "reviewers": []}]}) is False
    assert has_required_reviewers({"protection_rules": [{"type": "wait_timer"}]}) is False
    assert has_required_reviewers({"protection_rules": None}) is False
    assert has_required_reviewers([]) is False


def test_the_command_writes_outputs_and_one_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    for key, value in {"ENVIRONMENT": "staging", "EXPECTED_COMMIT": SHA,
                       "EXPECTED_DIGEST": DIGEST}.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "plan-meta.json").write_text(json.dumps(_meta(commit=OTHER)))
    (tmp_path / "tfplan").write_bytes(b"PK")
    assert main(["records", "plan-meta-verify", str(tmp_path)]) == 1
    assert capsys.readouterr().out == (
        "::error title=pytest-devops (plan-changed)::the plan file differs from the one "
        "recorded when it was made\n")
    lines = out.read_text().splitlines()
    assert lines[0].startswith("reason<<ghadelimiter_")
    assert lines[1:3] == ["plan-changed", lines[0].split("<<")[1]]
    assert lines[3].startswith("verified<<ghadelimiter_")
    assert lines[4:6] == ["false", lines[3].split("<<")[1]]
