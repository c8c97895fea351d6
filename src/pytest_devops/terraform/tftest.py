"""``terraform test`` as the plan gate ``terraform.test``.

The JUnit XML Terraform writes (``-junit-xml``, Terraform >= 1.11) is read into one
:class:`TestRun` per ``run`` block; a failed assertion fails the gate with a finding per
failed run, a run that errored (or a test command that failed with no run failing)
errors it: an error never passes. The runs go into the gate report as
``terraform_test``.
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_devops.errors import GateError, GateFailure
from pytest_devops.findings import Finding

if TYPE_CHECKING:
    from pytest_devops.terraform.settings import TerraformSettings

__all__ = ["TestRun", "parse_junit", "run_tests"]

MIN_VERSION = "1.11"


@dataclass(frozen=True)
class TestRun:
    file: str
    name: str
    outcome: str  # pass, fail, error, skip
    message: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def parse_junit(text: str) -> list[TestRun]:
    """The runs of ``terraform test -junit-xml`` output."""
    try:
        root = ET.fromstring(text)  # noqa: S314 - written by the Terraform CLI we ran
    except ET.ParseError as exc:
        raise GateError(f"cannot read terraform test JUnit output: {exc}") from None
    runs = []
    for case in root.iter("testcase"):
        outcome, message, detail = "pass", "", ""
        for tag, name in (("failure", "fail"), ("error", "error"), ("skipped", "skip")):
            found = case.find(tag)
            if found is not None:
                outcome, detail = name, (found.text or "").strip()
                message = found.get("message") or (detail.splitlines() or [""])[0]
                break
        runs.append(TestRun(case.get("classname", ""), case.get("name", ""), outcome,
                            message, detail))
    return runs


def run_tests(settings: TerraformSettings, folder: Path,
              progress: Callable[[str], None] | None = None) -> list[TestRun]:
    """Run ``terraform test`` in the environment's root; the runs, or an error."""
    from pytest_devops.terraform.settings import version_allows
    from pytest_devops.terraform.steps import DATA_DIR, open_root, root_lock

    with root_lock(folder, settings), tempfile.TemporaryDirectory() as tmp:
        tf, version = open_root(settings, folder / DATA_DIR, progress=progress)
        if not version_allows(f">= {MIN_VERSION}", version):
            raise GateError(f"terraform.test needs Terraform >= {MIN_VERSION} (for its JUnit "
                            f"report); {settings.binary} is {version}",
                            hint="upgrade, or set terraform.test: false")
        junit = Path(tmp) / "junit.xml"
        args = [tf.binary, "test", "-no-color", f"-junit-xml={junit}"]
        args += [f"-var-file={p}" for p in settings.var_files]
        result = tf.run(args, check=False)
        if not junit.is_file():
            from pytest_devops.plan.tferrors import failure

            raise failure(result.args, result.returncode, result.stderr or result.stdout)
        runs = parse_junit(junit.read_text("utf-8"))
    if result.returncode != 0 and not any(r.outcome in ("fail", "error") for r in runs):
        raise GateError(f"terraform test exited {result.returncode} with no failed run",
                        hint="run `terraform test` in the root to see why")
    return runs


def judge(runs: list[TestRun]) -> None:
    """Pass, fail (a failed assertion) or error (a run that errored; no runs at all)."""
    if not runs:
        raise GateError("terraform test found no test runs (no *.tftest.hcl files)",
                        hint="add tests under tests/ in the root, or set terraform.test: false")
    errored = [r for r in runs if r.outcome == "error"]
    if errored:
        first = errored[0]
        raise GateError(f"terraform test: {len(errored)} run(s) errored; first "
                        f"{first.file} run {first.name!r}: {first.message}\n{first.detail}")
    failed = [r for r in runs if r.outcome == "fail"]
    if failed:
        raise GateFailure(
            f"terraform test: {len(failed)} of {len(runs)} run(s) failed",
            [Finding(rule="terraform.test", message=r.message or "failed",
                     address=f"run.{r.name}", file=r.file) for r in failed],
        )
