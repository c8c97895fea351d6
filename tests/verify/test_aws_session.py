"""The aws: section -> boto3 session: region, endpoint, retry policy, assumed role."""

from __future__ import annotations

import pytest

from pytest_devops.aws.session import AwsSession, AwsSettings
from pytest_devops.config import resolve
from pytest_devops.errors import ConfigError, GateError
from pytest_devops.redact import Redactor

ROLE = "arn:aws:iam::123456789012:role/deployer"


def test_section_parses_with_defaults() -> None:
    s = AwsSettings.from_section({"region": "eu-west-1", "retries": {"mode": "standard"}})
    assert (s.region, s.retry_mode, s.max_attempts, s.role_session_name, s.endpoint_url) == (
        "eu-west-1", "standard", 10, "pytest-devops", None)


def test_client_carries_retry_policy_and_endpoint(aws_endpoint: str) -> None:
    session = AwsSession(AwsSettings(region="us-east-1", endpoint_url=aws_endpoint,
                                     retry_mode="adaptive", max_attempts=7))
    client = session.client("s3")
    assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert client.meta.endpoint_url == aws_endpoint
    assert session.client("s3") is client  # cached


def test_an_emulator_never_gets_the_real_credentials(
    aws_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY123456789")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret-key")
    session = AwsSession(AwsSettings(region="us-east-1", endpoint_url=aws_endpoint,
                                     emulator="moto"))
    creds = session.boto_session().get_credentials().get_frozen_credentials()
    assert (creds.access_key, creds.secret_key) == ("testing", "testing")


def test_assumed_role_credentials_are_masked(aws_endpoint: str) -> None:
    redactor = Redactor()
    session = AwsSession(
        AwsSettings(region="us-east-1", endpoint_url=aws_endpoint, role_arn=ROLE,
                    external_id="ext-7f3e9a", role_session_name="ci-run"),
        redactor,
    )
    creds = session.boto_session().get_credentials().get_frozen_credentials()
    assert creds.access_key != "testing"  # the assumed role's, not the base ones
    who = session.client("sts").get_caller_identity()
    assert who["Arn"] == "arn:aws:sts::123456789012:assumed-role/deployer/ci-run"
    text = f"key {creds.secret_key} token {creds.token} ext ext-7f3e9a"
    assert redactor.redact(text) == "key *** token *** ext ***"


def test_unknown_profile_is_a_config_error() -> None:
    session = AwsSession(AwsSettings(region="us-east-1", profile="no-such-profile-x"))
    with pytest.raises(ConfigError, match="no-such-profile-x"):
        session.boto_session()


def test_assume_role_failure_is_an_error() -> None:
    session = AwsSession(AwsSettings(region="us-east-1", endpoint_url="http://127.0.0.1:9",
                                     role_arn=ROLE, max_attempts=1))
    with pytest.raises(GateError, match="cannot assume role"):
        session.boto_session()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"regoin": "x"}, "unknown key 'regoin'"),
        ({"retries": {"mode": "fast"}}, "expected one of ['standard', 'adaptive', 'legacy']"),
        ({"role_arn": "deployer"}, "does not match"),
        ({"checks": {"buckets_secure": "output:B"}}, "expected a list"),
        ({"emulator": "localstack"}, "expected one of ['moto']"),
    ],
)
def test_schema_is_strict(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=r"environments\.e\.") as info:
        resolve({"environments": {"e": {"aws": section}}}, "e", environ={})
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"cloudformation": {"stack_name": "s"}}, "'template' is required"),
        ({"cloudformation": {"stack_name": "1bad", "template": "t.yaml"}}, "does not match"),
        ({"cloudformation": {"stack_name": "s", "template": "t", "capabilities": ["IAM"]}},
         "CAPABILITY_IAM"),
        ({"ephemeral": {"teardown": "sometimes"}}, "on_success"),
    ],
)
def test_cloudformation_and_ephemeral_schemas_are_strict(env: dict[str, object],
                                                         message: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve({"environments": {"e": env}}, "e", environ={})
    assert message in str(info.value)
