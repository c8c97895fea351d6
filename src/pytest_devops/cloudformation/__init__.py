"""The CloudFormation deploy engine: change set as the plan, apply once per run, teardown."""
