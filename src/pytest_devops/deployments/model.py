"""The deployment record: one typed model with ``from_dict``/``to_dict`` and a JSON Schema
(``deployment.schema.json`` beside this module). Pure, no pytest."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from pytest_devops.errors import DevopsError

SCHEMA = "pytest-devops/deployment@1"


@cache
def json_schema() -> dict[str, Any]:
    ref = resources.files("pytest_devops") / "deployments" / "deployment.schema.json"
    doc: dict[str, Any] = json.loads(ref.read_text("utf-8"))
    return doc


@dataclass(frozen=True)
class DeployedResource:
    address: str
    type: str
    id: str | None
    arn: str | None = None
    console_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "type": self.type, "id": self.id, "arn": self.arn,
                "console_url": self.console_url}


@dataclass(frozen=True)
class DeploymentRecord:
    env: str
    deployed_at: str
    source: str
    gate_outcome: str
    resources: tuple[DeployedResource, ...] = ()
    outputs: Mapping[str, Any] = field(default_factory=dict)
    region: str | None = None
    commit: str | None = None
    plan_digest: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "env": self.env, "deployed_at": self.deployed_at,
                "source": self.source, "region": self.region, "commit": self.commit,
                "plan_digest": self.plan_digest, "gate_outcome": self.gate_outcome,
                "resources": [r.to_dict() for r in self.resources],
                "outputs": dict(self.outputs)}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], where: str = "deployment record") -> \
            DeploymentRecord:
        """The record, after validating ``doc`` against the schema (one line naming the
        key path on error)."""
        import jsonschema

        errors = sorted(jsonschema.Draft202012Validator(json_schema()).iter_errors(doc),
                        key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            path = ".".join(str(p) for p in first.absolute_path) or "(top)"
            raise DevopsError(f"{where}: {path}: {first.message}")
        return cls(
            env=doc["env"], deployed_at=doc["deployed_at"], source=doc["source"],
            gate_outcome=doc["gate_outcome"], region=doc.get("region"),
            commit=doc.get("commit"), plan_digest=doc.get("plan_digest"),
            resources=tuple(DeployedResource(**r) for r in doc["resources"]),
            outputs=dict(doc["outputs"]))
