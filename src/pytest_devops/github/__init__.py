"""GitHub reporting: job summary, annotations, sticky pull-request comment, step outputs.

Everything here reads the JSON gate report (``pytest --devops-report PATH``) and writes
through a :class:`~pytest_devops.redact.Redactor`. ``ghapi`` is imported only by the
comment publisher, when it runs.
"""

from __future__ import annotations
