"""Hosts: testinfra on the environment's hosts and the hardening rules."""
