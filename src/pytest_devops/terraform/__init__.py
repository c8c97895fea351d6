"""Terraform (or OpenTofu) from plan to apply, described once in ``devops.yaml``.

``settings`` parses the ``terraform:`` section; ``steps`` runs init, workspace, plan,
show, apply and destroy the same way for the plugin and the CLI; ``record`` keeps the
binary plan, its JSON and a small record under ``.devops/plans/NAME/``; ``cli`` is
``pytest-devops terraform plan|apply|destroy``; ``ephemeral`` applies and destroys an
environment once per test run; ``tftest`` turns ``terraform test`` into plan gates.
"""
