"""Plan metadata and verification records: what the actions write and check, as pure
functions on plain values (no file, network or environment access here).

- ``plan-meta@1``: written beside the binary plan when it is made; checked before apply
  (same environment, commit, plan file and reviewed digest).
- ``verification@1``: written after the post-deploy gates of an environment; checked
  before promoting (same commit and digest, gates passed, target protected).

A check that refuses raises :class:`Refused` with a machine-readable ``reason`` and one
sentence saying what differs and what to do. Values read from files are never repeated
in messages: a plan or record could be hostile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pytest_devops.errors import DevopsError

PLAN_META = "pytest-devops/plan-meta@1"
RECORD = "pytest-devops/verification@1"
PLAN_FILE = "tfplan"
META_FILE = "plan-meta.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
#: Gate stages whose run includes the post-deploy gates (a plan-stage pass verifies nothing
#: that was deployed).
VERIFYING_STAGES = ("apply", "promote", "all")


class Refused(DevopsError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def name(what: str, value: str) -> str:
    if not _NAME.match(value):
        raise Refused("invalid-input", f"{what} must be letters, digits, '_', '.' or '-'")
    return value


def commit(what: str, value: str) -> str:
    if not _SHA.match(value):
        raise Refused("invalid-input", f"{what} must be a 40-hex commit id")
    return value


def checked(doc: Any, schema: str, what: str, missing_reason: str) -> dict[str, Any]:
    """``doc`` when it is a ``schema`` document, else :class:`Refused`."""
    if not isinstance(doc, dict) or doc.get("schema") != schema:
        raise Refused(missing_reason, f"{what} is not a {schema} document")
    return doc


def plan_meta(*, environment: str, commit_id: str, digest: str, plan_sha256: str,
              working_directory: str, created_at: str) -> dict[str, Any]:
    return {
        "schema": PLAN_META,
        "environment": name("environment", environment),
        "commit": commit("commit", commit_id),
        "digest": digest,
        "plan_sha256": plan_sha256,
        "working_directory": working_directory or ".",
        "created_at": created_at,
    }


def check_apply_inputs(environment: str, expected_commit: str, expected_digest: str) -> None:
    name("environment", environment)
    commit("expected-commit", expected_commit)
    if not expected_digest:
        raise Refused(
            "missing-digest", "no expected-digest given: pass the digest that was reviewed"
        )


def verify_plan_meta(meta: Mapping[str, Any], *, plan_sha256: str | None, environment: str,
                     expected_commit: str, expected_digest: str, shown_digest: str) -> None:
    """Refuse to apply a plan that is not the one reviewed, for this environment and
    commit (``plan_sha256`` is ``None`` when the plan file is missing)."""
    check_apply_inputs(environment, expected_commit, expected_digest)
    if plan_sha256 is None:
        raise Refused("plan-missing", f"{PLAN_FILE} not found in the plan artifact")
    if meta.get("environment") != environment:
        raise Refused(
            "environment-mismatch", f"the plan was made for another environment, not {environment}"
        )
    if plan_sha256 != meta.get("plan_sha256"):
        raise Refused(
            "plan-changed", "the plan file differs from the one recorded when it was made"
        )
    if meta.get("digest") != expected_digest:
        raise Refused(
            "plan-changed",
            "the plan digest differs from the reviewed digest; re-run the plan and review it",
        )
    if shown_digest and shown_digest != expected_digest:
        raise Refused(
            "plan-changed",
            "`terraform show -json` of the plan file gives another digest than the reviewed one",
        )
    if meta.get("commit") != expected_commit:
        raise Refused(
            "commit-changed", "the plan was made from another commit than the one being applied"
        )


def report_outcome(report: Any) -> str:
    """The outcome of a gate report document; anything unreadable is ``error``."""
    outcome = report.get("outcome") if isinstance(report, dict) else None
    return outcome if outcome in ("pass", "fail", "error") else "error"


def verification_record(*, report: Any, report_sha256: str, environment: str, stage: str,
                        commit_id: str, digest: str, verified_at: str) -> dict[str, Any]:
    return {
        "schema": RECORD,
        "environment": name("environment", environment),
        "stage": name("stage", stage),
        "commit": commit("commit", commit_id),
        "digest": digest,
        "outcome": report_outcome(report),
        "report_sha256": report_sha256,
        "verified_at": verified_at,
    }


def check_promote_inputs(source: str, target: str, commit_id: str) -> None:
    name("from-environment", source)
    name("to-environment", target)
    commit("commit", commit_id)


def check_promotion(record: Mapping[str, Any], *, source: str, target: str, commit_id: str,
                    digest: str) -> None:
    """Refuse to promote what did not pass the post-deploy gates of ``source``."""
    check_promote_inputs(source, target, commit_id)
    if record.get("environment") != source:
        raise Refused("not-verified", f"the verification record is not for {source}")
    if record.get("stage") not in VERIFYING_STAGES:
        raise Refused(
            "not-verified",
            f"the record is not of post-deploy gates in {source}: write it with the gate "
            "action's stage apply and record true",
        )
    if record.get("commit") != commit_id:
        raise Refused(
            "commit-mismatch", f"the commit being promoted was not the one verified in {source}"
        )
    if digest and record.get("digest") != digest:
        raise Refused(
            "digest-mismatch",
            f"the plan digest being promoted was not the one verified in {source}",
        )
    if record.get("outcome") != "pass":
        raise Refused("gates-failed", f"the post-deploy gates in {source} did not pass")


def has_required_reviewers(environment: Any) -> bool:
    """Whether a GitHub environment (the REST API's document) needs a reviewer."""
    rules = (environment.get("protection_rules") or []) if isinstance(environment, dict) else []
    return any(
        isinstance(rule, dict)
        and rule.get("type") == "required_reviewers"
        and rule.get("reviewers")
        for rule in rules
    )
