"""Re-run a bundle's plan-stage gates offline and compare with what was recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_devops.errors import DevopsError
from pytest_devops.evidence.bundle import verify
from pytest_devops.evidence.collect import PLAN_KINDS
from pytest_devops.evidence.seed import DIR_VAR

_RANK = {"pass": 0, "skip": 1, "fail": 2, "error": 3}
#: Sections a plan-stage replay keeps (post-deploy ones need the live environment).
_KEEP = ("terraform", "cloudformation", "rules", "cost", "security", "aws")


@dataclass
class Replay:
    env: str
    manifest: str
    recorded: str
    replayed: str
    same: list[str] = field(default_factory=list)
    different: list[str] = field(default_factory=list)

    @property
    def reproduced(self) -> bool:
        return not self.different and self.recorded == self.replayed

    def lines(self) -> Iterator[str]:
        yield f"replay: environment {self.env}, manifest {self.manifest}"
        yield from self.same
        yield from self.different
        verdict = "same as recorded" if self.reproduced else f"recorded: {self.recorded}"
        yield f"outcome: {self.replayed} ({verdict})"

    def to_dict(self) -> dict[str, Any]:
        return {"env": self.env, "manifest": self.manifest, "recorded": self.recorded,
                "replayed": self.replayed, "reproduced": self.reproduced,
                "same": self.same, "different": self.different}


def _gates(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {g["nodeid"]: g for g in report.get("gates", ()) if g.get("kind") in PLAN_KINDS}


def _outcome(gates: Mapping[str, Mapping[str, Any]]) -> str:
    worst = max((_RANK.get(str(g["outcome"]), 3) for g in gates.values()), default=3)
    return {0: "pass", 1: "pass", 2: "fail", 3: "error"}[worst]


def _config(doc: Mapping[str, Any], prices: Mapping[str, Any] | None) -> dict[str, Any]:
    sections = {k: v for k, v in doc["sections"].items() if k in _KEEP}
    if "terraform" in sections:  # the plan comes from the bundle, not from a source
        sections["terraform"] = {"plan_file": "evidence-plan-is-seeded.json"}
    if "aws" in sections:
        sections["aws"] = {k: v for k, v in sections["aws"].items() if k == "region"}
    if "cost" in sections and prices:
        cost = {k: v for k, v in sections["cost"].items()
                if k not in ("price_file", "price_source", "price_cache")}
        cost["price_file"] = str(prices.get("user") or prices["catalog"])
        sections["cost"] = cost
    env = {"description": doc.get("description", ""), "protected": doc.get("protected", False),
           "redact_env": doc.get("redact_env", []), **sections}
    if doc.get("soft_fail"):
        env["soft_fail"] = doc["soft_fail"]
    return {"version": 1, "environments": {doc["env"]: env}}


def replay(bundle: Path, timeout: float = 600.0) -> Replay:
    manifest, files = verify(bundle)
    from pytest_devops.evidence.bundle import sha256

    digest = sha256(json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n")
    recorded = json.loads(files["report.json"])
    config = json.loads(files["config.json"])
    with tempfile.TemporaryDirectory(prefix="devops-replay-") as tmp:
        work = Path(tmp)
        for name, data in files.items():
            target = work / "bundle" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        project = work / "bundle" / "project"
        project.mkdir(exist_ok=True)
        for key in ("catalog", "user"):
            if (manifest.get("prices") or {}).get(key):
                manifest["prices"][key] = str(work / "bundle" / manifest["prices"][key])
        cfg = project / config["config_file"]
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text(json.dumps(_config(config, manifest.get("prices")), indent=2), "utf-8")
        tests = sorted(str(g["nodeid"]).split("::", 1)[0] for g in _gates(recorded).values()
                       if f"project/{str(g['nodeid']).split('::', 1)[0]}" in files)
        tests = list(dict.fromkeys(tests))
        out = work / "replay.json"
        cmd = [sys.executable, "-m", "pytest", f"--devops-env={config['env']}",
               f"--devops-config={cfg}", "--devops-stage=plan", f"--devops-report={out}",
               "-p", "pytest_devops.evidence.seed", "-p", "no:cacheprovider", "-q",
               f"--rootdir={project}", *tests]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_DEVOPS_")}
        env[DIR_VAR] = str(work / "bundle")
        proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if not out.is_file():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
            raise DevopsError(f"replay: pytest exited {proc.returncode} without a report:\n"
                              f"{tail}")
        replayed = json.loads(out.read_text("utf-8"))
    return compare(config["env"], digest, recorded, replayed)


def compare(env: str, manifest: str, recorded: Mapping[str, Any],
            replayed: Mapping[str, Any]) -> Replay:
    before, after = _gates(recorded), _gates(replayed)
    result = Replay(env=env, manifest=manifest, recorded=_outcome(before),
                    replayed=_outcome(after))
    for nodeid, gate in before.items():
        again = after.get(nodeid)
        n = len(gate.get("findings") or ())
        if again is None:
            result.different.append(f"DIFFERENT {nodeid}: recorded {gate['outcome']}, "
                                    "not run on replay")
        elif again["outcome"] != gate["outcome"]:
            result.different.append(f"DIFFERENT {nodeid}: recorded {gate['outcome']}, "
                                    f"replayed {again['outcome']}")
        elif (again.get("findings") or []) != (gate.get("findings") or []):
            result.different.append(f"DIFFERENT {nodeid}: {gate['outcome']}, findings differ")
        else:
            result.same.append(f"SAME      {nodeid}: {gate['outcome']}"
                               + (f" ({n} finding{'s' if n != 1 else ''})" if n else ""))
    for nodeid in after.keys() - before.keys():
        result.different.append(f"DIFFERENT {nodeid}: not in the recorded run")
    return result
