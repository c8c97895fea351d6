"""The demo project's conftest: when run on its own (``pytest --devops-env=local``), start
the stand-in service so ``devops.yaml`` can point at it. ``run.py`` starts its own and
passes ``DEMO_SERVICE_URL``; the AWS emulator is started by pytest-devops itself
(``aws.emulator: moto``) unless ``DEMO_AWS_ENDPOINT`` names one."""

from __future__ import annotations

import os

import service  # the demo's own module, beside this file (pytest puts this dir on sys.path)

if not os.environ.get("DEMO_SERVICE_URL"):
    _server, os.environ["DEMO_SERVICE_URL"] = service.start()
