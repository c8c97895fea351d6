from __future__ import annotations

import json

from pytest_devops.redact import MASK, Redactor


def test_masks_registered_values_longest_first() -> None:
    r = Redactor(["s3cret", "s3cret-extended"])
    assert r.redact("a s3cret-extended b s3cret c") == f"a {MASK} b {MASK} c"


def test_short_values_and_booleans_are_not_registered() -> None:
    r = Redactor(["abc", True, None, 80])
    assert len(r) == 0
    assert r.redact("abc true 80") == "abc true 80"


def test_containers_are_walked_and_numbers_stringified() -> None:
    r = Redactor([{"password": "hunter22", "nested": ["tok-1234"]}, 123456])
    assert r.redact("hunter22 tok-1234 123456") == f"{MASK} {MASK} {MASK}"


def test_json_escaped_and_multiline_forms() -> None:
    key = "-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\n-----END KEY-----"
    r = Redactor(['pa"ss\\word', key])
    dumped = json.dumps({"a": 'pa"ss\\word', "k": key})
    assert "pa" not in r.redact(dumped).replace('"a"', "")
    assert r.redact("line: AAAABBBBCCCCDDDD") == f"line: {MASK}"


def test_redact_obj_masks_keys_values_and_numbers() -> None:
    r = Redactor(["topsecret", 987654])
    obj = {"topsecret": ["x topsecret y", 987654, 5, True, None]}
    assert r.redact_obj(obj) == {MASK: [f"x {MASK} y", MASK, 5, True, None]}


def test_add_env_registers_only_set_variables() -> None:
    r = Redactor()
    r.add_env(["A", "B", "C"], environ={"A": "value-of-a", "C": ""})
    assert len(r) == 1
    assert r.redact("value-of-a") == MASK


def test_dumps_is_valid_json_with_secrets_masked() -> None:
    r = Redactor(["hunter2!"])
    assert json.loads(r.dumps({"m": "pw=hunter2!"})) == {"m": f"pw={MASK}"}


def test_a_secret_with_surrounding_whitespace_is_masked_without_it() -> None:
    r = Redactor(["tok5\n"])
    assert r.redact("Authorization: Bearer tok5.") == f"Authorization: Bearer {MASK}."
