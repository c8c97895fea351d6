"""Compare one observation with an expectation: pure functions, exact messages."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pytest_devops.http.model import PERCENTILES, HttpExpectation, parse_json_path
from pytest_devops.http.transport import Observation


@dataclass(frozen=True)
class Mismatch:
    """One expectation the observation does not meet. ``check`` names the expectation."""

    check: str
    message: str


_MISSING = object()


def evaluate(
    obs: Observation,
    expect: HttpExpectation,
    now: datetime | None = None,
    redact: Callable[[str], str] = str,
) -> list[Mismatch]:
    """Every expectation (except latency, judged over samples) ``obs`` breaks. Values
    quoted from the body are redacted with ``redact`` before they are shortened."""
    if obs.error == "redirects":
        return [Mismatch("redirects", obs.error_message)]
    if obs.error:
        return [Mismatch(obs.error, obs.error_message)]
    assert obs.status is not None
    out: list[Mismatch] = []
    if not expect.status_ok(obs.status):
        out.append(
            Mismatch("status", f"status {obs.status}, expected {expect.describe_status()}")
        )
    final = expect.redirects.final_url
    if final is not None and obs.final_url != final:
        out.append(Mismatch("redirects", f"ended at {obs.final_url}, expected {final}"))
    out += _tls(obs, expect, now)
    out += _headers(obs, expect)
    out += _body(obs, expect, redact)
    return out


def _tls(obs: Observation, expect: HttpExpectation, now: datetime | None) -> list[Mismatch]:
    limit = expect.tls.min_days_to_expiry
    if limit is None:
        return []
    days = obs.cert_days_left(now)
    if days is None:
        return [Mismatch("tls", "no TLS certificate to check (not an https:// URL)")]
    if days < limit:
        assert obs.cert_not_after is not None
        when = obs.cert_not_after.strftime("%Y-%m-%d %H:%M UTC")
        state = "expired" if days < 0 else "expires"
        return [
            Mismatch(
                "tls",
                f"certificate {state} {when} ({days:.1f} days left), expected at least {limit:g}",
            )
        ]
    return []


def _headers(obs: Observation, expect: HttpExpectation) -> list[Mismatch]:
    out = []
    for name, wanted in expect.headers.items():
        values = obs.header(name)
        if wanted is True and not values:
            out.append(Mismatch("headers", f"header {name} is missing"))
        elif wanted is False and values:
            out.append(Mismatch("headers", f"header {name} is present ({values[0]!r})"))
        elif isinstance(wanted, str):
            if not values:
                out.append(Mismatch("headers", f"header {name} is missing, expected {wanted!r}"))
            elif not any(wanted in v for v in values):
                out.append(
                    Mismatch("headers", f"header {name} is {values[0]!r}, expected {wanted!r}")
                )
    return out


def _body(obs: Observation, expect: HttpExpectation, redact: Callable[[str], str]
          ) -> list[Mismatch]:
    out = []
    text = obs.text()
    for needle in expect.body_contains:
        if needle not in text:
            out.append(Mismatch("body_contains", f"body does not contain {needle!r}"))
    if expect.body_regex is not None and not re.search(expect.body_regex, text):
        out.append(Mismatch("body_regex", f"body does not match /{expect.body_regex}/"))
    if expect.json:
        out += _json(text, expect, redact)
    return out


def _json(text: str, expect: HttpExpectation, redact: Callable[[str], str]) -> list[Mismatch]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return [Mismatch("json", f"body is not JSON ({exc})")]
    out = []
    for path, wanted in expect.json.items():
        found = json_get(doc, path)
        if found is _MISSING:
            out.append(Mismatch("json", f"{path} is missing, expected {_show(wanted, redact)}"))
        elif not same(found, wanted):
            out.append(Mismatch(
                "json", f"{path} is {_show(found, redact)}, expected {_show(wanted, redact)}"
            ))
    return out


def json_get(doc: Any, path: str) -> Any:
    """The value at ``path`` in ``doc``, or a private sentinel when it is not there."""
    node = doc
    for step in parse_json_path(path):
        size = len(node) if isinstance(node, list) else 0
        in_list = isinstance(step, int) and isinstance(node, list) and -size <= step < size
        in_dict = isinstance(step, str) and isinstance(node, dict) and step in node
        if not (in_list or in_dict):
            return _MISSING
        node = node[step]
    return node


def same(a: Any, b: Any) -> bool:
    """JSON equality: ``1`` is not ``true``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return (type(a) is type(b) and a == b) or (
        isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b
    )


def _show(value: Any, redact: Callable[[str], str] = str) -> str:
    return redact(json.dumps(value, ensure_ascii=False))[:200]


def percentile(values: Sequence[float], name: str) -> float:
    """Nearest-rank percentile (``p50``..``p99``, ``max``) of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(PERCENTILES[name] / 100 * len(ordered)))
    return ordered[rank - 1]
