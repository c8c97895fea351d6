"""Hosts in pytest: testinfra's ``host`` fixture on the environment's hosts, hardening gates.

Imports only the standard library, pytest and light pytest_devops modules at load.
"""

from __future__ import annotations
