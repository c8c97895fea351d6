"""The session's AWS side: the moto emulator it started, the endpoint, the boto3 session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_devops.aws.emulator import Emulator
    from pytest_devops.aws.session import AwsSession, AwsSettings
    from pytest_devops.config import Environment
    from pytest_devops.redact import Redactor

#: Key of the endpoint the xdist controller hands its workers.
ENDPOINT_KEY = "devops_aws_endpoint"


class AwsRuntime:
    def __init__(
        self, env: Environment, settings: AwsSettings, redactor: Redactor,
        workerinput: dict[str, Any] | None,
    ) -> None:
        self.env = env
        self.settings = settings
        self.redactor = redactor
        self.emulator: Emulator | None = None
        self.is_worker = workerinput is not None
        self._endpoint: str | None = workerinput.get(ENDPOINT_KEY) if workerinput else None
        self._session: AwsSession | None = None

    @property
    def aws_section(self) -> dict[str, Any]:
        return dict(self.env.section("aws"))

    def start_emulator(self) -> None:
        section = self.aws_section
        if section.get("emulator") != "moto" or section.get("endpoint_url") or self.is_worker:
            return
        from pytest_devops.aws.emulator import Emulator

        self.emulator = Emulator().start()
        self._endpoint = self.emulator.endpoint_url

    def stop_emulator(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None

    @property
    def endpoint(self) -> str | None:
        return self._endpoint or self.aws_section.get("endpoint_url") or None

    def session(self) -> AwsSession:
        if self._session is None:
            from pytest_devops.aws.session import AwsSession

            settings = self.settings
            if self._endpoint:
                settings = settings.with_endpoint(self._endpoint)
            self._session = AwsSession(settings, self.redactor)
        return self._session
