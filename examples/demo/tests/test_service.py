"""Post-deploy gates: the deployed stack, the service in front of it, the host it runs on.

Built-in gates from devops.yaml (aws-*, url[service], the host checks) run alongside.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from testinfra.host import Host

from pytest_devops import AwsVerifier, Deployment


@pytest.mark.devops_postdeploy
def test_web_instance_is_the_healthy_target(
    devops_deployment: Deployment, devops_aws: AwsVerifier
) -> None:
    instance = devops_deployment.output("InstanceId")
    health = devops_aws.targets_healthy(devops_deployment.output("TargetGroupArn"))
    assert dict(health.targets) == {instance: "healthy"}
    assert devops_aws.instance_running(instance).instance_type == "t3.micro"


@pytest.mark.devops_postdeploy
def test_service_port_is_listening(host: Host) -> None:
    port = urlsplit(os.environ["DEMO_SERVICE_URL"]).port
    assert host.socket(f"tcp://127.0.0.1:{port}").is_listening
