"""Secrets used by the fault scenarios, and the search for any trace of them.

Every scenario registers these values (through ``redact_env``) and then searches every
byte the run produced for each value and for every 8-character piece of it, in the
forms code prints a string in (as is, ``repr``, JSON, URL-encoded, base64).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

#: Quotes, backslashes, unicode, longer than pytest's 40-character shortening.
SECRETS = {
    "DEVOPS_SECRET": "Qu'o\"te\\back\\slash-pässwörd-✓-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DEVOPS_TOKEN": "ghp_T0k3nW1thN0Punct4ti0nButL0ngEnoughToBeElidedXyZ0987654321",
}
PIECE = 8


def environ() -> dict[str, str]:
    return dict(SECRETS)


def forms(secret: str) -> set[str]:
    out = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], quote(secret, safe="")}
    out.add(base64.b64encode(secret.encode()).decode().rstrip("="))
    return out


def pieces(secret: str) -> set[str]:
    """The secret's forms and every 8-character piece of each."""
    out: set[str] = set()
    for form in forms(secret):
        out |= {form[i:i + PIECE] for i in range(len(form) - PIECE + 1)}
    return out


_ALL = {p: name for name, s in SECRETS.items() for p in pieces(s)}


def leaks(chunks: Iterable[tuple[str, bytes | str]]) -> list[str]:
    """``where: piece`` for each piece of a secret found in the given outputs."""
    found = []
    for where, data in chunks:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        hits = sorted({p for p in _ALL if p in text})
        found += [f"{where}: {_ALL[p]} piece {p!r}" for p in hits[:3]]
    return found


OUTPUTS = ("*.json", "*.xml", "*.log", "*.sarif", "*.md", "*.txt", "*.out")


def files(root: Path, patterns: Iterable[str] = OUTPUTS,
          inputs: Iterable[str] = ()) -> list[tuple[str, bytes]]:
    """Every output file the run left under ``root`` (recursively), by pattern; the
    scenario's own ``inputs`` (relative names) are not outputs."""
    given = {root / name for name in inputs}
    seen: dict[Path, None] = {}
    for pattern in patterns:
        for path in root.rglob(pattern):
            if path.is_file() and ".pytest_cache" not in path.parts and path not in given:
                seen[path] = None
    return [(str(p.relative_to(root)), p.read_bytes()) for p in seen]


def assert_no_leak(chunks: Iterable[tuple[str, bytes | str]]) -> None:
    found = leaks(chunks)
    assert not found, "secret pieces leaked:\n" + "\n".join(found)
