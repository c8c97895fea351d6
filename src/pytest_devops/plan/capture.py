"""From captured bytes to the JSON document of a plan, as real pipelines capture it.

Accepted: UTF-8 with or without BOM, UTF-16/32 with BOM (PowerShell redirection), the
hashicorp/setup-terraform wrapper's noise (``[command]...``, ``::debug::`` lines,
``%0A``-escaped output), ``TF_LOG`` lines mixed into the capture. Refused with a message
that says what the file is and what to run instead: a saved binary plan, the streaming
log of ``terraform plan -json``, empty, truncated or non-JSON files.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import math
import re
from collections.abc import Iterator
from typing import Any

from pytest_devops.errors import GateError

__all__ = ["HOW", "decode", "extract_json", "paused_gc"]

#: How to make a JSON plan: the hint of every refusal.
HOW = "make it with `terraform plan -out=tfplan && terraform show -json tfplan > plan.json`"
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_TF_LOG = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+\[[A-Z]+\]"
)
_NOISE_PREFIXES = ("[command]", "##[", "%0A")
#: How the human-readable output of ``terraform plan`` / ``show`` begins.
_PLAN_TEXT = ("Terraform used the selected providers", "Terraform will perform",
              "No changes.", "Terraform detected", "Refreshing state", "Acquiring state lock",
              "An execution plan has been generated", "Note: Objects have changed",
              "Planning failed", "Changes to Outputs", "Resource actions are")
#: GitHub workflow commands (``::debug::``, ``::set-output name=x::``, a resume token).
_WORKFLOW_COMMAND = re.compile(r"^::[A-Za-z0-9_-]+(?:\s[^:]*)?::")



@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a plan's objects are built.

    A plan is a tree of fresh containers without cycles, so there is nothing to collect;
    collecting anyway re-walks every object already made each time a generation fills,
    which on a 50,000-resource plan costs more than parsing it. Reference counting still
    frees everything; the collector resumes (if it was on) when the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def decode(data: bytes, source: str) -> str:
    """Bytes to text: BOM-marked UTF-8/16/32, else UTF-8 (UTF-16 without BOM detected)."""
    if data.startswith(b"PK\x03\x04"):
        raise GateError(
            f"{source}: this is a saved binary plan (tfplan, a zip archive), not its JSON",
            hint="convert it with `terraform show -json tfplan > plan.json`",
        )
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise GateError(f"{source}: starts with a {codec} byte order mark but is not "
                                f"valid {codec} at byte {exc.start}") from None
    if len(data) >= 2 and data[0] and not data[1] and data[:1] in b"{[ \r\n\t":
        try:
            return data.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GateError(
            f"{source}: not UTF-8 text (invalid byte at offset {exc.start}); is it the binary "
            "plan (tfplan) rather than its JSON?",
            hint=f"convert a saved plan with `terraform show -json tfplan > plan.json`; {HOW}",
        ) from None


class _NotJsonConstant(ValueError):
    """``NaN``/``Infinity`` (Python's JSON reader accepts them; JSON and Terraform do not),
    or a number too large for a float."""


def _no_constants(name: str) -> Any:
    raise _NotJsonConstant(name)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NotJsonConstant(text)
    return value


def extract_json(text: str, source: str) -> dict[str, Any]:
    """The plan document in ``text``; wrapper and log noise around it is dropped."""
    try:
        return _extract(text, source)
    except _NotJsonConstant as exc:
        raise GateError(
            f"{source}: holds the number {exc}, which is not a finite JSON number",
            hint="the file was not written by Terraform or was edited; " + HOW,
        ) from None


def _extract(text: str, source: str) -> dict[str, Any]:
    if not text.strip():
        raise GateError(f"{source}: the file is empty", hint=HOW)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            doc = json.loads(stripped, parse_constant=_no_constants, parse_float=_finite)
        except json.JSONDecodeError as exc:
            first_error: json.JSONDecodeError | None = exc
        else:
            return _as_object(doc, source)
    else:
        first_error = None
    return _from_noisy(stripped, source, first_error)


def _as_object(doc: Any, source: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise GateError(f"{source}: expected a JSON object (a plan), got a JSON "
                        f"{type(doc).__name__}", hint=HOW)
    return doc


def _is_noise(line: str) -> bool:
    s = line.strip()
    return (not s or s.startswith(_NOISE_PREFIXES) or bool(_WORKFLOW_COMMAND.match(s))
            or bool(_TF_LOG.match(s)))


def _unescape_command(value: str) -> str:
    """Undo the workflow-command escaping of the setup-terraform wrapper."""
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _from_noisy(text: str, source: str, first_error: json.JSONDecodeError | None) -> dict[str, Any]:
    lines = text.splitlines()
    _refuse_stream(lines, source)
    _refuse_failed_capture(lines, source)
    decoder = json.JSONDecoder(parse_constant=_no_constants, parse_float=_finite)
    for number, line in enumerate(lines):
        s = line.strip()
        if s.startswith("::set-output name=stdout::"):
            s = s.partition("::")[2].partition("::")[2]
        if not s.startswith("{"):
            continue
        candidates = ["\n".join([s, *lines[number + 1:]])]
        if s.endswith("%0A"):  # the wrapper escaped the output: %25 -> %, %0A -> newline
            candidates.insert(0, _unescape_command(s) + "\n".join(["", *lines[number + 1:]]))
        for candidate in candidates:
            try:
                doc, end = decoder.raw_decode(candidate)
            except json.JSONDecodeError:
                continue
            rest = candidate[end:].splitlines()
            bad = [i for i, ln in enumerate(rest) if not (_is_noise(ln) or (i == 0 and not ln))]
            if bad:
                at = number + candidate[:end].count("\n") + bad[0] + 1
                raise GateError(
                    f"{source}: unexpected text after the plan JSON (line {at})",
                    hint="the file should hold only `terraform show -json` output",
                )
            return _as_object(doc, source)
        break
    raise _not_json(text, source, first_error)


_EXIT_CODE = re.compile(r"^::set-output name=exitcode::(-?\d+)\s*$")


def _refuse_failed_capture(lines: list[str], source: str) -> None:
    """The setup-terraform wrapper's capture of a command that failed (no plan in it)."""
    for line in lines:
        m = _EXIT_CODE.match(line.strip())
        if m and m.group(1) != "0":
            raise GateError(
                f"{source}: holds the setup-terraform wrapper's capture of a command that "
                f"failed (exitcode {m.group(1)}), not a plan",
                hint="see the step that ran `terraform show -json` for its error, fix it and "
                "capture the plan again",
            )


def _refuse_stream(lines: list[str], source: str) -> None:
    shown = list(itertools.islice((s for ln in lines if (s := ln.strip()).startswith("{")), 2))
    if len(shown) < 2 or not all('"@level"' in ln or '"@message"' in ln for ln in shown):
        return
    raise GateError(
        f"{source}: this is the streaming log of `terraform plan -json` (one JSON message "
        "per line), not a plan",
        hint="save the plan with `terraform plan -out=tfplan` and convert it with "
        "`terraform show -json tfplan > plan.json`",
    )


def _not_json(text: str, source: str, error: json.JSONDecodeError | None) -> GateError:
    if error is not None:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            return GateError(
                f"{source}: the JSON ends before the plan is complete (truncated at line "
                f"{error.lineno}, column {error.colno})",
                hint="the file was cut short: re-run `terraform show -json` and write it whole",
            )
        return GateError(
            f"{source}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            hint=HOW,
        )
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if first.startswith(_PLAN_TEXT):
        return GateError(
            f"{source}: not a JSON plan; it starts with {first[:80]!r}",
            hint="the text output of `terraform plan` cannot be read; " + HOW,
        )
    # Any other text is not quoted: a file named by mistake (a .tfvars, an .env) may
    # hold secrets, and nothing has told the redactor about them.
    return GateError(
        f"{source}: not a JSON plan; it starts with text, not a JSON object "
        f"(line 1 has {len(first)} characters)",
        hint="point at the output of `terraform show -json`; " + HOW,
    )
