"""Monorepos: the Terraform roots of a repository and which of them a change affects."""
