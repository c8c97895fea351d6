"""Terraform the security tests scan with the real Checkov."""

from __future__ import annotations

#: One unencrypted volume (fails CKV_AWS_3).
EBS = 'resource "aws_ebs_volume" "data" {\n  availability_zone = "us-west-2a"\n  size = 20\n}\n'

#: An encrypted volume (passes CKV_AWS_3) and a plain one (fails it).
VOLUMES = """\
resource "aws_ebs_volume" "encrypted" {
  availability_zone = "us-west-2a"
  size              = 20
  encrypted         = true
}

resource "aws_ebs_volume" "plain" {
  availability_zone = "us-west-2a"
  size              = 20
}
"""
