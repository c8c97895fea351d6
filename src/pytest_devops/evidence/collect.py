"""What a run puts in its evidence bundle, gathered from the pytest session."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import time
from collections.abc import Mapping
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from pytest_devops.evidence.documents import (
    SENSITIVE,
    change_set_to_doc,
    plan_to_doc,
    scan_to_doc,
)

if TYPE_CHECKING:
    import pytest

    from pytest_devops.config import Environment
    from pytest_devops.context import GateContext
    from pytest_devops.redact import Redactor

#: Session values (see pytest_devops.canary.inject) the bundle keeps.
PLAN_KEY = "pytest_devops.plan"
CFN_PLAN_KEY = "cloudformation.plan"
CHANGE_SET_KEY = "cloudformation.change_set"
SCAN_KEY = "security.scan"
PLAN_KINDS = ("plan", "security", "cost")
_SECRET_KEY = re.compile(r"pass(word)?|secret|token|credential|private|api_?key", re.I)


def _json(doc: Any) -> bytes:
    return json.dumps(doc, indent=2, sort_keys=True, default=str).encode() + b"\n"


def _mask_keys(value: Any) -> Any:
    """Values under keys that name a secret are masked, whatever they hold."""
    if isinstance(value, dict):
        return {k: SENSITIVE if _SECRET_KEY.search(str(k)) and v not in (None, "", {}, [])
                else _mask_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_keys(v) for v in value]
    return value


def resolved_config(env: Environment, rootpath: Path, redactor: Redactor) -> dict[str, Any]:
    config = env.config_file
    rel = os.path.relpath(config, rootpath) if config else "devops.yaml"
    doc = {
        "env": env.name, "config_file": Path(rel).as_posix(), "description": env.description,
        "protected": env.protected, "soft_fail": sorted(env.soft_fail),
        "redact_env": list(env.redact_env), "sections": _mask_keys(dict(env.sections)),
    }
    masked: dict[str, Any] = redactor.redact_obj(doc)
    return masked


def junit_from_report(report: Mapping[str, Any]) -> bytes:
    """A JUnit XML file of the gate report (when the run wrote none of its own)."""
    gates = report.get("gates", ())
    counts = {o: sum(g["outcome"] == o for g in gates) for o in ("fail", "error", "skip")}
    lines = [f'<testsuite name="pytest-devops" tests="{len(gates)}" '
             f'failures="{counts["fail"]}" errors="{counts["error"]}" '
             f'skipped="{counts["skip"]}">']
    for g in gates:
        path, _, name = str(g["nodeid"]).rpartition("::")
        head = f"  <testcase classname={quoteattr(path)} name={quoteattr(name)} " \
               f'time="{float(g.get("duration", 0)):.3f}"'
        tag = {"fail": "failure", "error": "error", "skip": "skipped"}.get(g["outcome"])
        if tag is None:
            lines.append(head + "/>")
        else:
            message = str(g.get("message", ""))
            first = quoteattr(message.splitlines()[0] if message else "")
            lines += [head + ">", f"    <{tag} message={first}>{escape(message)}</{tag}>",
                      "  </testcase>"]
    lines.append("</testsuite>")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + "\n".join(lines) + "\n").encode()


def commit(root: Path) -> str | None:
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=False)
    except OSError:
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None and path.is_file() else None


def _tests(report: Mapping[str, Any], rootpath: Path, inipath: Path | None) -> set[Path]:
    """The user's plan-stage test files, their conftest.py files, the Python modules
    beside them (what they import from their own directory) and pytest.ini."""
    dirs: set[Path] = set()
    for g in report.get("gates", ()):
        nodeid = str(g["nodeid"])
        if g.get("kind") not in PLAN_KINDS or "::" not in nodeid:
            continue
        file = rootpath / nodeid.split("::", 1)[0]
        if not file.is_file() or file.suffix != ".py":
            continue
        dirs.add(file.parent)
        for parent in file.parents:
            if (parent / "conftest.py").is_file():
                dirs.add(parent)
            if parent == rootpath:
                break
    out = {f for d in dirs for f in d.glob("*.py") if f.is_file()}
    if inipath is not None and inipath.parent == rootpath and inipath.name == "pytest.ini":
        out.add(inipath)
    return out


def _load_on_controller(ctx: GateContext, report: Mapping[str, Any]) -> None:
    """Under pytest-xdist the workers loaded the plan and ran the scan: load them here too
    (the scan comes from the security cache) so the bundle holds what the gates judged."""
    from pytest_devops.plan.keys import PLAN
    from pytest_devops.security.keys import SCAN

    kinds = {g.get("kind") for g in report.get("gates", ()) if g.get("outcome") != "skip"}
    try:
        if kinds & {"plan", "cost"}:
            ctx.get(PLAN)
        if "security" in kinds:
            ctx.get(SCAN)
    except Exception:  # the gates reported it; the bundle holds what there is
        return


def bundle_files(config: pytest.Config, report: Mapping[str, Any]) -> tuple[
        dict[str, bytes], dict[str, Any]]:
    """The files of the bundle and the manifest's metadata."""
    from pytest_devops.cloudformation.keys import CHANGE_SET
    from pytest_devops.context import GateContext
    from pytest_devops.plan.keys import PLAN
    from pytest_devops.security.keys import SCAN, ScanFailed

    ctx = GateContext.of(config)
    env = ctx.env
    redactor = ctx.redactor
    files: dict[str, bytes] = {"report.json": redactor.dumps(report, indent=2).encode() + b"\n"}
    _load_on_controller(ctx, report)
    plan = ctx.peek(PLAN)
    digest = None
    if plan is not None:
        doc = plan_to_doc(plan, redactor)
        digest = doc["digest"]
        files["plan.json"] = _json(doc)
    change_set = ctx.peek(CHANGE_SET)
    if change_set is not None:
        files["change-set.json"] = _json(change_set_to_doc(change_set, redactor))
    scan = ctx.peek(SCAN)
    checkov = None
    if scan is not None and not isinstance(scan, ScanFailed):
        from pytest_devops.security import sarif

        checkov = scan.checkov_version
        files["scan.json"] = _json(scan_to_doc(scan, redactor))
        files["results.sarif"] = redactor.dumps(sarif.build(scan, env.root), indent=2).encode()
    given_sarif = config.getoption("devops_sarif", None)
    if given_sarif and "results.sarif" not in files:
        data = _read(config.invocation_params.dir / given_sarif)
        if data is not None:
            files["results.sarif"] = redactor.redact(data.decode()).encode()
    xml = config.getoption("xmlpath", None)
    data = _read(config.invocation_params.dir / xml) if xml else None
    files["junit.xml"] = (redactor.redact(data.decode()).encode() if data is not None
                          else junit_from_report(report))
    prices = _prices(env, files)
    files["config.json"] = _json(resolved_config(env, config.rootpath, redactor))
    for path in sorted(_tests(report, config.rootpath, config.inipath)):
        rel = path.relative_to(config.rootpath).as_posix()
        files[f"project/{rel}"] = redactor.redact(path.read_text("utf-8")).encode()
    meta = {
        "env": env.name, "stage": report.get("stage"), "outcome": report.get("outcome"),
        "plan_digest": digest, "commit": commit(env.root),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "prices": prices,
        "versions": {"pytest-devops": _version("pytest-devops"), "pytest": _version("pytest"),
                     "python": platform.python_version(), "checkov": checkov,
                     "terraform": getattr(plan, "terraform_version", None)},
    }
    return files, redactor.redact_obj(meta)


def _prices(env: Environment, files: dict[str, bytes]) -> dict[str, Any] | None:
    if not env.section("cost"):
        return None
    from pytest_devops.cost.settings import cost_settings

    settings = cost_settings(env)
    ref = resources.files("pytest_devops") / "data" / "prices" / "aws.json"
    files["prices/catalog.json"] = ref.read_bytes()
    user = _read(settings.price_file)
    if user is not None and settings.price_file is not None:
        files[f"prices/user{settings.price_file.suffix}"] = user
    return {"source": settings.price_source, "region": settings.region,
            "catalog": "prices/catalog.json",
            "user": f"prices/user{settings.price_file.suffix}" if user is not None
            and settings.price_file is not None else None}
