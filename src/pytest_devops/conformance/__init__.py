"""Conformance: the live resources match the plan that was reviewed."""

from __future__ import annotations

from pytest_devops.conformance.model import ConformanceReport, Mismatch, ResourceResult

__all__ = ["ConformanceReport", "Mismatch", "ResourceResult"]
