"""``pytest-devops init``: scaffold ``devops.yaml``, starter gate tests and a workflow.

Files are rendered from the jinja2 templates in ``pytest_devops/templates/init``, the
configuration is validated for every environment before anything is written, existing
files are left alone unless ``--force``, and each file is written atomically.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

CLOUDS = ("aws",)
IACS = ("terraform", "cloudformation")
DEFAULT_ENVS = ("staging", "production")
ACTIONS_REF = "v1"
_ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")
_STACK = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,100}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]+$")

#: template -> path of the rendered file, relative to --dir.
FILES = {
    "devops.yaml.j2": "devops.yaml",
    "test_gates.py.j2": "tests/test_devops_gates.py",
    "workflow.yml.j2": ".github/workflows/devops.yml",
}


@dataclass(frozen=True)
class EnvSpec:
    name: str
    protected: bool

    @property
    def secret(self) -> str:
        """The environment's part of a GitHub secret name (AWS_ROLE_ARN_<SECRET>)."""
        return re.sub(r"[^A-Z0-9]", "_", self.name.upper())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cloud", choices=CLOUDS, default="aws", help="cloud (default: aws)")
    parser.add_argument(
        "--iac", choices=IACS, default="terraform", help="deploy engine (default: terraform)"
    )
    parser.add_argument(
        "--env",
        dest="envs",
        action="append",
        metavar="NAME",
        help="an environment, in promotion order (repeatable; default: staging, production). "
        "The last of several is protected and promoted to behind an approval.",
    )
    parser.add_argument("--dir", default=".", help="project directory (default: .)")
    parser.add_argument("--region", default="us-east-1", help="AWS region (default: us-east-1)")
    parser.add_argument(
        "--stack", help="CloudFormation stack name prefix (default: the directory's name)"
    )
    parser.add_argument(
        "--default-branch", default="main", help="branch that deploys (default: main)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def run(args: argparse.Namespace) -> int:
    from pytest_devops.errors import ConfigError

    root = Path(args.dir).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise ConfigError(f"--dir {root} is not a directory")
    envs = _environments(args.envs or list(DEFAULT_ENVS))
    if not _REGION.match(args.region):
        raise ConfigError(f"--region {args.region!r} is not an AWS region such as us-east-1")
    if not _BRANCH.match(args.default_branch):
        raise ConfigError(f"--default-branch {args.default_branch!r} is not a branch name")
    stack = args.stack or _stack_name(root.name)
    if not _STACK.match(stack):
        raise ConfigError(
            f"--stack {stack!r} is not a CloudFormation stack name",
            hint="letters, digits and '-', starting with a letter",
        )
    rendered = render(
        envs=envs, cloud=args.cloud, iac=args.iac, region=args.region, stack=stack,
        default_branch=args.default_branch,
    )
    targets = {root / rel: text for rel, text in rendered.items()}
    existing = sorted(str(p) for p in targets if p.exists())
    if existing and not args.force:
        print(
            "pytest-devops init: error: these files exist (pass --force to overwrite):\n  "
            + "\n  ".join(existing),
            file=sys.stderr,
        )
        return 2
    _validate(rendered["devops.yaml"], root / "devops.yaml", [e.name for e in envs])
    from pytest_devops.atomic import write_text

    # Project files, like any an editor makes: 0666 less the umask (an overwritten file
    # keeps its mode).
    umask = os.umask(0)
    os.umask(umask)
    for path, text in targets.items():
        verb = "overwrote" if path.exists() else "created"
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~umask
        write_text(path, text, mode=mode)
        print(f"{verb} {path}")
    first = envs[0].name
    print(
        f"\nnext: pytest --devops-env={first} --co   (the gates {first} would run)\n"
        f"      see .github/workflows/devops.yml for the secrets and GitHub environments it needs"
    )
    return 0


def render(
    *,
    envs: list[EnvSpec],
    cloud: str,
    iac: str,
    region: str,
    stack: str,
    default_branch: str = "main",
) -> dict[str, str]:
    """Relative path -> rendered text of every file ``init`` writes."""
    import jinja2

    loader = jinja2.PackageLoader("pytest_devops", "templates/init")
    # The output is YAML and Python, not HTML: HTML escaping would corrupt it.
    jenv = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - renders YAML and Python, not HTML
    )
    context = {
        "envs": envs,
        "cloud": cloud,
        "iac": iac,
        "iac_title": {"terraform": "Terraform", "cloudformation": "CloudFormation"}[iac],
        "region": region,
        "stack": stack,
        "default_branch": default_branch,
        "ref": ACTIONS_REF,
        "protected": [e.name for e in envs if e.protected],
        "plan_fixture": "devops_plan" if iac == "terraform" else "devops_cfn_plan",
    }
    return {rel: jenv.get_template(tpl).render(context) for tpl, rel in FILES.items()}


def _environments(names: list[str]) -> list[EnvSpec]:
    import yaml

    from pytest_devops.errors import ConfigError

    specs: dict[str, EnvSpec] = {}
    last = len(names) - 1
    for i, name in enumerate(names):
        spec = EnvSpec(name, protected=last > 0 and i == last)
        if not _ENV_NAME.match(name):
            raise ConfigError(
                f"--env {name!r} is not an environment name",
                hint="letters, digits, '_', '.' and '-', starting with a letter or digit",
            )
        if yaml.safe_load(name) != name:
            # `1`, `on`, `null`: YAML would read the key as a number, boolean or nothing.
            raise ConfigError(
                f"--env {name!r} is not read as a name in YAML",
                hint="start it with a letter and avoid the words YAML reads as true/false/null",
            )
        if name in specs:
            raise ConfigError(f"--env {name!r} is given twice")
        clash = next((s.name for s in specs.values() if s.secret == spec.secret), None)
        if clash is not None:
            raise ConfigError(
                f"--env {name!r} and --env {clash!r} would share the secret "
                f"AWS_ROLE_ARN_{spec.secret}",
                hint="name environments so that they differ in more than '-', '.' and '_'",
            )
        specs[name] = spec
    return list(specs.values())


def _stack_name(directory: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9-]+", "-", directory).strip("-")
    return cleaned if cleaned[:1].isalpha() else f"app-{cleaned}".rstrip("-")


def _validate(text: str, path: Path, names: list[str]) -> None:
    """The rendered config must resolve for every environment (defaults for ${VARS})."""
    import yaml

    from pytest_devops.config import resolve

    doc = yaml.safe_load(text)
    for name in names:
        resolve(doc, name, path, environ={})
