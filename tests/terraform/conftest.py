from __future__ import annotations

from tfproject import project

__all__ = ["project"]
