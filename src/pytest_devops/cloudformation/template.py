"""CloudFormation templates: read JSON or YAML (short-form ``!Ref`` tags included)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_devops.errors import ConfigError

#: TemplateBody limit of the CloudFormation API, in bytes.
MAX_BODY = 51_200


def load_template(path: Path) -> tuple[str, dict[str, Any]]:
    """The template's text (sent as is) and its parsed form (intrinsics in long form)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"cannot read template: {exc}", file=str(path),
                          key="cloudformation.template") from None
    if len(text.encode()) > MAX_BODY:
        raise ConfigError(
            f"template is {len(text.encode())} bytes; the API takes at most {MAX_BODY} inline",
            file=str(path), key="cloudformation.template",
            hint="split it into nested stacks",
        )
    try:
        doc = json.loads(text) if text.lstrip().startswith("{") else parse_yaml(text)
    except ValueError as exc:
        raise ConfigError(f"invalid template: {exc}", file=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise ConfigError("not a CloudFormation template: no `Resources:` mapping",
                          file=str(path), key="cloudformation.template")
    return text, doc


def parse_yaml(text: str) -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if suffix == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    Loader.add_multi_constructor("!", intrinsic)
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None


def no_echo_parameters(doc: dict[str, Any]) -> set[str]:
    """Names of parameters declared ``NoEcho: true`` (their values are secrets)."""
    params = doc.get("Parameters") or {}
    return {n for n, p in params.items() if isinstance(p, dict) and str(p.get("NoEcho")).lower()
            == "true"}
