"""What a scan reads: the configured paths as Checkov targets, the files whose content
keys the cache, and which frameworks must report resources (to fail closed on a scan
that silently read nothing)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_devops.errors import GateError

#: Directories Checkov ignores by default, plus caches of our own and of tools.
IGNORED_DIRS = frozenset({
    "node_modules", ".terraform", ".serverless", ".git", ".devops-cache", ".pytest_cache",
    "__pycache__", ".tox", ".venv", ".mypy_cache", ".ruff_cache",
})
SCANNABLE_SUFFIXES = (
    ".tf", ".tf.json", ".hcl", ".yaml", ".yml", ".json", ".template", ".dockerfile",
    ".tfvars", ".bicep", ".properties", ".env", ".sh", ".py", ".js", ".ts", ".go", ".java",
)
_TF_RESOURCE = re.compile(r'^\s*resource\s+"([^"]+)"\s+"[^"]+"', re.M)
_TF_MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.M)
_CFN = re.compile(r"AWSTemplateFormatVersion|^Resources\s*:|\"Resources\"\s*:", re.M)
_CFN_TYPE = re.compile(r"""(?:^|[\s"'])Type["']?\s*:\s*["']?(AWS|Alexa)::""", re.M)
_K8S = re.compile(r"^apiVersion\s*:", re.M)
_K8S_KIND = re.compile(r"^kind\s*:\s*\S", re.M)
_DOCKER_FROM = re.compile(r"^\s*FROM\s+\S", re.M | re.I)
_WORKFLOW_JOBS = re.compile(r"^jobs\s*:", re.M)


@dataclass
class Targets:
    """Checkov arguments for the configured paths, and what they should yield."""

    directories: list[str] = field(default_factory=list)
    #: the configured directories (``directories`` may be one mirror of them)
    configured: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: framework -> files that declare resources of it
    expected: dict[str, list[str]] = field(default_factory=dict)
    #: configured path (as given) -> the files it holds, local modules included
    paths: dict[str, list[str]] = field(default_factory=dict)
    #: file -> the resource types it declares (the framework's name outside Terraform)
    declared: dict[str, list[str]] = field(default_factory=dict)
    #: path Checkov reports (a normalised copy) -> the user's file
    aliases: dict[str, str] = field(default_factory=dict)
    #: directory Checkov reads (a mirror of several directories) -> the real root
    prefixes: dict[str, str] = field(default_factory=dict)
    digest: str = ""
    temp_dir: str | None = None

    def scratch(self) -> Path:
        if self.temp_dir is None:
            self.temp_dir = tempfile.mkdtemp(prefix="devops-scan-")
        return Path(self.temp_dir)

    def cleanup(self) -> None:
        if self.temp_dir:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None


def collect(paths: Sequence[str], root: Path, *, key: str = "security.paths",
            outputs: Collection[Path] = ()) -> Targets:
    """Resolve ``paths`` (relative to ``root``); refuse missing paths and empty directories.

    ``outputs`` are files the run itself writes (the gate report, JUnit): inside a scanned
    directory they change on every run, so they are left out of the cache key.
    """
    own = {p.name: p.resolve() for p in outputs}
    targets = Targets()
    hasher = hashlib.sha256()
    hashed: set[Path] = set()
    tree: list[Path] = []  # files of the directories (and local modules they use)
    for i, raw in enumerate(paths):
        path = Path(os.path.expanduser(raw))
        path = path if path.is_absolute() else root / path
        where = f"{key}[{i}]"
        if not path.exists():
            raise GateError(f"{where}: {path} does not exist",
                            hint="fix the path (it is relative to the config file)")
        if path.is_dir():
            files = [f for f in _walk(path)
                     if f.name not in own or f.resolve() not in own.values()]
            if not any(_scannable(f) for f in files):
                raise GateError(
                    f"{where}: {path} contains no files Checkov can scan (no Terraform, "
                    "CloudFormation, Kubernetes, Dockerfile or workflow files)",
                    hint="point security.paths at the directory that holds the code",
                )
            targets.directories.append(str(path))
            targets.configured.append(str(path))
            queue = files
        else:
            queue = [path]
            targets.files.append(_plan_target(path, targets) if _is_json(path) else str(path))
        held = targets.paths.setdefault(str(raw), [])
        while queue:
            file = queue.pop()
            held.append(str(file))
            if file in hashed:
                continue
            hashed.add(file)
            if path.is_dir():
                tree.append(file)
            queue += _hash_file(file, hasher, targets)
    targets.digest = hasher.hexdigest()
    if len(targets.directories) > 1:
        _mirror(targets, tree, root)
    return targets


def argument_files_digest(args: Sequence[str], root: Path) -> str:
    """The content of files and directories that ``extra_args`` name (``--var-file``,
    ``--external-checks-dir``...): they change what Checkov reports, so they key the cache.

    Any argument, or value after ``=``, that names an existing path (relative to ``root``,
    Checkov's working directory) counts; hashing one too many only costs a re-scan.
    """
    hasher = hashlib.sha256()
    for arg in args:
        for value in dict.fromkeys((arg, arg.split("=", 1)[-1])):
            path = Path(os.path.expanduser(value))
            path = path if path.is_absolute() else root / path
            files = sorted(_walk(path)) if path.is_dir() else [path] if path.is_file() else []
            for file in files:
                try:
                    data = file.read_bytes()
                except OSError as exc:
                    raise GateError(f"cannot read {file} (named in security.extra_args): "
                                    f"{exc.strerror or exc}") from None
                hasher.update(str(file).encode("utf-8", "surrogateescape") + b"\0")
                hasher.update(hashlib.sha256(data).digest())
    return hasher.hexdigest()


def _mirror(targets: Targets, tree: list[Path], root: Path) -> None:
    """Several directories: Checkov reads one tree of links to their files instead.

    Checkov re-scans every earlier ``-d`` target with each new one (and repeats their
    results), so N directories cost ~N² work; one tree that keeps the files' paths
    relative to ``root`` costs one scan. Files outside ``root`` keep the ``-d`` form.
    """
    base = root.resolve()
    rels = []
    for file in tree:
        try:
            rels.append((file, file.resolve().relative_to(base)))
        except ValueError:
            return
    mirror = targets.scratch() / "tree"
    try:
        for file, rel in rels:
            link = mirror / rel
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                link.symlink_to(file.resolve())
    except OSError:  # no symlinks here (Windows without the privilege)
        shutil.rmtree(mirror, ignore_errors=True)
        return
    targets.directories = [str(mirror)]
    targets.prefixes[str(mirror)] = str(base)


def _walk(top: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS
                             and (not d.startswith(".") or d == ".github"))
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _scannable(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(SCANNABLE_SUFFIXES) or "dockerfile" in name or "containerfile" in name


def _is_json(path: Path) -> bool:
    return path.name.lower().endswith(".json") and not path.name.endswith(".tf.json")


def _hash_file(path: Path, hasher: hashlib._Hash, targets: Targets) -> list[Path]:
    """Add ``path`` to the digest and note what it declares; return local modules it uses."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GateError(f"cannot read {path}: {exc.strerror or exc}") from None
    hasher.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
    hasher.update(hashlib.sha256(data).digest())
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if len(data) > 5_000_000 or (b"\0" in data[:1024] and not utf16):
        return []  # binary or huge: hashed, not inspected
    text = data.decode("utf-8", "replace")
    name = path.name.lower()
    framework = _declares(name, path, text)
    if framework:
        targets.expected.setdefault(framework, []).append(str(path))
        targets.declared[str(path)] = (_TF_RESOURCE.findall(text) if framework == "terraform"
                                       else [framework])
    if name.endswith(".tf"):
        return [f for src in _TF_MODULE_SOURCE.findall(text)
                if (path.parent / src).is_dir() for f in _walk((path.parent / src).resolve())
                if f.name.endswith(".tf")]
    return []


def _declares(name: str, path: Path, text: str) -> str | None:
    if name.endswith(".tf"):
        return "terraform" if _TF_RESOURCE.search(text) else None
    if "dockerfile" in name or "containerfile" in name:
        return "dockerfile" if _DOCKER_FROM.search(text) else None
    if name.endswith((".yml", ".yaml")) and path.parent.name == "workflows" \
            and path.parent.parent.name == ".github":
        return "github_actions" if _WORKFLOW_JOBS.search(text) else None
    if name.endswith((".yml", ".yaml", ".json", ".template")):
        if _CFN.search(text) and _CFN_TYPE.search(text):
            return "cloudformation"
        if name.endswith((".yml", ".yaml")) and _K8S.search(text) and _K8S_KIND.search(text) \
                and "{{" not in text:
            return "kubernetes"
    return None


def _plan_target(path: Path, targets: Targets) -> str:
    """A JSON file: a plan is checked (and de-noised if needed) before Checkov reads it."""
    from pytest_devops.plan.capture import decode, extract_json

    data = path.read_bytes()
    text = decode(data, str(path))
    head = text.lstrip()[:4096]
    if not any(k in head or k in text for k in ('"terraform_version"', '"resource_changes"')):
        return str(path)  # a CloudFormation/other JSON file, not a plan
    try:
        doc = json.loads(text)
        clean = True
    except json.JSONDecodeError:
        doc = extract_json(text, str(path))  # raises a GateError saying what is wrong
        clean = False
    if not isinstance(doc, dict) or "format_version" not in doc:
        return str(path)
    from pytest_devops.plan.load import parse_plan

    parse_plan(doc, str(path))  # refuses a state, a streaming log, an unknown format
    root_module = (doc.get("planned_values") or {}).get("root_module") or {}
    if root_module.get("resources") or root_module.get("child_modules"):
        targets.expected.setdefault("terraform_plan", []).append(str(path))
        from pytest_devops.plan.state import flatten

        targets.declared[str(path)] = [r.type for r in flatten(doc.get("planned_values"))
                                       if r.mode == "managed"]
    if clean:
        return str(path)
    # Wrapper noise around the JSON: Checkov reads a clean copy; findings name the original.
    copy = targets.scratch() / f"{len(targets.aliases)}-{path.name}"
    copy.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    targets.aliases[str(copy)] = str(path)
    return str(copy)
