"""Module calls read from HCL: only ``source`` directly in a top-level ``module`` block."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_devops.monorepo.hcl import ModuleCall, module_calls, scan

TRICKY = r'''
# module "fake" { source = "../no" }
// module "fake1" { source = "../no1" }
/* module "fake2" {
  source = "../no2"
} */
locals {
  x = "module \"q\" { source = \"../no3\" }"
  h = <<-EOT
    module "h" {
      source = "../no4"
    }
  EOT
  t = "${jsonencode({ a = "}" })}"
}
module "net" {
  source  = "../modules/network"   # trailing comment
  version = "1"
  providers = { aws = aws.x }
  nested {
    source = "../no5"
  }
  tags = { source = "../no6" }
}
module "app" { source = "./app" }
resource "x" "y" {
  source = "../no7"
}
module "templated" {
  source = "../${var.where}"
}
module "reg" {
  source = "terraform-aws-modules/vpc/aws"
}
'''


def test_only_real_module_sources() -> None:
    assert scan(TRICKY, "main.tf") == [
        ModuleCall("net", "../modules/network", "main.tf", 17),
        ModuleCall("app", "./app", "main.tf", 25),
        ModuleCall("reg", "terraform-aws-modules/vpc/aws", "main.tf", 33),
    ]


def test_json_syntax_and_one_directory_only(tmp_path: Path) -> None:
    (tmp_path / "a.tf.json").write_text(json.dumps(
        {"module": {"db": {"source": "../db"}, "cache": [{"source": "./cache"}]}}
    ))
    (tmp_path / "b.tf").write_text('module "x" {\n  source = "../x"\n}\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub/c.tf").write_text('module "y" {\n  source = "../y"\n}\n')
    (tmp_path / "broken.tf.json").write_text("{not json")
    assert [(c.name, c.source) for c in module_calls(tmp_path)] == [
        ("db", "../db"), ("cache", "./cache"), ("x", "../x"),
    ]
