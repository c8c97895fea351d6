"""Plan metadata and verification records for the pytest-devops actions (stdlib only).

    records.py plan-meta-write  PLAN_DIR      (env: ENVIRONMENT, COMMIT, DIGEST, WORKING_DIRECTORY)
    records.py plan-meta-verify PLAN_DIR      (env: ENVIRONMENT, EXPECTED_COMMIT, EXPECTED_DIGEST,
                                               SHOWN_DIGEST)
    records.py record-write     OUT REPORT    (env: ENVIRONMENT, STAGE, COMMIT, DIGEST)
    records.py promote-check    RECORD        (env: FROM_ENVIRONMENT, TO_ENVIRONMENT, COMMIT,
                                               DIGEST, REQUIRE_PROTECTED, GITHUB_TOKEN,
                                               GITHUB_API_URL, GITHUB_REPOSITORY)

Every check writes ``reason`` (and ``verified`` / ``allowed``) to GITHUB_OUTPUT and exits 1
when it refuses, with a one-line ``::error::`` saying what differs and what to do.
Values read from files are never echoed raw: a plan or record could be hostile.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

PLAN_META = "pytest-devops/plan-meta@1"
RECORD = "pytest-devops/verification@1"
PLAN_FILE = "tfplan"
META_FILE = "plan-meta.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
#: Gate stages whose run includes the post-deploy gates (a plan-stage pass verifies nothing
#: that was deployed).
VERIFYING_STAGES = ("apply", "promote", "all")


class Refused(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def set_output(name: str, value: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    delim = f"pytest_devops_{secrets.token_hex(16)}"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"{name}<<{delim}\n{value}\n{delim}\n")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def name(what: str, value: str) -> str:
    if not _NAME.match(value):
        raise Refused("invalid-input", f"{what} must be letters, digits, '_', '.' or '-'")
    return value


def commit(what: str, value: str) -> str:
    if not _SHA.match(value):
        raise Refused("invalid-input", f"{what} must be a 40-hex commit id")
    return value


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(path: Path, schema: str, missing_reason: str) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Refused(missing_reason, f"{path.name} not found in {path.parent}") from None
    except (OSError, ValueError) as exc:
        raise Refused(missing_reason, f"{path.name} is unreadable: {type(exc).__name__}") from None
    if not isinstance(doc, dict) or doc.get("schema") != schema:
        raise Refused(missing_reason, f"{path.name} is not a {schema} document")
    return doc


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan_meta_write(plan_dir: Path) -> None:
    meta = {
        "schema": PLAN_META,
        "environment": name("environment", env("ENVIRONMENT")),
        "commit": commit("commit", env("COMMIT")),
        "digest": env("DIGEST"),
        "plan_sha256": sha256(plan_dir / PLAN_FILE),
        "working_directory": env("WORKING_DIRECTORY", "."),
        "created_at": now(),
    }
    (plan_dir / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def plan_meta_verify(plan_dir: Path) -> None:
    environment = name("environment", env("ENVIRONMENT"))
    expected_commit = commit("expected-commit", env("EXPECTED_COMMIT"))
    expected_digest = env("EXPECTED_DIGEST")
    if not expected_digest:
        raise Refused(
            "missing-digest", "no expected-digest given: pass the digest that was reviewed"
        )
    meta = load(plan_dir / META_FILE, PLAN_META, "plan-missing")
    plan = plan_dir / PLAN_FILE
    if not plan.is_file():
        raise Refused("plan-missing", f"{PLAN_FILE} not found in the plan artifact")
    if meta.get("environment") != environment:
        raise Refused(
            "environment-mismatch", f"the plan was made for another environment, not {environment}"
        )
    if sha256(plan) != meta.get("plan_sha256"):
        raise Refused(
            "plan-changed", "the plan file differs from the one recorded when it was made"
        )
    if meta.get("digest") != expected_digest:
        raise Refused(
            "plan-changed",
            "the plan digest differs from the reviewed digest; re-run the plan and review it",
        )
    shown = env("SHOWN_DIGEST")
    if shown and shown != expected_digest:
        raise Refused(
            "plan-changed",
            "`terraform show -json` of the plan file gives another digest than the reviewed one",
        )
    if meta.get("commit") != expected_commit:
        raise Refused(
            "commit-changed", "the plan was made from another commit than the one being applied"
        )


def record_write(out: Path, report: Path) -> None:
    try:
        doc = json.loads(report.read_text(encoding="utf-8"))
        outcome = doc["outcome"]
    except (OSError, ValueError, KeyError, TypeError):
        outcome = "error"
    record = {
        "schema": RECORD,
        "environment": name("environment", env("ENVIRONMENT")),
        "stage": name("stage", env("STAGE")),
        "commit": commit("commit", env("COMMIT")),
        "digest": env("DIGEST"),
        "outcome": outcome if outcome in ("pass", "fail", "error") else "error",
        "report_sha256": sha256(report) if report.is_file() else "",
        "verified_at": now(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def environment_protected(target: str) -> bool:
    api = env("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    repo = env("GITHUB_REPOSITORY")
    if not re.match(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", repo):
        raise Refused("invalid-input", "GITHUB_REPOSITORY is not owner/name")
    request = urllib.request.Request(  # noqa: S310 - the API URL comes from the runner
        f"{api}/repos/{repo}/environments/{target}",
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {env('GITHUB_TOKEN')}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "pytest-devops-promote",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            doc = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise Refused(
                "environment-not-protected",
                f"environment {target} does not exist; create it with required reviewers",
            ) from None
        raise Refused(
            "api-error", f"GitHub API answered {exc.code} for environment {target}"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise Refused(
            "api-error", f"cannot read environment {target}: {type(exc).__name__}"
        ) from None
    rules = (doc.get("protection_rules") or []) if isinstance(doc, dict) else []
    return any(
        isinstance(rule, dict)
        and rule.get("type") == "required_reviewers"
        and rule.get("reviewers")
        for rule in rules
    )


def promote_check(record_path: Path) -> None:
    source = name("from-environment", env("FROM_ENVIRONMENT"))
    target = name("to-environment", env("TO_ENVIRONMENT"))
    wanted_commit = commit("commit", env("COMMIT"))
    if record_path.is_dir():
        record_path = record_path / f"verified-{source}.json"
    record = load(record_path, RECORD, "not-verified")
    if record.get("environment") != source:
        raise Refused("not-verified", f"the verification record is not for {source}")
    if record.get("stage") not in VERIFYING_STAGES:
        raise Refused(
            "not-verified",
            f"the record is not of post-deploy gates in {source}: write it with the gate "
            "action's stage apply and record true",
        )
    if record.get("commit") != wanted_commit:
        raise Refused(
            "commit-mismatch", f"the commit being promoted was not the one verified in {source}"
        )
    digest = env("DIGEST")
    if digest and record.get("digest") != digest:
        raise Refused(
            "digest-mismatch",
            f"the plan digest being promoted was not the one verified in {source}",
        )
    if record.get("outcome") != "pass":
        raise Refused("gates-failed", f"the post-deploy gates in {source} did not pass")
    if env("REQUIRE_PROTECTED", "true") == "true" and not environment_protected(target):
        raise Refused(
            "environment-not-protected",
            f"environment {target} has no required reviewers; protect it before promoting",
        )
    set_output("digest", str(record.get("digest", "")))


def main(argv: list[str]) -> int:
    command, *args = argv
    ok_key = {"plan-meta-verify": "verified", "promote-check": "allowed"}.get(command)
    try:
        if command == "plan-meta-write":
            plan_meta_write(Path(args[0]))
        elif command == "plan-meta-verify":
            plan_meta_verify(Path(args[0]))
        elif command == "record-write":
            record_write(Path(args[0]), Path(args[1]))
        elif command == "promote-check":
            promote_check(Path(args[0]))
        else:
            raise Refused("internal", f"unknown command {command}")
    except Refused as exc:
        set_output("reason", exc.reason)
        if ok_key:
            set_output(ok_key, "false")
        print(f"::error title=pytest-devops ({exc.reason})::{escape(str(exc))}")
        return 1
    if ok_key:
        set_output("reason", "ok")
        set_output(ok_key, "true")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
