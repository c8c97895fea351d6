"""Escaping of untrusted text for GitHub: markdown, workflow commands, step outputs.

Report text (messages, addresses, plan and scanner output) is hostile until escaped: it
must not inject HTML, ping people, link issues, or run workflow commands.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

#: C0/C1 control characters other than tab and newline; terminal escapes live here.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
#: ASCII punctuation that means something to CommonMark/GFM inline parsing.
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#!|~$])")
#: Text content needs only these; entities here contain no ``#`` (ZWSP would break them).
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
#: Inserted after ``@`` and ``#`` so ``@user``/``#123``/``org/repo#1`` neither notify nor link.
ZWSP = "\u200b"


def clean(text: object) -> str:
    """Text without control characters; CR and CRLF become LF."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("\ufffd", value)


def md_text(text: object) -> str:
    """Inline markdown for untrusted text: no HTML, no markup, no mentions, no issue links.

    Newlines become spaces; use :func:`md_cell` inside tables, :func:`code_block` for
    multi-line text.
    """
    value = clean(text).replace("\n", " ").replace("\t", " ")
    value = _MD_PUNCT.sub(r"\\\1", value)
    value = "".join(_HTML.get(ch, ch) for ch in value)
    if value[:1] in ("-", "+", "="):  # a list item or setext underline at a line start
        value = "\\" + value
    return value.replace("@", "@" + ZWSP).replace("#", "#" + ZWSP)


def html_text(text: object, limit: int = 300) -> str:
    """Untrusted text inside our own HTML (``<summary>``): markdown does not apply there,
    so only entities, and the same guard against mentions and issue links."""
    value = " ".join(clean(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("@", "@" + ZWSP).replace("#", "#" + ZWSP)


def md_cell(text: object, limit: int = 300) -> str:
    """A table cell: :func:`md_text`, at most ``limit`` characters once escaped."""
    value = clean(text).strip()
    out = md_text(value)
    while len(out) > limit and value:
        value = value[: max(0, len(value) * limit // len(out) - 1)]
        out = md_text(value + "…")
    return out or " "


def code_span(text: object, limit: int = 200) -> str:
    """Inline code for an identifier (address, rule id): mentions are inert in code.

    Code spans cannot hold ``|`` inside a table cell, nor newlines; those fall back to
    :func:`md_cell`.
    """
    value = clean(text).strip()
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    if not value or "|" in value or "\n" in value or "`" in value:
        return md_cell(value, limit)
    return f"`{value}`"


def code_block(text: object, limit: int = 20_000, lang: str = "text") -> str:
    """A fenced code block longer than any backtick run inside it (nothing escapes it)."""
    value = clean(text)
    if len(value) > limit:
        value = value[:limit] + "\n… (truncated)"
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{value}\n{fence}"


def escape_data(text: object) -> str:
    """The message of a workflow command (``::error ...::DATA``).

    The line parses as our command first, so a legacy ``##[cmd]`` inside it is inert
    already; it is defused anyway, as in :func:`inert`.
    """
    value = clean_command(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace("##[", "##" + ZWSP + "[")


def escape_property(text: object) -> str:
    """A property value of a workflow command (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def clean_command(text: object) -> str:
    """Command text: control characters other than CR/LF/tab removed (CR/LF are escaped)."""
    value = "" if text is None else str(text)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "\ufffd", value)


def inert(text: object) -> str:
    """One log line that the runner cannot read as a command, for text printed outside
    ``stop-commands`` (notes, warnings, error messages that echo a value).

    The runner reads ``::cmd::`` at the start of a line and the legacy ``##[cmd]`` anywhere
    in it; a zero-width space defuses both without changing what a reader sees.
    """
    value = " ".join(clean_command(text).replace("\r", "\n").split("\n"))
    value = value.replace("##[", "##" + ZWSP + "[")
    return ZWSP + value if value.lstrip().startswith("::") else value


def stop_commands(lines: Iterable[str]) -> list[str]:
    """Enclose lines in ``::stop-commands::TOKEN`` ... ``::TOKEN::``.

    The runner ignores workflow commands between the two, so plan or scanner text cannot
    set outputs, add paths or masks. The token is random and absent from the text.
    """
    body = [clean_command(line) for line in lines]
    joined = "\n".join(body)
    token = secrets.token_hex(16)
    while token in joined:  # pragma: no cover - 128 random bits
        token = secrets.token_hex(16)
    return [f"::stop-commands::{token}", *body, f"::{token}::"]
