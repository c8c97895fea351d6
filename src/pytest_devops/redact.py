"""The single redaction point: every byte that leaves the process passes through here.

A secret is masked in every form it is printed in: as given, ``repr``-escaped,
JSON-escaped, XML/HTML-escaped, URL-encoded, base64-encoded (alone or inside a longer
encoded value, at each of the three byte alignments), and by the piece of it that is
left next to an elision (``...``) or at a cut (the start or end of a text or a line).
Any run of :data:`PIECE` or more characters that is a piece of a secret is masked too
(so an ordinary word that happens to be 8 characters of a secret is masked with it).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
#: Shorter values (and booleans/null) would blank unrelated text, so they are not
#: registered; a sensitive ``true`` or ``80`` is not a secret worth masking.
MIN_LENGTH = 4
#: Any run of this many characters that is a piece of a secret is masked wherever it is.
PIECE = 8
#: The shortest piece of a secret masked next to an elision marker.
MIN_ELIDED = 4
#: The shortest piece of a secret masked at the start or end of a text or line.
MIN_CUT = 6
#: Shorter encoded forms are not registered (a 2-character base64 run is not a secret).
_MIN_ENCODED = 8
_ELISIONS = re.compile(r"\.\.\.|\u2026")


def _escapes(value: str) -> Iterable[str]:
    """The ways code prints a string: repr with either quote, JSON, ``ascii()``, XML."""
    yield json.dumps(value)[1:-1]
    yield json.dumps(value, ensure_ascii=False)[1:-1]
    yield repr(value)[1:-1]
    yield ascii(value)[1:-1]
    backslashed = value.replace("\\", "\\\\")
    yield backslashed.replace("'", "\\'")
    yield backslashed.replace('"', '\\"')
    yield html.escape(value, quote=True)
    yield html.escape(value, quote=False).replace('"', "&quot;")


def _encodings(value: str) -> Iterable[str]:
    """URL-encoded and base64 forms (standard and URL-safe alphabets)."""
    yield quote(value, safe="")
    yield quote(value)
    yield quote_plus(value)
    raw = value.encode()
    for offset in range(3):
        # Inside a longer encoded value (``user:secret`` in a Basic header) the secret
        # starts at one of three byte alignments: keep the characters it fully decides.
        padded = b"\0" * offset + raw + b"\0\0"
        start = -(-8 * offset // 6)
        end = 8 * (offset + len(raw)) // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            yield encode(padded).decode()[start:end]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        yield encode(raw).decode()


def _variants(value: str) -> Iterable[str]:
    yield value
    # A secret read from a file often ends in a newline that its uses do not carry.
    if value.strip() != value:
        yield value.strip()
    forms = {value.strip(), *(_escapes(value.strip()))}
    yield from forms
    for form in forms:
        yield from (e for e in _encodings(form) if len(e) >= _MIN_ENCODED)
    if "\n" in value:
        # A multi-line secret (a PEM key) may be printed a line at a time.
        yield from (line.strip() for line in value.splitlines() if len(line.strip()) >= 8)


class Redactor:
    """Collects secret values and masks them in text and in JSON-like objects."""

    def __init__(self, secrets: Iterable[object] = ()) -> None:
        self._secrets: set[str] = set()
        self._registered: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        #: 4 characters -> (secret, n) where ``secret[:n]`` ends with them
        self._heads: dict[str, list[tuple[str, int]]] = {}
        #: 4 characters -> (secret, i) where ``secret[i:]`` starts with them
        self._tails: dict[str, list[tuple[str, int]]] = {}
        #: every ``PIECE``-character piece of a secret, and every 4-character one
        self._grams: set[str] = set()
        self._quads: set[str] = set()
        self.add_all(secrets)

    def __len__(self) -> int:
        """How many secrets are registered (each is masked in many forms)."""
        return len(self._registered)

    def __bool__(self) -> bool:
        return True

    def add(self, value: object) -> None:
        """Register a secret. Scalars are stringified; containers are walked."""
        if isinstance(value, Mapping):
            self.add_all(value.values())
            return
        if isinstance(value, (list, tuple, set, frozenset)):
            self.add_all(value)
            return
        if value is None or isinstance(value, bool):
            return
        text = str(value)
        if len(text.strip()) < MIN_LENGTH:
            return
        if text in self._registered:
            return
        self._registered.add(text)
        new = {v for v in _variants(text) if len(v) >= MIN_LENGTH} - self._secrets
        if new:
            self._secrets |= new
            self._pattern = None

    def add_all(self, values: Iterable[object]) -> None:
        for value in values:
            self.add(value)

    def add_env(self, names: Iterable[str], environ: Mapping[str, str] | None = None) -> None:
        """Register the values of the named environment variables that are set."""
        env = os.environ if environ is None else environ
        self.add_all(env[name] for name in names if env.get(name))

    def _compile(self) -> re.Pattern[str]:
        ordered = sorted(self._secrets, key=len, reverse=True)
        # Forms of PIECE characters or more are masked by their pieces (one set lookup
        # per 4 characters of text); only shorter ones need the regular expression.
        short = [v for v in ordered if len(v) < PIECE] or ["(?!)"]
        self._pattern = re.compile("|".join(v if v == "(?!)" else re.escape(v) for v in short))
        heads: dict[str, list[tuple[str, int]]] = {}
        tails: dict[str, list[tuple[str, int]]] = {}
        k = MIN_ELIDED
        for secret in ordered:
            size = len(secret)
            for n in range(k, size):
                heads.setdefault(secret[n - k:n], []).append((secret, n))
                tails.setdefault(secret[size - n:size - n + k], []).append((secret, size - n))
        self._heads, self._tails = heads, tails
        self._grams = {s[i:i + PIECE] for s in ordered for i in range(len(s) - PIECE + 1)}
        self._quads = {g[i:i + 4] for g in self._grams for i in range(PIECE - 3)}
        return self._pattern

    def redact(self, text: str) -> str:
        if not self._secrets or not text:
            return text
        pattern = self._pattern or self._compile()
        return pattern.sub(MASK, self._cuts(text))

    def _pieces(self, text: str) -> list[tuple[int, int]]:
        """Spans of runs of at least ``PIECE`` characters made of pieces of a secret.

        A run of 8 characters holds a 4-character piece that starts at a multiple of 4,
        so only those places are looked up first; the 8-character windows are checked
        around the few that match.
        """
        grams, quads, n = self._grams, self._quads, PIECE
        spans: list[tuple[int, int]] = []
        checked = -1
        for q in range(0, len(text) - 3, 4):
            if text[q:q + 4] not in quads:
                continue
            for i in range(max(q - n + 4, checked + 1, 0), q + 1):
                if text[i:i + n] in grams:
                    if spans and i <= spans[-1][1]:
                        spans[-1] = (spans[-1][0], i + n)
                    else:
                        spans.append((i, i + n))
            checked = q
        return spans

    def _head(self, text: str, end: int, minimum: int) -> int:
        """Where the longest piece of a secret's beginning that ends at ``end`` starts."""
        best = 0
        for secret, n in self._heads.get(text[max(0, end - MIN_ELIDED):end], ()):
            if n > best and n >= minimum and text.endswith(secret[:n], 0, end):
                best = n
        return end - best

    def _tail(self, text: str, start: int, minimum: int) -> int:
        """Where the longest piece of a secret's end that starts at ``start`` ends."""
        best = 0
        for secret, i in self._tails.get(text[start:start + MIN_ELIDED], ()):
            n = len(secret) - i
            if n > best and n >= minimum and text.startswith(secret[i:], start):
                best = n
        return start + best

    def _cuts(self, text: str) -> str:
        """Mask what is left of a secret beside an elision and at each cut: the end of a
        piece before ``...``, the start of one after it, and the same at line ends."""
        spans = self._pieces(text)
        for m in _ELISIONS.finditer(text):
            spans.append((self._head(text, m.start(), MIN_ELIDED), m.start()))
            spans.append((m.end(), self._tail(text, m.end(), MIN_ELIDED)))
        pos = 0
        for line in text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            start, end = pos, pos + len(body)
            spans.append((start, self._tail(text, start, MIN_CUT)))
            spans.append((self._head(text, end, MIN_CUT), end))
            pos += len(line)
        spans = sorted((a, b) for a, b in spans if b > a)
        if not spans:
            return text
        out: list[str] = []
        last = 0
        for a, b in spans:
            if a < last:
                a = last
            if b <= a:
                continue
            out.append(text[last:a])
            out.append(MASK)
            last = b
        out.append(text[last:])
        return "".join(out)

    def redact_obj(self, obj: Any) -> Any:
        """Return a copy of a JSON-like object with secrets masked in every string."""
        if not self._secrets:
            return obj
        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, Mapping):
            return {self.redact(str(k)): self.redact_obj(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.redact_obj(v) for v in obj]
        if isinstance(obj, (int, float)) and not isinstance(obj, bool):
            masked = self.redact(str(obj))
            return obj if masked == str(obj) else masked
        return obj

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """``json.dumps`` of the redacted object, then of the text (belt and braces)."""
        return self.redact(json.dumps(self.redact_obj(obj), **kwargs))
