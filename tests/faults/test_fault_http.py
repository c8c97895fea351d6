"""HTTP faults against real misbehaving servers on 127.0.0.1: a body cut short, a reset,
a refusal, a drip, a bad certificate; the token sent in a header is never shown."""

from __future__ import annotations

import pytest
from faultkit import run_gates, section
from faultkit import secrets_env as secrets_env
from servers import Servers

FAST = "retries: {max: 2, backoff: 0.01, factor: 1}"


def probe(url: str, extra: str = "") -> str:
    return section(f"""
urls:
  svc:
    url: {url}
    headers: {{Authorization: "Bearer ${{DEVOPS_TOKEN}}"}}
    timeout: 1
    deadline: 5
    {FAST}
    {extra}
""")


# (path on the plain HTTP server, extra settings, exit code, outcome, text in the message)
CASES = {
    "ok": ("/ok", "", 0, "pass", ""),
    "not-found": ("/status/404", "", 1, "fail", "status 404"),
    "short-body": ("/short-body", "", 1, "fail",
                   "reset: the response ended after 10 of 100 bytes: the body is incomplete"),
    "reset-then-ok": ("/reset-then-ok/{key}/1", "", 0, "pass", ""),
    "flapping-then-ok": ("/flap/{key}/1", "", 0, "pass", ""),
    "reset": ("/reset", "", 1, "fail", "reset: "),
    "drip": ("/drip", "", 1, "fail", "timeout: "),
    "token-echoed": ("/echo", "expect: {body_contains: nothing-like-this}", 1, "fail",
                     "nothing-like-this"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_http_faults(pytester: pytest.Pytester, servers: Servers,
                     secrets_env: dict[str, str], name: str) -> None:
    path, extra, code, outcome, detail = CASES[name]
    url = servers.http.url(path.format(key=f"faults-{name}-{id(pytester)}"))
    out = run_gates(pytester, probe(url, extra))
    assert (out.ret, out.outcomes()) == (code, {"url[svc]": outcome}), out.text
    if outcome == "pass":
        out.shows("postdeploy  1 passed", "outcome: pass")
    else:
        out.shows(f"FAIL      devops.yaml::url[[]svc[]]: svc: GET {url} failed after * "
                  "attempt(s) in * s (timeout 1 s, deadline 5 s)", "outcome: fail")
        assert detail in out.gate("url[svc]")["message"], out.gate("url[svc]")["message"]


def test_refused_and_tls_faults(pytester: pytest.Pytester, servers: Servers,
                                secrets_env: dict[str, str]) -> None:
    out = run_gates(pytester, probe(servers.refused_url))
    assert (out.ret, out.outcomes()) == (1, {"url[svc]": "fail"})
    assert "refused: " in out.gate("url[svc]")["message"]
    out = run_gates(pytester, probe(servers.tls_expired.url("/ok")))
    assert (out.ret, out.outcomes()) == (1, {"url[svc]": "fail"})
    assert "tls: " in out.gate("url[svc]")["message"]
