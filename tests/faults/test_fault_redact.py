"""Every form of a secret the redactor masks, each built here by the code that prints it."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, quote_plus

import pytest

from pytest_devops.redact import MASK, Redactor

SECRET = "Qu'o\"te\\back\\slash-pässwörd-✓-0123456789-abcdefghijklmnopqrstuvwxyz"

FORMS = {
    "as-is": SECRET,
    "repr": repr(SECRET),
    "ascii": ascii(SECRET),
    "json": json.dumps(SECRET),
    "json-unicode": json.dumps(SECRET, ensure_ascii=False),
    "xml": html.escape(SECRET),
    "url": quote(SECRET, safe=""),
    "url-path": quote(SECRET),
    "url-plus": quote_plus(SECRET),
    "base64": base64.b64encode(SECRET.encode()).decode(),
    "base64-url": base64.urlsafe_b64encode(SECRET.encode()).decode(),
    "basic-auth-offset-0": base64.b64encode(b"abc:" + SECRET.encode()[:-1]).decode(),
    "basic-auth-offset-1": base64.b64encode(b"user:" + SECRET.encode()).decode(),
    "basic-auth-offset-2": base64.b64encode(b"u:" + SECRET.encode()).decode(),
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_printed_form_is_masked(name: str) -> None:
    masked = Redactor([SECRET]).redact(f"before {FORMS[name]} after")
    assert MASK in masked
    for i in range(len(SECRET) - 7):
        assert SECRET[i:i + 8] not in masked


@pytest.mark.parametrize(("text", "expected"), [
    # pytest's saferepr keeps a head and a tail around "..."
    (f"'{repr(SECRET)[1:20]}...{repr(SECRET)[-9:-1]}'", f"'{MASK}...{MASK}'"),
    # a 5-character head before an elision is still a piece of the secret
    (f"x {SECRET[:5]}...", f"x {MASK}..."),
    # a message cut at its end, and a line that starts mid-secret
    (f"message: {SECRET[:7]}", f"message: {MASK}"),
    (f"{SECRET[-7:]} rest", f"{MASK} rest"),
    # any run of 8 characters of the secret, anywhere
    (f"[{SECRET[20:29]}]", f"[{MASK}]"),
    # ordinary text next to it stays
    ("Loading... done", "Loading... done"),
])
def test_pieces_beside_elisions_and_cuts(text: str, expected: str) -> None:
    assert Redactor([SECRET]).redact(text) == expected


def test_a_short_secret_inside_a_longer_one_masks_once() -> None:
    r = Redactor(["s3cret", "s3cret-extended"])
    assert r.redact("a s3cret-extended b s3cret c") == f"a {MASK} b {MASK} c"
    assert len(r) == 2
