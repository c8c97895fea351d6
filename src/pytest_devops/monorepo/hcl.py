"""The ``source`` of every ``module`` block of a Terraform directory, without a full HCL
parser: comments, strings (with escapes and ``${...}`` templates holding further strings),
heredocs and nested blocks are read precisely enough that a ``source`` anywhere but
directly in a top-level ``module`` block is never taken for one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

__all__ = ["ModuleCall", "module_calls", "scan"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")


class ModuleCall(NamedTuple):
    name: str
    source: str
    file: str
    line: int


class _Tok(NamedTuple):
    kind: str  # "ident", "string", "template" (a string with interpolation), or the char
    value: str
    line: int


def _string_end(text: str, i: int) -> tuple[str, int, bool]:
    """From the opening quote at ``i``: (value, index after the closing quote, literal)."""
    out: list[str] = []
    literal = True
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1, literal
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(nxt, nxt))
            i += 2
            continue
        if ch in "$%" and text.startswith("{", i + 1) and not text.startswith(ch * 2, i - 1):
            literal = False
            i = _expression_end(text, i + 2)
            continue
        if ch == "\n":  # an unterminated string: stop at the line's end
            return "".join(out), i, False
        out.append(ch)
        i += 1
    return "".join(out), i, False


def _expression_end(text: str, i: int) -> int:
    """The index after the ``}`` closing a template expression that starts at ``i``."""
    depth = 1
    while i < len(text) and depth:
        ch = text[i]
        if ch == '"':
            i = _string_end(text, i)[1]
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        i += 1
    return i


def _tokens(text: str) -> Iterator[_Tok]:
    i, line = 0, 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            yield _Tok("\n", ch, line - 1)
            i += 1
        elif ch in " \t\r":
            i += 1
        elif ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
        elif ch == '"':
            value, end, literal = _string_end(text, i)
            yield _Tok("string" if literal else "template", value, line)
            line += text.count("\n", i, end)
            i = end
        elif (m := _HEREDOC.match(text, i)) is not None:
            marker = re.compile(rf"^[ \t]*{re.escape(m.group(2))}[ \t]*$", re.M)
            close = marker.search(text, m.end())
            end = n if close is None else close.end()
            yield _Tok("template", "", line)
            line += text.count("\n", i, end)
            i = end
        elif (m := _IDENT.match(text, i)) is not None:
            yield _Tok("ident", m.group(), line)
            i = m.end()
        else:
            yield _Tok(ch, ch, line)
            i += 1


def scan(text: str, file: str = "<hcl>") -> list[ModuleCall]:
    """Module calls of one ``.tf`` file's text."""
    calls: list[ModuleCall] = []
    toks = list(_tokens(text))
    depth = 0
    module: tuple[str, int] | None = None  # (name, depth of its body) while inside one
    at_line_start = True
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "{":
            depth += 1
        elif t.kind == "}":
            if module is not None and depth == module[1]:
                module = None
            depth -= 1
        elif (
            depth == 0 and t.kind == "ident" and t.value == "module"
            and i + 2 < len(toks) and toks[i + 1].kind == "string" and toks[i + 2].kind == "{"
        ):
            module = (toks[i + 1].value, 1)
            depth = 1
            i += 3
            at_line_start = True
            continue
        elif (
            module is not None and depth == module[1] and at_line_start
            and t.kind == "ident" and t.value == "source"
            and i + 2 < len(toks) and toks[i + 1].kind == "="
            and toks[i + 2].kind == "string"
        ):
            calls.append(ModuleCall(module[0], toks[i + 2].value, file, t.line))
        at_line_start = t.kind in ("\n", "{")
        i += 1
    return calls


def _json_calls(path: Path) -> list[ModuleCall]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return []
    blocks = doc.get("module") if isinstance(doc, dict) else None
    items = blocks if isinstance(blocks, list) else [blocks]
    calls = []
    for block in items:
        if not isinstance(block, dict):
            continue
        for name, body in block.items():
            for b in body if isinstance(body, list) else [body]:
                if isinstance(b, dict) and isinstance(b.get("source"), str):
                    calls.append(ModuleCall(name, b["source"], str(path), 1))
    return calls


def module_calls(directory: Path) -> list[ModuleCall]:
    """Every module call of the ``.tf`` and ``.tf.json`` files of ``directory`` (not of
    its subdirectories: a Terraform module is one directory)."""
    calls: list[ModuleCall] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file():
            continue
        if path.name.endswith(".tf"):
            text = path.read_text("utf-8", errors="replace")
            calls += scan(text, str(path))
        elif path.name.endswith(".tf.json"):
            calls += _json_calls(path)
    return calls
