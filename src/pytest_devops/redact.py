"""The single redaction point: every byte that leaves the process passes through here."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
#: Shorter values (and booleans/null) would blank unrelated text, so they are not
#: registered; a sensitive ``true`` or ``80`` is not a secret worth masking.
MIN_LENGTH = 4


def _variants(value: str) -> Iterable[str]:
    yield value
    # A secret read from a file often ends in a newline that its uses do not carry.
    if value.strip() != value:
        yield value.strip()
    escaped = json.dumps(value)[1:-1]
    if escaped != value:
        yield escaped
    if "\n" in value:
        # A multi-line secret (a PEM key) may be printed a line at a time.
        yield from (line.strip() for line in value.splitlines() if len(line.strip()) >= 8)


class Redactor:
    """Collects secret values and masks them in text and in JSON-like objects."""

    def __init__(self, secrets: Iterable[object] = ()) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add_all(secrets)

    def __len__(self) -> int:
        return len(self._secrets)

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

    def redact(self, text: str) -> str:
        if not self._secrets or not text:
            return text
        if self._pattern is None:
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, ordered)))
        return self._pattern.sub(MASK, text)

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
