"""The command-line options and ini keys: the core's, then each feature's.

Feature plugins load only when a run uses pytest-devops, but pytest needs every option
at ``pytest_addoption`` time (and for ``--help``); so each feature that has options
keeps them in a small ``options`` module, named in :data:`pytest_devops.features.FEATURES`
and imported here.
"""

from __future__ import annotations

from importlib import import_module

import pytest

from pytest_devops.features import FEATURES
from pytest_devops.gates import STAGES
from pytest_devops.selection import ENV_VAR

GROUP = ("devops", "infrastructure gates (pytest-devops)")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup(*GROUP)
    group.addoption(
        "--devops-env",
        metavar="NAME",
        help=f"environment to gate, from devops.yaml (default: ${ENV_VAR}, ini devops_env).",
    )
    group.addoption(
        "--devops-config",
        metavar="PATH",
        help="config file (default: ini devops_config, else devops.yaml in the rootdir).",
    )
    group.addoption(
        "--devops-stage",
        choices=sorted(STAGES),
        help="run only the gates of this stage: plan (plan, security, cost), "
        "apply (post-deploy), promote (post-deploy and tests marked for promote).",
    )
    group.addoption("--devops-report", metavar="PATH", help="write the JSON gate report to PATH.")
    parser.addini("devops_env", "default environment for --devops-env.")
    parser.addini("devops_config", "config file for --devops-config.")
    for feature in FEATURES:
        if feature.options:
            import_module(feature.options).add_options(group)
