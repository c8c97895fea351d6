"""``pytest-devops records COMMAND``: the plan metadata and verification records the
actions write and check (the logic is :mod:`pytest_devops.records.checks`).

    records plan-meta-write  PLAN_DIR   (env: ENVIRONMENT, COMMIT, DIGEST, WORKING_DIRECTORY)
    records plan-meta-verify PLAN_DIR   (env: ENVIRONMENT, EXPECTED_COMMIT, EXPECTED_DIGEST,
                                         SHOWN_DIGEST)
    records record-write     OUT REPORT (env: ENVIRONMENT, STAGE, COMMIT, DIGEST)
    records promote-check    RECORD     (env: FROM_ENVIRONMENT, TO_ENVIRONMENT, COMMIT,
                                         DIGEST, REQUIRE_PROTECTED, GITHUB_TOKEN,
                                         GITHUB_API_URL, GITHUB_REPOSITORY)

Inputs come from the environment, as the actions pass them. Every check writes ``reason``
(and ``verified`` / ``allowed``) as step outputs and exits 1 when it refuses, with a
one-line ``::error::`` saying what differs and what to do.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pytest_devops.records import checks
from pytest_devops.records.checks import Refused

COMMANDS = ("plan-meta-write", "plan-meta-verify", "record-write", "promote-check")
#: The output that says yes or no, for the commands that check.
VERDICT = {"plan-meta-verify": "verified", "promote-check": "allowed"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=COMMANDS, metavar="COMMAND",
                        help=", ".join(COMMANDS))
    parser.add_argument("paths", nargs="+", metavar="PATH")


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _load(path: Path, schema: str, missing_reason: str) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Refused(missing_reason, f"{path.name} not found in {path.parent}") from None
    except (OSError, ValueError) as exc:
        raise Refused(missing_reason, f"{path.name} is unreadable: {type(exc).__name__}") from None
    return checks.checked(doc, schema, path.name, missing_reason)


def plan_meta_write(plan_dir: Path) -> None:
    meta = checks.plan_meta(
        environment=_env("ENVIRONMENT"), commit_id=_env("COMMIT"), digest=_env("DIGEST"),
        plan_sha256=sha256(plan_dir / checks.PLAN_FILE),
        working_directory=_env("WORKING_DIRECTORY", "."), created_at=_now(),
    )
    (plan_dir / checks.META_FILE).write_text(json.dumps(meta, indent=2) + "\n", "utf-8")


def plan_meta_verify(plan_dir: Path) -> None:
    environment, expected_commit = _env("ENVIRONMENT"), _env("EXPECTED_COMMIT")
    expected_digest = _env("EXPECTED_DIGEST")
    checks.check_apply_inputs(environment, expected_commit, expected_digest)
    meta = _load(plan_dir / checks.META_FILE, checks.PLAN_META, "plan-missing")
    plan = plan_dir / checks.PLAN_FILE
    checks.verify_plan_meta(
        meta, plan_sha256=sha256(plan) if plan.is_file() else None, environment=environment,
        expected_commit=expected_commit, expected_digest=expected_digest,
        shown_digest=_env("SHOWN_DIGEST"),
    )


def record_write(out: Path, report: Path) -> None:
    try:
        doc: Any = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    record = checks.verification_record(
        report=doc, report_sha256=sha256(report) if report.is_file() else "",
        environment=_env("ENVIRONMENT"), stage=_env("STAGE"), commit_id=_env("COMMIT"),
        digest=_env("DIGEST"), verified_at=_now(),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def environment_document(target: str) -> Any:
    """The GitHub environment ``target`` as the REST API gives it."""
    import urllib.error
    import urllib.request

    api = _env("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    repo = _env("GITHUB_REPOSITORY")
    if not re.match(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", repo):
        raise Refused("invalid-input", "GITHUB_REPOSITORY is not owner/name")
    request = urllib.request.Request(  # noqa: S310 - the API URL comes from the runner
        f"{api}/repos/{repo}/environments/{target}",
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {_env('GITHUB_TOKEN')}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "pytest-devops-promote",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.load(response)
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


def promote_check(record_path: Path) -> dict[str, str]:
    source, target = _env("FROM_ENVIRONMENT"), _env("TO_ENVIRONMENT")
    commit_id = _env("COMMIT")
    checks.check_promote_inputs(source, target, commit_id)
    if record_path.is_dir():
        record_path = record_path / f"verified-{source}.json"
    record = _load(record_path, checks.RECORD, "not-verified")
    checks.check_promotion(record, source=source, target=target, commit_id=commit_id,
                           digest=_env("DIGEST"))
    if _env("REQUIRE_PROTECTED", "true") == "true" and not checks.has_required_reviewers(
        environment_document(target)
    ):
        raise Refused(
            "environment-not-protected",
            f"environment {target} has no required reviewers; protect it before promoting",
        )
    return {"digest": str(record.get("digest", ""))}


def _outputs(values: dict[str, str]) -> None:
    from pytest_devops.github.outputs import write_outputs
    from pytest_devops.redact import Redactor

    if os.environ.get("GITHUB_OUTPUT"):
        write_outputs(values, Redactor())


def run(args: argparse.Namespace) -> int:
    from pytest_devops.github.escape import escape_data

    paths = [Path(p) for p in args.paths]
    verdict = VERDICT.get(args.action)
    outputs: dict[str, str] = {}
    try:
        if args.action == "plan-meta-write":
            plan_meta_write(paths[0])
        elif args.action == "plan-meta-verify":
            plan_meta_verify(paths[0])
        elif args.action == "record-write":
            if len(paths) != 2:
                raise Refused("invalid-input", "record-write takes OUT and REPORT")
            record_write(paths[0], paths[1])
        else:
            outputs = promote_check(paths[0])
    except Refused as exc:
        _outputs({"reason": exc.reason, **({verdict: "false"} if verdict else {})})
        print(f"::error title=pytest-devops ({exc.reason})::{escape_data(str(exc))}")
        return 1
    if verdict:
        outputs = {**outputs, "reason": "ok", verdict: "true"}
    _outputs(outputs)
    return 0
