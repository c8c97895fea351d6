"""Step outputs (``$GITHUB_OUTPUT``) for a report, written with random heredoc delimiters."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from pytest_devops.errors import DevopsError
from pytest_devops.redact import Redactor
from pytest_devops.report.model import GateReport

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def report_outputs(report: GateReport, path: str) -> dict[str, str]:
    """The outputs of a report: outcome, path, counts, plan digest and cost delta when known."""
    t = report.totals
    out = {
        "outcome": report.outcome,
        "report": path,
        "env": report.env or "",
        "stage": report.stage or "",
        "total": str(len(report.gates)),
        "passed": str(t["pass"]),
        "failed": str(t["fail"] - t["soft_fail"]),
        "errors": str(t["error"]),
        "skipped": str(t["skip"]),
        "soft-failed": str(t["soft_fail"]),
    }
    digest = report.section("plan").get("digest")
    if isinstance(digest, str) and digest:
        out["plan-digest"] = digest
    cost = report.section("cost")
    delta = _number(cost.get("monthly_delta"))
    if delta is not None:
        out["cost-delta"] = delta
        out["cost-currency"] = str(cost.get("currency") or "USD")
    return out


def _number(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return f"{amount:.2f}" if amount.is_finite() else None


def format_outputs(values: Mapping[str, str], redactor: Redactor) -> str:
    """``name<<DELIM`` / value / ``DELIM`` for each output (the runner's multi-line form).

    The delimiter is random per value; a value containing it is refused rather than cut.
    """
    chunks = []
    for name, raw in values.items():
        if not _NAME.match(name):
            raise DevopsError(f"invalid step output name {name!r}")
        value = redactor.redact(str(raw))
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        if delimiter in value or delimiter in name:
            raise DevopsError(
                f"step output {name!r}: the value contains its delimiter; refusing to write it"
            )
        chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(chunks)


def append_text(path: str | os.PathLike[str], text: str, what: str) -> None:
    """Append to a file the runner reads (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``)."""
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise DevopsError(
            f"cannot write {what} to {os.fspath(path)}: {exc.strerror or exc}"
        ) from None


def write_outputs(values: Mapping[str, str], redactor: Redactor,
                  path: str | os.PathLike[str] | None = None) -> None:
    """Append step outputs to ``path`` (default ``$GITHUB_OUTPUT``): the one writer of
    step outputs."""
    dest = path or os.environ.get("GITHUB_OUTPUT")
    if not dest:
        raise DevopsError("no step outputs file: GITHUB_OUTPUT is not set")
    append_text(dest, format_outputs(values, redactor), "step outputs")
