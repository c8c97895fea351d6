"""Build ``terraform show -json``-shaped documents for tests, in Terraform's own layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SECRETS = {
    "db_password": "hunter2-Sup3rS3cret!",
    "api_token": "tok_live_9f8e7d6c5b4a",
    "output_secret": "out-secret-Xy12Zq98",
    "variable_secret": "var-secret-Ab34Cd56",
    "tag_secret": "tagval-secret-77aa",
    "pem": (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    ),
}


def change(
    address: str,
    actions: list[str],
    *,
    after: Any = None,
    before: Any = None,
    after_unknown: Any = None,
    after_sensitive: Any = False,
    before_sensitive: Any = False,
    rtype: str | None = None,
    provider: str = "registry.terraform.io/hashicorp/aws",
    **extra: Any,
) -> dict[str, Any]:
    local = address.split(".")[2:] if address.startswith("module.") else address.split(".")[-2:]
    rtype = rtype or local[0]
    name = local[1].split("[")[0]
    rc: dict[str, Any] = {
        "address": address,
        "mode": "data" if address.startswith("data.") else "managed",
        "type": rtype,
        "name": name,
        "provider_name": provider,
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": after_unknown if after_unknown is not None else {},
            "before_sensitive": before_sensitive,
            "after_sensitive": after_sensitive,
        },
    }
    if address.startswith("module."):
        rc["module_address"] = ".".join(address.split(".")[:2])
    rc.update(extra)
    return rc


def plan_doc(
    changes: list[dict[str, Any]],
    *,
    region: str | None = "us-east-1",
    outputs: dict[str, Any] | None = None,
    variables: dict[str, Any] | None = None,
    sensitive_variables: tuple[str, ...] = (),
    format_version: str = "1.2",
) -> dict[str, Any]:
    provider: dict[str, Any] = {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}
    if region:
        provider["expressions"] = {"region": {"constant_value": region}}
    doc: dict[str, Any] = {
        "format_version": format_version,
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": []}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {"aws": provider},
            "root_module": {
                "variables": {n: {"sensitive": True} for n in sensitive_variables},
            },
        },
    }
    if outputs is not None:
        doc["output_changes"] = outputs
    if variables is not None:
        doc["variables"] = {k: {"value": v} for k, v in variables.items()}
    return doc


def secret_plan() -> dict[str, Any]:
    """A plan holding each kind of secret Terraform marks: sensitive attributes (create and
    update), a sensitive output, a sensitive variable, a sensitive tag value, a PEM key."""
    s = SECRETS
    return plan_doc(
        [
            change(
                "aws_db_instance.main", ["create"],
                after={"instance_class": "db.m5.large", "password": s["db_password"],
                       "tags": {"Owner": "team-a"}},
                after_unknown={"arn": True, "id": True},
                after_sensitive={"password": True, "tags": {}},
            ),
            change(
                "aws_instance.web", ["delete", "create"],
                before={"instance_type": "t3.micro", "user_data": s["api_token"], "tags": {}},
                after={"instance_type": "m5.24xlarge", "user_data": s["api_token"],
                       "tags": {"Secret": s["tag_secret"]}},
                before_sensitive={"user_data": True},
                after_sensitive={"user_data": True, "tags": {"Secret": True}},
                action_reason="replace_because_cannot_update",
            ),
            change(
                "tls_private_key.deploy", ["create"],
                after={"algorithm": "RSA", "private_key_pem": s["pem"]},
                after_sensitive={"private_key_pem": True},
                rtype="tls_private_key", provider="registry.terraform.io/hashicorp/tls",
            ),
        ],
        outputs={
            "db_password": {"actions": ["create"], "before": None, "after": s["output_secret"],
                            "after_unknown": False, "before_sensitive": False,
                            "after_sensitive": True},
        },
        variables={"token": s["variable_secret"], "region": "us-east-1"},
        sensitive_variables=("token",),
    )


def write(path: Path, doc: Any, **dump: Any) -> Path:
    path.write_text(json.dumps(doc, **dump), encoding="utf-8")
    return path
