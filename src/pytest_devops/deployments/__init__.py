"""Deployment records: what a verified apply left running, for machines and for people."""

from __future__ import annotations

from pytest_devops.deployments.model import DeployedResource, DeploymentRecord

__all__ = ["DeployedResource", "DeploymentRecord"]
