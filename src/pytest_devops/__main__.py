from __future__ import annotations

import sys

from pytest_devops.cli import main

sys.exit(main())
