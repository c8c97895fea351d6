"""Drift: one GitHub issue per drifted root and environment, opened, updated and closed
by the scheduled plan (``pytest-devops drift``)."""
