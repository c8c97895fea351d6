"""Terraform/OpenTofu CLI failures, classified with the CLI's own message and a hint.

Pure functions over the text Terraform writes to stderr, tested with real error texts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pytest_devops.errors import GateError

__all__ = ["KINDS", "RULES", "TerraformError", "classify", "error_summary", "read_plan_exit"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

_LOCK_HINT = (
    "another run holds the state lock: wait for it (terraform.lock_timeout: 5m), or, when no "
    "run is active, release it with `terraform force-unlock LOCK_ID`"
)
_STATE_HINT = (
    "the state could not be read or written: check the backend (bucket, key, workspace) and "
    "that the state was written by a compatible Terraform release"
)

#: ``(kind, patterns searched in stderr, hint)``, in order: the first rule that matches wins.
#: Every lock error carries Terraform's boilerplate ("Terraform acquires a state lock ..."),
#: also when taking the lock failed for another reason (access denied, an unreadable
#: state), so a lock held by another run is recognised by its evidence (the holder's lock
#: info, the backend's "already locked"), after the credential errors; a bare lock error
#: comes last. Only a held lock gets the force-unlock hint.
RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("state", (r"Saved plan is stale",),
     "the state changed after this plan was made: make the plan again and review it again "
     "(a saved plan applies only to the state it was made from)"),
    ("auth", (r"No valid credential sources", r"AccessDenied", r"Access Denied",
              r"UnauthorizedOperation", r"ExpiredToken", r"InvalidClientTokenId",
              r"SignatureDoesNotMatch", r"could not find default credentials",
              r"AuthorizationFailed", r"AuthorizationFailure", r"\b403\b", r"Forbidden",
              r"Permission denied", r"PERMISSION_DENIED", r"not authorized to perform",
              r"invalid_grant", r"Unable to locate credentials",
              r"failed to refresh cached credentials", r"Error: building AzureRM Client",
              r"Error: configuring Terraform AWS Provider"),
     "check the credentials and the permissions of the identity the pipeline uses "
     "(aws sts get-caller-identity, gcloud auth list, az account show)"),
    ("lock", (r"Lock Info:", r"ConditionalCheckFailedException", r"resource temporarily "
              r"unavailable", r"state blob is already locked", r"already locked"), _LOCK_HINT),
    ("state", (r"Failed to load state", r"Error loading state", r"Failed to save state",
               r"Failed to persist state", r"state snapshot was created by Terraform v",
               r"does not have the expected content", r"Failed to get existing workspaces",
               r"state data in S3", r"Failed to read state", r"Error refreshing state",
               r"Unsupported state file format"), _STATE_HINT),
    ("provider", (r"Failed to query available provider packages", r"Failed to install provider",
                  r"could not connect to", r"dial tcp", r"i/o timeout", r"connection refused",
                  r"TLS handshake timeout", r"no such host", r"RequestError: send request failed",
                  r"Plugin did not respond", r"The plugin encountered an error",
                  r"plugin crashed", r"Failed to load plugin schemas",
                  r"Incompatible provider version", r"context deadline exceeded",
                  r"Error: Request cancelled", r"connection reset"),
     "a provider could not be installed or reached: check network access to the registry "
     "and the cloud API, and the provider version constraints"),
    ("configuration", (r"Unsupported argument", r"Missing required argument",
                       r"Invalid reference", r"Reference to undeclared", r"Unsupported block type",
                       r"Invalid value for", r"Argument or block definition required",
                       r"Module not installed", r"Inconsistent dependency lock file",
                       r"Backend initialization required", r"Missing required provider",
                       r"No value for required variable", r"Unsupported attribute",
                       r"Invalid function argument", r"Cycle:", r"Duplicate resource",
                       r"Invalid expression", r"Unreadable module directory",
                       r"Invalid count argument", r"Invalid for_each argument",
                       r"Value for undeclared variable", r"Failed to read variables file",
                       r"Invalid character", r"Invalid block definition", r"Error: Invalid",
                       r"No configuration files", r"Required plugins are not installed"),
     "fix the configuration (run `terraform validate` locally), then run init again if "
     "modules or providers changed"),
    ("lock", (r"Error acquiring the state lock", r"Error locking state"),
     "the state lock could not be taken: read the CLI's message above; when another run "
     "holds it, wait for it (terraform.lock_timeout: 5m)"),
)
#: The kinds a failure can have (``timeout`` is :class:`~pytest_devops.errors.GateTimeout`).
KINDS = ("lock", "auth", "state", "provider", "configuration", "unknown")
_COMPILED = tuple((kind, re.compile("|".join(p)), hint) for kind, p, hint in RULES)


class TerraformError(GateError):
    """A terraform command failed: ``kind`` is lock, auth, state, provider, configuration,
    timeout or unknown."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        command: Sequence[str] = (),
        returncode: int | None = None,
        stderr: str = "",
        hint: str | None = None,
    ) -> None:
        self.kind = kind
        self.command = tuple(command)
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(message, hint=hint)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def classify(stderr: str) -> tuple[str, str | None]:
    """``(kind, hint)`` for a failure's stderr."""
    text = strip_ansi(stderr)
    for kind, pattern, hint in _COMPILED:
        if pattern.search(text):
            return kind, hint
    return "unknown", None


def error_summary(stderr: str, limit: int = 60) -> str:
    """The CLI's first error block in full: from the first ``Error:`` line to the end of
    its box (or the next ``Error:``), box drawing removed, at most ``limit`` lines."""
    lines = [ln.strip().lstrip("│╷╵").strip() for ln in strip_ansi(stderr).splitlines()]
    start = next((i for i, ln in enumerate(lines) if ln.startswith("Error")), None)
    if start is None:
        picked = [ln for ln in lines if ln][-limit:]
        return "\n".join(picked) if picked else "(no error output)"
    block: list[str] = []
    raw = strip_ansi(stderr).splitlines()
    for i in range(start, len(lines)):
        if i > start and (lines[i].startswith("Error:") or raw[i].strip().startswith("╵")):
            break
        if lines[i] or (block and block[-1]):
            block.append(lines[i])
    while block and not block[-1]:
        block.pop()
    return "\n".join(block[:limit])


def failure(command: Sequence[str], returncode: int | None, stderr: str) -> TerraformError:
    kind, hint = classify(stderr)
    verb = " ".join(command[1:2]) or "command"
    binary = command[0].rsplit("/", 1)[-1] if command else "terraform"
    summary = error_summary(stderr)
    # The cause on the first line: a short summary (pytest -ra) shows only that line.
    first, _, rest = summary.partition("\n")
    cause = first.removeprefix("Error:").strip() or first
    return TerraformError(
        f"{binary} {verb} failed ({kind}, exit code {returncode}): {cause}"
        + (f"\n{rest}" if rest else ""),
        kind=kind,
        command=command,
        returncode=returncode,
        stderr=stderr,
        hint=hint,
    )


def read_plan_exit(command: Sequence[str], returncode: int, stderr: str) -> bool:
    """``-detailed-exitcode`` read strictly: 0 no changes, 2 changes, anything else an error."""
    if returncode == 0:
        return False
    if returncode == 2:
        return True
    raise failure(command, returncode, stderr)
