"""Which environment of which config file a run or a command is about: one function,
:func:`select`, for pytest and the command line alike.

Pure library: no pytest import.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_devops.errors import ConfigError

if TYPE_CHECKING:
    from pytest_devops.config import Environment

DEFAULT_FILENAME = "devops.yaml"
ENV_VAR = "PYTEST_DEVOPS_ENV"


def find_config(rootdir: Path, explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit).expanduser().resolve()
    candidate = rootdir / DEFAULT_FILENAME
    return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class Selected:
    """Which environment of which config file a run (or a command) is about."""

    env: str | None
    source: str | None
    config: Path | None
    rootdir: Path
    env_flag: str = "--devops-env"
    config_flag: str = "--devops-config"

    def load(self, environ: Mapping[str, str] | None = None) -> Environment | None:
        """The selected environment (``None`` when none is); no config file for a selected
        environment is a :class:`ConfigError` saying where one was expected."""
        if self.env is None:
            return None
        if self.config is None:
            raise ConfigError(
                f"{self.env_flag} {self.env} (from {self.source}): no config file; "
                f"expected {self.rootdir / DEFAULT_FILENAME} or {self.config_flag} PATH"
            )
        from pytest_devops.config import load_environment

        return load_environment(self.config, self.env, environ)


def select(
    rootdir: Path,
    *,
    env: str | None = None,
    env_flag: str = "--devops-env",
    config: str | None = None,
    config_flag: str = "--devops-config",
    ini_env: str | None = None,
    ini_config: str | None = None,
    ini_base: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Selected:
    """The one way pytest and the command line pick the environment and its file.

    Environment: the option, else ``$PYTEST_DEVOPS_ENV``, else ini ``devops_env``.
    File: the option, else ini ``devops_config`` (relative to the ini file), else
    ``devops.yaml`` in ``rootdir`` when it exists."""
    environ = os.environ if environ is None else environ
    name, source = None, None
    for value, origin in ((env, env_flag), (environ.get(ENV_VAR), ENV_VAR),
                          (ini_env, "ini devops_env")):
        if value:
            name, source = str(value), origin
            break
    explicit = config
    if not explicit and ini_config:
        explicit = str(ini_config)
        if not os.path.isabs(explicit):
            # An ini path is relative to the ini file, as pytest reads its own path settings.
            explicit = str((ini_base or rootdir) / explicit)
    return Selected(name, source, find_config(rootdir, explicit), rootdir, env_flag, config_flag)


def add_selection_arguments(parser: argparse.ArgumentParser, purpose: str) -> None:
    parser.add_argument("--env", metavar="NAME",
                        help=f"{purpose} (default: $PYTEST_DEVOPS_ENV)")
    parser.add_argument("--config", metavar="FILE",
                        help="config file for --env (default: devops.yaml)")


def selected_environment(args: argparse.Namespace) -> Environment | None:
    """The environment ``--env`` (or ``$PYTEST_DEVOPS_ENV``) names, ``None`` when none."""
    return select(Path.cwd(), env=args.env, env_flag="--env", config=args.config,
                  config_flag="--config").load()
