"""A real Terraform root whose plan drifts on demand, and the secrets it holds."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

TOKEN = "ghs_driftTokenForTheLocalServer01"
#: A sensitive variable with quotes, backslashes and length.
SECRET = 'dr1ft-"pa\\ss"-' + "k" * 120 + "\\end'"

MAIN_TF = """\
variable "size" {
  type = number
}

variable "password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "app" {
  input = { size = var.size, password = var.password }
}
"""


class Root:
    """A Terraform root applied with ``size=1``; :meth:`plan` plans another size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
                    "TF_VAR_password": SECRET, "CHECKPOINT_DISABLE": "1"}

    def tf(self, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["terraform", *args], cwd=self.path, env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode in ok, done.stderr
        return done

    def plan(self, size: int, name: str) -> tuple[Path, int]:
        """(plan JSON, terraform plan -detailed-exitcode's status)."""
        code = self.tf("plan", "-detailed-exitcode", f"-var=size={size}", f"-out={name}.tfplan",
                       ok=(0, 2)).returncode
        out = self.path / f"{name}.json"
        out.write_text(self.tf("show", "-json", f"{name}.tfplan").stdout)
        json.loads(out.read_text())
        return out, code
