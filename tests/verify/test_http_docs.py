"""The examples of docs/verify-http.md, run against the test servers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from servers import Servers

DOC = Path(__file__).resolve().parents[2] / "docs" / "verify-http.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), re.S)


def localise(text: str, servers: Servers) -> str:
    base = servers.tls_valid.base
    return (
        text.replace("https://legacy.staging.example.com/", f"{base}/moved-home")
        .replace("https://www.staging.example.com/", f"{base}/")
        .replace("https://api.staging.example.com", base)
        .replace("https://api.example.com", base)
    )


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch, servers: Servers) -> None:
    # The servers' certificates come from a test CA: make it the system's for the run.
    monkeypatch.setenv("SSL_CERT_FILE", str(servers.ca_file))
    monkeypatch.setenv("API_TOKEN", "doc-example-token-123")


@pytest.mark.usefixtures("trusted")
def test_documented_config_and_tests_pass(pytester: pytest.Pytester, servers: Servers) -> None:
    config, = blocks("yaml")
    tests, _library = blocks("python")
    pytester.makefile(".yaml", devops=localise(config, servers))
    pytester.makepyfile(test_doc=localise(tests, servers))
    result = pytester.runpytest("--devops-env=staging", "-v")
    result.assert_outcomes(passed=5)  # 2 URL gates + 3 documented tests
    result.stdout.fnmatch_lines(["*url?home? PASSED*", "*url?api? PASSED*"])
    assert "doc-example-token-123" not in result.stdout.str()


@pytest.mark.usefixtures("trusted")
def test_documented_library_use(servers: Servers, capsys: pytest.CaptureFixture[str]) -> None:
    _, library = blocks("python")
    exec(compile(localise(library, servers), str(DOC), "exec"), {})  # noqa: S102
    assert " passed after 1 attempt(s)" in capsys.readouterr().out
