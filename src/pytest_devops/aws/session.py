"""AWS connection settings (the ``aws:`` section) and boto3 sessions built from them.

boto3 is imported when a session is made, never at import time. Every session uses
botocore's retry modes (``standard`` or ``adaptive``) so throttling backs off instead
of failing the gate.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_devops.errors import ConfigError, GateError

if TYPE_CHECKING:
    from pytest_devops.redact import Redactor

#: Credentials the emulator accepts; never real ones.
EMULATOR_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # the emulator's dummy key
}


@dataclass(frozen=True)
class AwsSettings:
    """The parsed ``aws:`` section of one environment."""

    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    role_session_name: str = "pytest-devops"
    endpoint_url: str | None = None
    emulator: str | None = None
    retry_mode: str = "adaptive"
    max_attempts: int = 10
    outputs_file: str | None = None
    checks: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_section(cls, raw: Mapping[str, Any]) -> AwsSettings:
        retries = raw.get("retries") or {}
        return cls(
            region=raw.get("region") or None,
            profile=raw.get("profile") or None,
            role_arn=raw.get("role_arn") or None,
            external_id=raw.get("external_id") or None,
            role_session_name=raw.get("role_session_name") or "pytest-devops",
            endpoint_url=raw.get("endpoint_url") or None,
            emulator=raw.get("emulator") or None,
            retry_mode=retries.get("mode", "adaptive"),
            max_attempts=int(retries.get("max_attempts", 10)),
            outputs_file=raw.get("outputs_file") or None,
            checks=dict(raw.get("checks") or {}),
        )

    def with_endpoint(self, endpoint_url: str) -> AwsSettings:
        from dataclasses import replace

        return replace(self, endpoint_url=endpoint_url)


class AwsSession:
    """A boto3 session for one environment: region, endpoint and retry policy applied."""

    def __init__(self, settings: AwsSettings, redactor: Redactor | None = None) -> None:
        self.settings = settings
        self._redactor = redactor
        self._session: Any = None
        self._clients: dict[str, Any] = {}

    @property
    def region(self) -> str:
        region = self.settings.region or self.boto_session().region_name
        if not region:
            raise ConfigError(
                "no AWS region: set aws.region in devops.yaml or AWS_REGION",
                key="aws.region",
            )
        return str(region)

    def boto_session(self) -> Any:
        if self._session is None:
            self._session = self._make_session()
        return self._session

    def client(self, service: str) -> Any:
        """A cached boto3 client for ``service`` with retries and the endpoint applied."""
        if service not in self._clients:
            from botocore.config import Config

            # The schema's enum guarantees the mode is one botocore knows.
            retries: Any = {
                "mode": self.settings.retry_mode,
                "total_max_attempts": self.settings.max_attempts,
            }
            config = Config(
                retries=retries,
                connect_timeout=10,
                read_timeout=60,
            )
            self._clients[service] = self.boto_session().client(
                service,
                region_name=self.region,
                endpoint_url=self.settings.endpoint_url,
                config=config,
            )
        return self._clients[service]

    def _make_session(self) -> Any:
        try:
            import boto3
        except ImportError:
            from pytest_devops.errors import ToolMissing

            raise ToolMissing("boto3", "pip install 'pytest-devops[aws]'") from None
        s = self.settings
        kwargs: dict[str, Any] = {}
        if s.profile:
            kwargs["profile_name"] = s.profile
        if s.region:
            kwargs["region_name"] = s.region
        if s.emulator or (s.endpoint_url and not s.profile and not _has_credentials()):
            # An emulator accepts any key: real credentials never go to it.
            kwargs["aws_access_key_id"] = EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"]
            kwargs["aws_secret_access_key"] = EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
        try:
            base = boto3.Session(**kwargs)
        except Exception as exc:  # botocore's ProfileNotFound and friends
            raise ConfigError(
                f"cannot create an AWS session: {exc}",
                key="aws.profile",
                hint="check the profile name in ~/.aws/config",
            ) from None
        if not s.role_arn:
            return base
        return self._assume_role(boto3, base)

    def _assume_role(self, boto3: Any, base: Any) -> Any:
        s = self.settings
        sts = base.client("sts", region_name=s.region, endpoint_url=s.endpoint_url)
        params: dict[str, Any] = {"RoleArn": s.role_arn, "RoleSessionName": s.role_session_name}
        if s.external_id:
            params["ExternalId"] = s.external_id
            self._redact(s.external_id)
        try:
            creds = sts.assume_role(**params)["Credentials"]
        except Exception as exc:
            raise GateError(
                f"cannot assume role {s.role_arn}: {exc}",
                hint="check aws.role_arn / aws.external_id and the base credentials' trust",
            ) from None
        self._redact(creds["SecretAccessKey"])
        self._redact(creds["SessionToken"])
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=s.region or base.region_name,
        )

    def _redact(self, value: str) -> None:
        if self._redactor is not None:
            self._redactor.add(value)


def _has_credentials() -> bool:
    return bool(os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"))
