"""The plan record: what ``pytest-devops terraform plan`` keeps and ``apply`` checks.

``.devops/plans/NAME/`` (beside the config file) holds ``tfplan`` (the binary plan),
``plan.json`` (``terraform show -json``, sensitive values masked) and ``record.json``
(:class:`PlanRecord`). Apply goes ahead only when the record still describes what it
applies: the same environment, digest and commit, and a plan younger than
``terraform.plan_max_age``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pytest_devops.errors import GateError

__all__ = ["SCHEMA", "PlanRecord", "fingerprint", "git_commit", "plans_dir", "problem"]

SCHEMA = "pytest-devops/plan-record@1"
RECORD = "record.json"
_SKIP_DIRS = {".terraform", ".devops", ".git"}
_INPUT_SUFFIXES = (".tf", ".tfvars", ".hcl", ".tf.json", ".tfvars.json")


@dataclass(frozen=True)
class PlanRecord:
    env: str
    digest: str
    commit: str | None
    terraform_version: str
    created_at: str
    working_dir: str
    workspace: str | None
    changes: bool
    binary: str
    inputs: str
    counts: Mapping[str, int]
    applied_at: str | None = None
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "counts": dict(self.counts)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], source: str = RECORD) -> PlanRecord:
        if d.get("schema") != SCHEMA:
            raise GateError(f"{source}: not a plan record (schema {d.get('schema')!r}, "
                            f"expected {SCHEMA!r})",
                            hint="make the plan again with `pytest-devops terraform plan`")
        try:
            return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})
        except TypeError as exc:
            raise GateError(f"{source}: incomplete plan record ({exc})") from None

    def age(self, now: dt.datetime | None = None) -> float:
        now = now or dt.datetime.now(dt.timezone.utc)
        return (now - dt.datetime.fromisoformat(self.created_at)).total_seconds()

    def write(self, folder: Path) -> Path:
        from pytest_devops.atomic import write_text

        return write_text(folder / RECORD, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def read(cls, folder: Path) -> PlanRecord | None:
        path = folder / RECORD
        try:
            doc = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise GateError(f"cannot read plan record {path}: {exc}") from None
        if not isinstance(doc, dict):
            raise GateError(f"{path}: not a plan record (expected a JSON object)")
        return cls.from_dict(doc, str(path))


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def plans_dir(config_file: Path | None, env: str, base: str | os.PathLike[str] | None = None
              ) -> Path:
    """``.devops/plans/NAME`` beside the config file, or ``BASE/NAME``."""
    if base is not None:
        return Path(base) / env
    root = config_file.parent if config_file is not None else Path.cwd()
    return root / ".devops" / "plans" / env


def git_commit(cwd: Path) -> str | None:
    """``HEAD`` of the git checkout ``cwd`` is in (``None`` outside one or without git)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                             text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def fingerprint(parts: Mapping[str, Any], roots: list[Path]) -> str:
    """A digest of the settings ``parts`` and every Terraform file under ``roots`` (so a
    plan is reused only while the code and inputs it was made from are unchanged)."""
    h = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    for root in roots:
        files = [root] if root.is_file() else sorted(
            p for p in root.rglob("*")
            if p.is_file() and p.name.endswith(_INPUT_SUFFIXES)
            and not (_SKIP_DIRS & set(p.relative_to(root).parts)))
        for f in files:
            h.update(os.fspath(f).encode() + b"\0" + f.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


def problem(record: PlanRecord, *, env: str, digest: str | None, json_digest: str | None,
            commit: str | None, max_age: float, now: dt.datetime | None = None) -> str | None:
    """Why ``record`` may not be applied (one line), or ``None``."""
    if record.env != env:
        return (f"other environment: the plan was made for {record.env}, not {env}")
    if record.applied_at:
        return f"already applied at {record.applied_at}: make a new plan"
    if digest and digest != record.digest:
        return f"changed plan: the recorded plan has digest {record.digest}, not {digest}"
    if json_digest is not None and json_digest != record.digest:
        return (f"changed plan: plan.json has digest {json_digest}, the record says "
                f"{record.digest}")
    if commit and record.commit and commit != record.commit:
        return (f"other commit: the plan was made at {record.commit[:12]}, the checkout is "
                f"at {commit[:12]}")
    age = record.age(now)
    if age > max_age:
        return (f"stale: the plan was made {age / 3600:.1f}h ago ({record.created_at}), "
                f"older than terraform.plan_max_age ({max_age:g}s)")
    return None
