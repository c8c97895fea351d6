from __future__ import annotations

from pathlib import Path

import pytest

from pytest_devops.config import load_environment, resolve, schema
from pytest_devops.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "devops.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, env: str) -> ConfigError:
    """The ConfigError that loading ``env`` from ``path`` raises."""
    with pytest.raises(ConfigError) as info:
        load_environment(path, env, environ={})
    return info.value


def test_extends_merges_mappings_deeply_and_replaces_lists(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
environments:
  base:
    redact_env: [A_TOKEN]
    rules: {max_changes: 10}
  staging:
    extends: base
    description: stage
  production:
    extends: staging
    protected: true
    redact_env: [B_TOKEN]
    soft_fail: [cost]
""",
    )
    env = load_environment(path, "production", environ={})
    assert env.name == "production"
    assert env.chain == ("production", "staging", "base")
    assert env.protected is True
    assert env.description == "stage"
    assert env.redact_env == ("B_TOKEN",)
    assert env.soft_fail == frozenset({"cost"})
    assert env.root == tmp_path
    assert env.path("plans/p.json") == tmp_path / "plans" / "p.json"


def test_soft_fail_true_means_every_kind() -> None:
    env = resolve({"environments": {"dev": {"soft_fail": True}}}, "dev", environ={})
    assert env.soft_fail == frozenset({"plan", "security", "cost", "postdeploy"})


def test_interpolation_with_defaults_and_escape() -> None:
    doc = {
        "environments": {
            "dev": {"description": "${WHO}/${MISSING:-fallback}/${EMPTY:-d}/${EMPTY-kept}/$${LIT}"}
        }
    }
    env = resolve(doc, "dev", environ={"WHO": "me", "EMPTY": ""})
    assert env.description == "me/fallback/d//${LIT}"


def test_unset_variable_without_default_names_variable_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  dev:\n    description: ${NOPE_VAR}\n")
    err = error_of(path, "dev")
    text = str(err)
    assert text.startswith(f"{path}:3: environments.dev.description: ")
    assert "NOPE_VAR is not set and has no default" in text
    assert "hint: export NOPE_VAR=... or write ${NOPE_VAR:-default}" in text


def test_unknown_environment_lists_known_and_suggests(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  staging: {}\n  production: {}\n")
    err = error_of(path, "stagin")
    assert str(err) == (
        f"{path}:1: environments: unknown environment 'stagin'; "
        "known environments: production, staging\n  hint: did you mean 'staging'?"
    )


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, "environments:\n  a: {extends: b}\n  b: {extends: c}\n  c: {extends: a}\n"
    )
    with pytest.raises(ConfigError, match=r"extends cycle: a -> b -> c -> a"):
        load_environment(path, "a", environ={})


def test_extends_unknown_parent(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  b: {}\n  a:\n    extends: ghost\n")
    err = error_of(path, "a")
    assert str(err) == (
        f"{path}:4: environments.a.extends: extends unknown environment 'ghost'; "
        "known environments: a, b"
    )


def test_environment_name_that_yaml_reads_as_a_number(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  staging: {}\n  1: {}\n")
    err = error_of(path, "staging")
    assert str(err) == (
        f"{path}:3: environments.1: an environment name is a string, got an integer 1\n"
        "  hint: quote it: '1':"
    )


def test_a_key_written_twice_is_an_error_not_the_last_one_wins(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  dev: {}\n  prod: {}\n  dev:\n    protected: true\n")
    err = error_of(path, "dev")
    assert (err.file, err.line) == (str(path), 4)
    assert err.message == "invalid YAML: key 'dev' is repeated (first at line 2)"


def test_unknown_key_with_did_you_mean_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  dev:\n    description: x\n    protectd: true\n")
    err = error_of(path, "dev")
    err = err
    assert (err.file, err.key, err.line) == (str(path), "environments.dev.protectd", 4)
    assert err.message.startswith("unknown key 'protectd'; expected one of: ")
    assert err.hint == "did you mean 'protected'?"


def test_wrong_type_names_expected_type_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  dev:\n    protected: 'yes'\n")
    err = error_of(path, "dev")
    assert str(err) == (
        f"{path}:3: environments.dev.protected: expected true or false, got a string"
    )


def test_value_from_variable_is_read_as_the_expected_type() -> None:
    doc = {"environments": {"dev": {"protected": "${PROTECT}"}}}
    assert resolve(doc, "dev", environ={"PROTECT": "true"}).protected is True
    with pytest.raises(ConfigError, match="expected true or false, got a string"):
        resolve(doc, "dev", environ={"PROTECT": "maybe"})


def test_wrong_type_inherited_from_parent_points_at_parent_line(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  base:\n    protected: 3\n  dev:\n    extends: base\n")
    err = error_of(path, "dev")
    assert err.line == 3
    assert err.key == "environments.dev.protected"


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, "environments:\n  dev:\n    description: [unclosed\n")
    err = error_of(path, "dev")
    assert err.file == str(path)
    assert err.line == 4
    assert err.message.startswith("invalid YAML: ")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("- just\n- a list\n", "expected a mapping with an `environments:` key, got a list", None),
        ("environments: {}\n", "expected a non-empty mapping of environment name -> settings", 1),
        ("environments:\n  dev: {}\nenvironmnts: {}\n", "unknown key 'environmnts'", 3),
        ("version: 2\nenvironments:\n  dev: {}\n", "unsupported version 2", 1),
        ("environments:\n  dev: [1]\n", "expected a mapping of settings, got a list", 2),
    ],
)
def test_document_shape_errors(tmp_path: Path, text: str, message: str, line: int | None) -> None:
    path = write(tmp_path, text)
    err = error_of(path, "dev")
    assert (err.file, err.line, err.message) == (str(path), line, message)


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found") as info:
        load_environment(tmp_path / "nope.yaml", "dev", environ={})
    assert info.value.hint == "create it with `pytest-devops init` or pass --devops-config PATH"


def test_x_keys_allow_yaml_anchors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x-common: &common\n  description: shared\nenvironments:\n  dev:\n    <<: *common\n",
    )
    assert load_environment(path, "dev", environ={}).description == "shared"


def test_several_problems_are_listed_together() -> None:
    doc = {"environments": {"dev": {"protected": 1, "description": 2}}}
    with pytest.raises(ConfigError) as info:
        resolve(doc, "dev", environ={})
    lines = str(info.value).splitlines()
    assert lines[0] == "2 problems in environment 'dev':"
    assert lines[1:] == [
        "  <config>: environments.dev.description: expected a string, got an integer",
        "  <config>: environments.dev.protected: expected true or false, got an integer",
    ]


def test_schema_has_every_section() -> None:
    sections = schema()["$defs"]["environment"]["properties"]
    for name in ("terraform", "rules", "security", "cost", "aws", "hosts", "urls"):
        assert sections[name] == {"$ref": f"#/$defs/{name}"}
        assert name in schema()["$defs"]


def test_a_section_error_without_a_line_gets_the_line_of_its_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "environments:\n  eu.prod:\n    hosts:\n      - local://\n      - name: web\n"
        "        url: ssh://web\n",
    )
    err = ConfigError("bad url", file=str(path), key="environments.eu.prod.hosts[1].url")
    assert err.line == 6
    assert str(err) == f"{path}:6: environments.eu.prod.hosts[1].url: bad url"
    # A key the file does not have points at its deepest parent that it has.
    assert ConfigError("x", file=str(path), key="environments.eu.prod.hardening").line == 2
    assert ConfigError("x", file=str(path), key="--repo").line is None
    assert ConfigError("x", file=str(path), key="environments.eu.prod", line=9).line == 9
    assert ConfigError("x", file=str(tmp_path / "gone.yaml"), key="environments.a").line is None


def test_a_value_from_a_variable_is_read_as_one_of_the_types_a_choice_allows() -> None:
    doc = {"environments": {"dev": {"soft_fail": "${SOFT:-false}"}}}
    assert resolve(doc, "dev", environ={}).soft_fail == frozenset()
    assert resolve(doc, "dev", environ={"SOFT": "[cost]"}).soft_fail == {"cost"}
    with pytest.raises(ConfigError) as info:
        resolve(doc, "dev", environ={"SOFT": "cost"})
    assert info.value.message == "expected true or false or a list, got a string"


@pytest.mark.parametrize(
    ("settings", "key", "message"),
    [
        # The alternative of the value's type says what is wrong inside it.
        (
            "soft_fail: [plan, bogus]",
            "environments.dev.soft_fail[1]",
            "expected one of ['plan', 'security', 'cost', 'postdeploy'], got 'bogus'",
        ),
        (
            "rules: {required_tags: {tag: [owner]}}",
            "environments.dev.rules.required_tags.tag",
            "unknown key 'tag'; expected one of: attribute, ignore, tags",
        ),
        (
            "rules: {no_destroy: {actions: [nuke]}}",
            "environments.dev.rules.no_destroy.actions[0]",
            "expected one of ['delete', 'replace', 'forget'], got 'nuke'",
        ),
        # No alternative has the value's type: every type that would do.
        (
            "rules: {no_destroy: yes please}",
            "environments.dev.rules.no_destroy",
            "expected true or false or a mapping, got a string",
        ),
    ],
)
def test_a_choice_of_shapes_is_explained_by_the_shape_given(
    tmp_path: Path, settings: str, key: str, message: str
) -> None:
    path = write(tmp_path, f"environments:\n  dev:\n    {settings}\n")
    err = error_of(path, "dev")
    assert (err.key, err.line, err.message) == (key, 3, message)
