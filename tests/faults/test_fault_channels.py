"""Every channel pytest offers a plugin, fed a secret in every form, leaks no piece of it."""

from __future__ import annotations

import pytest
from leaks import SECRETS, assert_no_leak, files

CONFIG = """
environments:
  staging:
    redact_env: [DEVOPS_SECRET, DEVOPS_TOKEN]
"""

LEAKY = r'''
import base64, json, logging, os, warnings
from urllib.parse import quote
import pytest
from pytest_devops import GateFailure

S = os.environ["DEVOPS_SECRET"]
T = os.environ["DEVOPS_TOKEN"]
log = logging.getLogger("leaky")


def get(name):
    return os.environ[name]


def test_equal_long_strings():
    assert get("DEVOPS_SECRET") == "Qu'o\"te\\back\\slash-p" + "x" * 60


def test_common_prefix_diff():
    assert S + "-tail" == S[:30] + "-different-ending-of-the-long-value"


def test_in_containers():
    assert {"password": S, "list": [T, 1]} == {"password": "nope", "list": ["nope", 1]}


def test_in_an_object():
    class Holder:
        def __init__(self, v):
            self.v = v
        def __repr__(self):
            return f"Holder({self.v!r})"
        def __eq__(self, other):
            return False
    assert Holder(S) == Holder(T)


def test_printed_in_every_form():
    print(S, repr(S), json.dumps(S), json.dumps(S, ensure_ascii=False), quote(S))
    print(base64.b64encode(("user:" + T).encode()).decode())
    print(base64.b64encode(("us:" + S).encode()).decode())
    print("cut:", S[:20])
    print(S[25:], "<- cut")
    log.warning("token %s and %r", T, S)
    assert False, "see the output"


def test_properties(record_property, record_testsuite_property, record_xml_attribute):
    record_property("token", T)
    record_property("secret", S)
    record_testsuite_property("suite_secret", S)
    record_xml_attribute("owner", T)


def test_warns():
    warnings.warn(UserWarning(f"do not use {S}"))


def test_skips():
    pytest.skip(f"skipped because {T}")


@pytest.mark.xfail(reason="reason")
def test_xfails():
    pytest.xfail(f"xfail because {S}")


@pytest.mark.devops_plan
def test_gate_message_cut_at_the_limit():
    raise GateFailure("long detail\n" + "x" * 3980 + S)


@pytest.mark.devops_security
def test_gate_crash():
    raise RuntimeError(f"connection to postgres://admin:{quote(S)}@db failed")


def test_zz_exit():
    pytest.exit(f"stopping: {T} {S}", returncode=2)
'''


@pytest.fixture
def leaky(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    pytester.makefile(".yaml", devops=CONFIG)
    pytester.makepyfile(test_leaky=LEAKY)
    return pytester


@pytest.mark.parametrize("verbosity", ["-q", "-vv"])
def test_no_channel_leaks_a_secret(leaky: pytest.Pytester, verbosity: str) -> None:
    result = leaky.runpytest(
        verbosity, "--devops-env=staging", "--devops-report=r.json", "--junitxml=j.xml",
        "--log-cli-level=INFO", "--log-file=run.log", "-rA", "--durations=0",
        "-p", "no:cacheprovider", "-W", "default",
    )
    # pytest.exit(returncode=2) ends the run after the last test.
    assert result.ret == 2
    out = "\n".join(result.outlines + result.errlines)
    assert "stopping: *** ***" in out
    assert_no_leak([("stdout+stderr", out), *files(leaky.path)])
    # Everything a user needs still shows, masked.
    result.stdout.fnmatch_lines_random([
        "*token *** and '***'*",
        "*skipped because ****",
        "*do not use ****",
    ])
    junit = (leaky.path / "j.xml").read_text()
    assert 'name="token" value="***"' in junit
    assert 'name="suite_secret" value="***"' in junit
